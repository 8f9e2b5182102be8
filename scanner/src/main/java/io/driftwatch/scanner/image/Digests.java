package io.driftwatch.scanner.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Content digests as OCI writes them: "sha256:&lt;64 hex&gt;" (sha512 accepted too). */
final class Digests {
    private static final Pattern DIGEST = Pattern.compile("(sha256:[0-9a-f]{64})|(sha512:[0-9a-f]{128})");

    private Digests() {
    }

    static boolean valid(String digest) {
        return digest != null && DIGEST.matcher(digest).matches();
    }

    /** The digest's algorithm, ready to use: "sha256:..." → SHA-256. */
    static MessageDigest forDigest(String digest) {
        if (!valid(digest)) {
            throw new IllegalArgumentException("not a sha256/sha512 digest: " + digest);
        }
        return newDigest(digest.startsWith("sha512:") ? "SHA-512" : "SHA-256");
    }

    static MessageDigest sha256() {
        return newDigest("SHA-256");
    }

    private static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    /** "sha256:" + hex of SHA-256 over {@code content}. */
    static String sha256(byte[] content) {
        return "sha256:" + hex(sha256().digest(content));
    }

    /** "alg:" + hex of what {@code md} computed, with the algorithm named as {@code like} names it. */
    static String format(String like, MessageDigest md) {
        return like.substring(0, like.indexOf(':') + 1) + hex(md.digest());
    }

    static String shortForm(String digest) {
        return digest == null ? "?" : digest.length() > 19 ? digest.substring(0, 19) : digest;
    }
}
