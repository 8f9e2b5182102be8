package io.driftwatch.rules.classify;

import java.util.Objects;

/**
 * One file plays a role, e.g. /etc/shadow is a credential-store.
 * A reference fact: insert it from a rule without conditions in a {@code .classify} package of
 * your own, or list it in a tuning file, to extend the shipped lists.
 */
public final class FileRole implements ClassificationFact {
  private final String path;
  private final String role;

  public FileRole(String path, String role) {
    this.path = ClassificationFact.absolute(path, "path");
    this.role = Objects.requireNonNull(role, "role");
  }

  /** An absolute, canonical file path. */
  public String getPath() {
    return path;
  }

  /** The role it plays, e.g. binary-dir, shell-history, package-manager. */
  @Override
  public String getRole() {
    return role;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof FileRole that && path.equals(that.path) && role.equals(that.role);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, role);
  }

  @Override
  public String toString() {
    return "FileRole[" + path + " is " + role + "]";
  }
}
