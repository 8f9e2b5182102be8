package io.driftwatch.scanner.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.function.LongConsumer;

/**
 * Counts and digests what passes through, and tells {@code onProgress} every {@code step} bytes. {@link #verify}
 * reads what is left and compares the digest (and the size, when known) with the expected ones.
 */
final class VerifyingInputStream extends FilterInputStream {
    private final String expectedDigest;
    private final long expectedSize;
    private final MessageDigest md;
    private final long step;
    private final LongConsumer onProgress;
    private long count;
    private long nextReport;

    /** {@code expectedDigest} null: count only; {@code expectedSize} -1: unknown. */
    VerifyingInputStream(InputStream in, String expectedDigest, long expectedSize, long step, LongConsumer onProgress) {
        super(in);
        this.expectedDigest = expectedDigest;
        this.expectedSize = expectedSize;
        this.md = expectedDigest == null ? null : Digests.forDigest(expectedDigest);
        this.step = step;
        this.onProgress = onProgress;
        this.nextReport = step;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            if (md != null) {
                md.update((byte) b);
            }
            advance(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = in.read(buf, off, len);
        if (n > 0) {
            if (md != null) {
                md.update(buf, off, n);
            }
            advance(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipped bytes must still be digested.
        byte[] buf = new byte[(int) Math.min(n, 64 * 1024)];
        long done = 0;
        while (done < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void advance(int n) {
        count += n;
        if (count >= nextReport) {
            nextReport = count + step;
            onProgress.accept(count);
        }
    }

    long count() {
        return count;
    }

    /**
     * Reads to the end, then checks the size and digest. Returns the digest computed, or null when none was
     * expected.
     *
     * @throws DigestMismatchException when they differ
     */
    String verify() throws IOException {
        byte[] buf = new byte[256 * 1024];
        while (read(buf, 0, buf.length) >= 0) {
            // drain: the digest covers the whole blob, tar padding and all
        }
        if (expectedSize >= 0 && count != expectedSize) {
            throw new DigestMismatchException("size mismatch: expected " + expectedSize + " bytes, read " + count);
        }
        if (md == null) {
            return null;
        }
        String actual = Digests.format(expectedDigest, md);
        if (!actual.equals(expectedDigest)) {
            throw new DigestMismatchException("digest mismatch: expected " + expectedDigest + ", content is " + actual);
        }
        return actual;
    }

    /** The content read is not what its digest or size promised. */
    static final class DigestMismatchException extends IOException {
        DigestMismatchException(String message) {
            super(message);
        }
    }
}
