package io.driftwatch.rules.classify;

import java.util.Objects;

/**
 * A process of this name plays a role, e.g. dpkg is a package-manager. Trusted only when its executable lies in a binary-dir (or is unknown): /tmp/dpkg is not a package manager.
 * A reference fact: insert it from a rule without conditions in a {@code .classify} package of
 * your own, or list it in a tuning file, to extend the shipped lists.
 */
public final class ProcessRole implements ClassificationFact {
  private final String name;
  private final String role;

  public ProcessRole(String name, String role) {
    this.name = ClassificationFact.name(name);
    this.role = Objects.requireNonNull(role, "role");
  }

  /** A process name as the sensor reports it (the kernel's comm: at most 15 characters). */
  public String getName() {
    return name;
  }

  /** The role it plays, e.g. binary-dir, shell-history, package-manager. */
  @Override
  public String getRole() {
    return role;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ProcessRole that && name.equals(that.name) && role.equals(that.role);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, role);
  }

  @Override
  public String toString() {
    return "ProcessRole[" + name + " is " + role + "]";
  }
}
