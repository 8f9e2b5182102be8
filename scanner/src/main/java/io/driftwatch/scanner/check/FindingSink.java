package io.driftwatch.scanner.check;

/** Where checks report what they find; the scanner adds layer digests, deletions, exceptions and fingerprints. */
public interface FindingSink {

    /**
     * @param path     the path inside the image (for a missing path, the glob that found nothing)
     * @param layer    index of the layer that introduced it, or -1 when no layer did (a missing file)
     * @param line     1-based line of the content where it was found, or 0
     * @param message  one sentence; never a secret
     * @param evidence redacted evidence (see {@link Redaction}), or null
     * @param secretFingerprint the fingerprint of a secret ("sha256:" and 12 hex), for allow-lists and exceptions; or null
     */
    void report(CheckInfo check, String path, int layer, int line, String message, String evidence, String secretFingerprint);
}
