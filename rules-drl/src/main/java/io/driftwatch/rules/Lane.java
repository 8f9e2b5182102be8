package io.driftwatch.rules;

/**
 * Which events a session sees, and when. A single-event rule decides from one event (and the
 * reference facts: lists, thresholds, exceptions, container metadata), so it needs no order: the
 * {@link #IMMEDIATE} lane evaluates every event the moment it is enriched. A stateful rule remembers
 * something between events (FileWritten, ChangeBurst) and must see them in event-time order: the
 * {@link #ORDERED} lane evaluates them after the reorder buffer. Rules that belong to neither (the
 * reference facts, the response policy) are in both. {@link #ALL} is every rule in one session:
 * rule tests, fixtures and the evaluator benchmark.
 *
 * <p>How a rule set finds a rule's lane: see {@link Lanes}.
 */
public enum Lane {
  ALL, IMMEDIATE, ORDERED
}
