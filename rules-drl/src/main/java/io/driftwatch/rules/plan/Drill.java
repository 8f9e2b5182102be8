package io.driftwatch.rules.plan;

import java.time.Duration;

/**
 * An exercise of the plan: which red-team attack to run, how often it is due, when the drill acknowledges the incident
 * on the team's behalf (null: it waits for a person, up to {@code timeout}), and what counts as passing.
 *
 * @param expectClass  the class the incident must get (null: any)
 * @param detectWithin the alert must come within this of the attack
 * @param containWithin a containing response must have succeeded within this (null: not required)
 * @param acknowledgeWithin the incident must be acknowledged within this (null: not required)
 * @param escalationTolerance how late (or early) an escalation may fire and still be on time
 */
public record Drill(String name, String attack, Duration every, Duration acknowledgeAfter, Duration timeout,
                    String expectClass, Duration detectWithin, Duration containWithin, Duration acknowledgeWithin,
                    Duration escalationTolerance) {
}
