package io.driftwatch.rules.tuning;

import java.util.Locale;
import java.util.Objects;

/**
 * How the response policy treats alerts from one namespace ({@code *} for every namespace without
 * one of its own). Modes, from mildest:
 * <ul>
 *   <li>{@code observe}: NOTIFY only, never a disruptive action</li>
 *   <li>{@code contain} (the default): NOTIFY; for HIGH and CRITICAL tampering SNAPSHOT_EVIDENCE
 *       then PAUSE_CONTAINER (evidence first, nothing destroyed)</li>
 *   <li>{@code isolate}: as contain, plus ISOLATE_NETWORK</li>
 *   <li>{@code kill}: as isolate, and CRITICAL alerts KILL_CONTAINER after the snapshot</li>
 * </ul>
 * Protected namespaces ({@link ProtectedNamespace}) are always {@code observe}.
 */
public final class NamespaceResponse {
  public static final String ANY = "*";

  private final String namespace;
  private final String mode;

  public NamespaceResponse(String namespace, String mode) {
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.mode = checkMode(mode);
  }

  public static String checkMode(String mode) {
    String lower = Objects.requireNonNull(mode, "mode").toLowerCase(Locale.ROOT);
    if (!lower.equals("observe") && !lower.equals("contain") && !lower.equals("isolate") && !lower.equals("kill")) {
      throw new IllegalArgumentException("response mode must be observe, contain, isolate or kill, not " + mode);
    }
    return lower;
  }

  public String getNamespace() {
    return namespace;
  }

  public String getMode() {
    return mode;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof NamespaceResponse that && namespace.equals(that.namespace) && mode.equals(that.mode);
  }

  @Override
  public int hashCode() {
    return Objects.hash(namespace, mode);
  }

  @Override
  public String toString() {
    return "NamespaceResponse[" + namespace + "=" + mode + "]";
  }
}
