package io.driftwatch.rules;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 in hex, for the ids and versions that must come out the same for the same input. */
public final class Hashes {
  private Hashes() {}

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** The first {@code hexChars} hex digits of SHA-256 over the parts, each followed by a NUL separator. */
  public static String sha256Hex(int hexChars, String... parts) {
    MessageDigest digest = sha256();
    for (String part : parts) {
      digest.update(part.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
    }
    return hex(digest.digest(), hexChars);
  }

  static String hex(byte[] digest, int hexChars) {
    return HexFormat.of().formatHex(digest).substring(0, hexChars);
  }
}
