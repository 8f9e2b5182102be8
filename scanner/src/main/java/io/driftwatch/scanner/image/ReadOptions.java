package io.driftwatch.scanner.image;

/**
 * How an image is read.
 *
 * @param contentLimitBytes regular files up to this size are handed to {@link LayerVisitor#entry} with their bytes
 * @param tlsVerify         false accepts any certificate and plain HTTP for docker:// (a local registry)
 * @param credentials       "user:password" for docker:// registries (basic, or exchanged for a bearer token), or null
 *                          for anonymous
 * @param progress          told how far reading has got; {@link ScanProgress#NONE} for silence
 */
public record ReadOptions(long contentLimitBytes, boolean tlsVerify, String credentials, ScanProgress progress) {

    public static final long DEFAULT_CONTENT_LIMIT = 4L * 1024 * 1024;

    public static ReadOptions defaults() {
        return new ReadOptions(DEFAULT_CONTENT_LIMIT, true, null, ScanProgress.NONE);
    }
}
