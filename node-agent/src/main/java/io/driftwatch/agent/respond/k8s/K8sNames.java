package io.driftwatch.agent.respond.k8s;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** Names and label syntax as the Kubernetes API server validates them. */
final class K8sNames {

  /** The isolation NetworkPolicy's name is this plus the pod's name (hashed when it does not fit). */
  static final String POLICY_PREFIX = "driftwatch-isolate-";
  static final int MAX_LABEL_LENGTH = 63;
  static final int SHORT_ID_LENGTH = 12;

  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
  private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private K8sNames() {
  }

  /** A valid DNS-1123 label (at most 63 characters) naming the isolation policy of {@code pod}. */
  static String policyName(String pod) {
    String plain = POLICY_PREFIX + pod;
    if (plain.length() <= MAX_LABEL_LENGTH && DNS1123_LABEL.matcher(plain).matches()) {
      return plain;
    }
    // Too long, or a character a label may not hold (pod names may contain dots): keep a readable prefix and add a
    // hash of the full pod name so two long names that share a prefix still get different policies.
    String hash = sha256Hex(pod).substring(0, 10);
    String cleaned = plain.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    int room = MAX_LABEL_LENGTH - hash.length() - 1;
    String prefix = cleaned.length() > room ? cleaned.substring(0, room) : cleaned;
    prefix = prefix.replaceAll("-+$", "");
    return prefix + "-" + hash;
  }

  /**
   * The value of the {@code driftwatch.io/isolated} label for a command: the first {@value #SHORT_ID_LENGTH} characters
   * of the command id when they make a valid label value (command ids are hex hashes), else a hash of it.
   */
  static String shortCommandId(String commandId) {
    if (commandId == null || commandId.isBlank()) {
      return "unknown";
    }
    String head = commandId.length() > SHORT_ID_LENGTH ? commandId.substring(0, SHORT_ID_LENGTH) : commandId;
    if (LABEL_VALUE.matcher(head).matches()) {
      return head;
    }
    return sha256Hex(commandId).substring(0, SHORT_ID_LENGTH);
  }

  /** Why {@code key}={@code value} is not a valid Kubernetes label, or {@code null} when it is. */
  static String labelProblem(String key, String value) {
    if (key == null || key.isEmpty()) {
      return "a label key is empty";
    }
    String name = key;
    int slash = key.indexOf('/');
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      name = key.substring(slash + 1);
      if (prefix.isEmpty() || prefix.length() > 253 || !DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
        return "label key '" + key + "' has an invalid prefix (must be a DNS subdomain of at most 253 characters)";
      }
    }
    if (name.isEmpty() || name.length() > MAX_LABEL_LENGTH || !LABEL_NAME.matcher(name).matches()) {
      return "label key '" + key + "' is invalid (name part: at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at both ends)";
    }
    if (value == null) {
      return "label '" + key + "' has no value";
    }
    if (value.length() > MAX_LABEL_LENGTH || !LABEL_VALUE.matcher(value).matches()) {
      return "label value '" + value + "' of '" + key + "' is invalid (at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at "
          + "both ends)";
    }
    return null;
  }

  static boolean isDns1123Label(String s) {
    return s != null && s.length() <= MAX_LABEL_LENGTH && DNS1123_LABEL.matcher(s).matches();
  }

  private static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
