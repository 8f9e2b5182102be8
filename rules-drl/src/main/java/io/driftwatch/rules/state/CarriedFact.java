package io.driftwatch.rules.state;

/**
 * State a stateful rule keeps between events (a file written recently, a burst of deletions). When
 * the rule set is replaced while running, every such fact is carried into the session of the new
 * set with its own timestamp, so it keeps what remains of its life there. State kept in a type
 * declared in DRL ({@code declare}) cannot be carried (each rule set compiles its own class):
 * keep it in a Java class that implements this interface.
 */
public interface CarriedFact {}
