package io.driftwatch.rules;

/**
 * Equal strings and boxed numbers folded into one instance, so that the events the session keeps
 * (a written file remembered for the drop-then-execute rule, the events of a burst) do not each
 * hold a copy of their node, container, process, program and command line: every decoded event
 * brings fresh instances of them all.
 *
 * <p>A direct-mapped cache: one slot per hash, a new value replaces what its slot held. Bounded
 * (a fixed array), no allocation per call, and the values that come often stay in place; one that
 * comes once costs one slot until something else needs it. Not thread-safe (one per evaluator).
 */
final class Deduplicator {
  private static final int SLOTS = 8192;
  private final Object[] slots = new Object[SLOTS];

  /** An instance equal to {@code value}: the one seen before when its slot still holds it. */
  @SuppressWarnings("unchecked")
  <T> T fold(T value) {
    if (value == null) {
      return null;
    }
    int h = value.hashCode();
    int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
    Object held = slots[slot];
    if (held != null && held.getClass() == value.getClass() && held.equals(value)) {
      return (T) held;
    }
    slots[slot] = value;
    return value;
  }
}
