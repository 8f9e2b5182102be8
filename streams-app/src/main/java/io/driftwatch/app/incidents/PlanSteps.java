package io.driftwatch.app.incidents;

import io.driftwatch.app.config.DriftwatchConfig;
import java.time.Duration;

/**
 * Whether the incident fold issues the commands of a plan's automated steps (src/response-plan.md "Automated steps"),
 * from {@code driftwatch.plan.steps.*}.
 *
 * @param issue true (the default): an automated step the response policy did not already carry out is issued by the
 *              plan, through the same signed command path; false: the steps are only tracked
 * @param grace how long after the incident opened (the plan's startedAt) the steps are checked: time for the policy's
 *              own commands to reach the incident (response-commands, the join, incident-inputs)
 */
public record PlanSteps(boolean issue, Duration grace) {
    public static final String ISSUE = "driftwatch.plan.steps.issue";
    public static final String GRACE_MS = "driftwatch.plan.steps.grace.ms";
    public static final Duration DEFAULT_GRACE = Duration.ofMillis(3_000);
    /** Tracking only: what an {@link IncidentPlans} built without settings does. */
    public static final PlanSteps TRACK_ONLY = new PlanSteps(false, DEFAULT_GRACE);

    public PlanSteps {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("Configuration '" + GRACE_MS + "' must be 0 or more milliseconds");
        }
    }

    public static PlanSteps from(DriftwatchConfig config) {
        String issue = config.get(ISSUE, "true").trim();
        if (!issue.equals("true") && !issue.equals("false")) {
            throw new IllegalArgumentException("Configuration '" + ISSUE + "' must be true or false, was '" + issue + "'");
        }
        String grace = config.get(GRACE_MS, "3000").trim();
        long millis;
        try {
            millis = Long.parseLong(grace);
            if (millis < 0 || millis > 3_600_000) {
                throw new NumberFormatException("out of range");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration '" + GRACE_MS + "' must be a number of milliseconds from 0 "
                    + "to 3600000, was '" + grace + "'", e);
        }
        return new PlanSteps(issue.equals("true"), Duration.ofMillis(millis));
    }
}
