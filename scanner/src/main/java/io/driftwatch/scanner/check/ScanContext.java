package io.driftwatch.scanner.check;

import java.nio.charset.StandardCharsets;

/**
 * What checks share during one scan: where findings go, and each content's text decoded once for every content check.
 */
public final class ScanContext {
    /** How far into a file to look for a NUL byte that makes it binary (as git does). */
    static final int BINARY_PROBE = 8000;

    private final FindingSink sink;
    private byte[] lastContent;
    private String lastText;
    private boolean lastBinary;
    long searched;
    long binarySkipped;
    long tooLarge;

    public ScanContext(FindingSink sink) {
        this.sink = sink;
    }

    public FindingSink sink() {
        return sink;
    }

    /** The content as text, one char per byte (ISO-8859-1: offsets are byte offsets, and bytes survive as they are). */
    String text(byte[] content) {
        probe(content);
        if (lastText == null) {
            lastText = new String(content, StandardCharsets.ISO_8859_1);
        }
        return lastText;
    }

    /** A NUL byte in the first 8000 bytes. */
    boolean binary(byte[] content) {
        probe(content);
        return lastBinary;
    }

    private void probe(byte[] content) {
        if (content != lastContent) {
            lastContent = content;
            lastText = null;
            lastBinary = false;
            for (int i = 0, n = Math.min(content.length, BINARY_PROBE); i < n; i++) {
                if (content[i] == 0) {
                    lastBinary = true;
                    break;
                }
            }
        }
    }

    /** Regular files whose content some content check searched. */
    public long searched() {
        return searched;
    }

    /** Regular files no content check searched because they are binary. */
    public long binarySkipped() {
        return binarySkipped;
    }

    /** Regular files over the content limit, whose content no check saw. */
    public long tooLarge() {
        return tooLarge;
    }
}
