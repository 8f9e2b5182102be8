package io.driftwatch.rules.classify;

import java.util.Objects;

/**
 * Every path below a directory plays a role, e.g. /usr/bin/ is a binary-dir.
 * A reference fact: insert it from a rule without conditions in a {@code .classify} package of
 * your own, or list it in a tuning file, to extend the shipped lists.
 */
public final class DirectoryRole implements ClassificationFact {
  private final String dir;
  private final String role;

  public DirectoryRole(String dir, String role) {
    this.dir = ClassificationFact.directory(dir);
    this.role = Objects.requireNonNull(role, "role");
  }

  /** An absolute directory ending in '/'; everything below it plays the role. */
  public String getDir() {
    return dir;
  }

  /** The role it plays, e.g. binary-dir, shell-history, package-manager. */
  @Override
  public String getRole() {
    return role;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof DirectoryRole that && dir.equals(that.dir) && role.equals(that.role);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dir, role);
  }

  @Override
  public String toString() {
    return "DirectoryRole[" + dir + " is " + role + "]";
  }
}
