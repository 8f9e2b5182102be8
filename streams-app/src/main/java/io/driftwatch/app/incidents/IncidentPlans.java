package io.driftwatch.app.incidents;

import io.driftwatch.rules.RuleInfo;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.rules.plan.ResponsePlan;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * What the incident fold needs to apply the response plan (src/response-plan.md "How the app applies the plan"): the
 * running plan (the supplier may answer null: no plan, incidents get none), the running rule set (for the tags of an
 * incident's rules; null: none), how often the timers are checked (wall clock) and how many notices an incident keeps.
 * Tasks share it: each reads the supplier when it opens an incident or fires a timer, so a reloaded plan applies to
 * the incidents opened after the reload (an incident keeps what its plan decided when it opened).
 */
public record IncidentPlans(Supplier<ResponsePlan> plan, Supplier<RuleSet> rules, Duration tick, int maxNotices,
                            PlanSteps steps) {
    public static final Duration DEFAULT_TICK = Duration.ofSeconds(1);
    public static final int DEFAULT_MAX_NOTICES = 200;

    public IncidentPlans {
        if (plan == null) {
            throw new IllegalArgumentException("no plan supplier");
        }
        if (tick == null || tick.isNegative() || tick.isZero()) {
            throw new IllegalArgumentException("the plan's timer tick must be positive, was " + tick);
        }
        if (maxNotices < 1) {
            throw new IllegalArgumentException("an incident must keep at least one notice, was " + maxNotices);
        }
        if (steps == null) {
            steps = PlanSteps.TRACK_ONLY;
        }
    }

    /** Automated steps only tracked ({@link PlanSteps#TRACK_ONLY}). */
    public IncidentPlans(Supplier<ResponsePlan> plan, Supplier<RuleSet> rules, Duration tick, int maxNotices) {
        this(plan, rules, tick, maxNotices, PlanSteps.TRACK_ONLY);
    }

    /** The same, with {@code steps}. */
    public IncidentPlans withSteps(PlanSteps steps) {
        return new IncidentPlans(plan, rules, tick, maxNotices, steps);
    }

    /** The response modes of the running rule set; null without one. */
    io.driftwatch.rules.tuning.ResponseModes responseModes() {
        RuleSet set = rules == null ? null : rules.get();
        return set == null ? null : set.responseModes();
    }

    /** The plan now, or null. */
    ResponsePlan current() {
        return plan.get();
    }

    /** The catalogue tags of the rules {@code ruleIds} in the running rule set, sorted. */
    Set<String> tagsOf(Collection<String> ruleIds) {
        Set<String> tags = new TreeSet<>();
        RuleSet set = rules == null ? null : rules.get();
        if (set == null || ruleIds.isEmpty()) {
            return tags;
        }
        for (RuleInfo info : set.rules()) {
            if (ruleIds.contains(info.id())) {
                tags.addAll(info.tags());
            }
        }
        return tags;
    }

    /** A fixed plan (tests, embedded uses). */
    public static IncidentPlans of(ResponsePlan plan, RuleSet rules) {
        return new IncidentPlans(() -> plan, () -> rules, DEFAULT_TICK, DEFAULT_MAX_NOTICES);
    }
}
