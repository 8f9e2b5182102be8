package io.driftwatch.rules.classify;

import java.util.Objects;

/**
 * Files of a name, in any directory, play a role, e.g. .bash_history is a shell-history.
 * A reference fact: insert it from a rule without conditions in a {@code .classify} package of
 * your own, or list it in a tuning file, to extend the shipped lists.
 */
public final class FileNameRole implements ClassificationFact {
  private final String name;
  private final String role;

  public FileNameRole(String name, String role) {
    this.name = ClassificationFact.name(name);
    this.role = Objects.requireNonNull(role, "role");
  }

  /** A file name (last path component): exact, or with one leading or trailing '*' (*.pem, id_*). */
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
    return other instanceof FileNameRole that && name.equals(that.name) && role.equals(that.role);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, role);
  }

  @Override
  public String toString() {
    return "FileNameRole[" + name + " is " + role + "]";
  }
}
