package io.driftwatch.scanner.check;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How a secret is shown: never whole. {@code AKIA…(20 chars, sha256:1f3a0c9e2b7d)}: its first 4 characters (2 for a
 * secret of 8 to 15 characters, none below 8, so that a short password is not half given away), its length, and a
 * fingerprint, the first 12 hex digits of the SHA-256 of its bytes ({@code printf %s "$SECRET" | sha256sum} gives the
 * same digits), which policies use to allow a known value without writing it down.
 */
public final class Redaction {
    private Redaction() {
    }

    /** The secret as bytes: the content is read one char per byte (ISO-8859-1), so this gives the file's bytes back. */
    private static byte[] bytes(String secret) {
        return secret.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static String fingerprint(String secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes(secret));
            return "sha256:" + HexFormat.of().formatHex(digest).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many leading characters of a secret of this length are shown. */
    static int shown(int length) {
        return length >= 16 ? 4 : length >= 8 ? 2 : 0;
    }

    public static String redact(String secret) {
        int shown = shown(secret.length());
        return printable(secret.substring(0, shown)) + "…(" + secret.length() + " chars, " + fingerprint(secret) + ")";
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c < 0x20 || c >= 0x7f ? '?' : c);
        }
        return out.toString();
    }
}
