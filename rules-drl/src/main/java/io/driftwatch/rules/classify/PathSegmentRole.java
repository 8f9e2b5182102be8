package io.driftwatch.rules.classify;

import java.util.Objects;

/**
 * Every path with a directory of this name somewhere in it plays a role, e.g. anything under a .aws directory is a cloud-credential.
 * A reference fact: insert it from a rule without conditions in a {@code .classify} package of
 * your own, or list it in a tuning file, to extend the shipped lists.
 */
public final class PathSegmentRole implements ClassificationFact {
  private final String segment;
  private final String role;

  public PathSegmentRole(String segment, String role) {
    this.segment = ClassificationFact.name(segment);
    this.role = Objects.requireNonNull(role, "role");
  }

  /** A directory name, e.g. .aws. */
  public String getSegment() {
    return segment;
  }

  /** The role it plays, e.g. binary-dir, shell-history, package-manager. */
  @Override
  public String getRole() {
    return role;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PathSegmentRole that && segment.equals(that.segment) && role.equals(that.role);
  }

  @Override
  public int hashCode() {
    return Objects.hash(segment, role);
  }

  @Override
  public String toString() {
    return "PathSegmentRole[" + segment + " is " + role + "]";
  }
}
