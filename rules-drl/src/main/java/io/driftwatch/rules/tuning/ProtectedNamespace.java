package io.driftwatch.rules.tuning;

import java.util.Objects;

/** A namespace that never gets a disruptive action (pause, isolate, kill), whatever the policy says. */
public final class ProtectedNamespace {
  private final String name;

  public ProtectedNamespace(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  public String getName() {
    return name;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ProtectedNamespace that && name.equals(that.name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return "ProtectedNamespace[" + name + "]";
  }
}
