package io.driftwatch.rules.tuning;

import java.util.Objects;

/**
 * A number a stateful rule reads, e.g. {@code mass-change.count} or {@code mass-change.window.ms}.
 * The shipped defaults are inserted by {@code classify/thresholds.drl}; a tuning file replaces
 * them by name (see the rule-authoring guide). Reference fact: never modified.
 */
public final class Threshold {
  private final String name;
  private final long value;

  public Threshold(String name, long value) {
    this.name = Objects.requireNonNull(name, "name");
    this.value = value;
  }

  public String getName() {
    return name;
  }

  public long getValue() {
    return value;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Threshold that && name.equals(that.name) && value == that.value;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, value);
  }

  @Override
  public String toString() {
    return "Threshold[" + name + "=" + value + "]";
  }
}
