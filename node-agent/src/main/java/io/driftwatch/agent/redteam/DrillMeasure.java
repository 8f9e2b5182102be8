package io.driftwatch.agent.redteam;

import io.driftwatch.model.DrillCheck;
import io.driftwatch.model.DrillEscalation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a drill measured, and whether it passed, from the timeline it saw (wall-clock epoch ms, all on one machine's
 * clock or the broker's): no I/O here, so the pass logic is tested on its own (DrillMeasureTest).
 *
 * <p>Times to detect, contain and acknowledge count from the attack's start. Escalation tiers count from the plan's
 * start (the app's wall clock when it opened the incident, as the plan's timers do). A tier should fire when it fell
 * due before the incident was acknowledged (or nobody acknowledged); it is on time when it fired within the drill's
 * escalationTolerance of its timer, and, when it should not fire, when it stayed silent.
 */
public final class DrillMeasure {
    /** Tolerance when the drill names none. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofSeconds(5);

    /** One escalation tier as the incident's plan recorded it (firedAt/stoppedAt null while it waits). */
    public record Tier(int tier, long afterMs, Long firedAt, Long stoppedAt, List<String> delivered) {
        public Tier {
            delivered = delivered == null ? List.of() : List.copyOf(delivered);
        }
    }

    /**
     * What the drill saw.
     *
     * @param attackStartedAt     when the attack began
     * @param detectedAt          when the first alert for the container was read (null: none)
     * @param incidentId          the incident the alerts were folded into (null: none seen)
     * @param className           the plan class the incident got (null: none)
     * @param containedAt         when a containing response (PAUSE/ISOLATE/KILL) was done, or the incident CONTAINED
     * @param containable         false when there is no real container to contain (recorded mode)
     * @param acknowledgedAt      the incident's acknowledgement (its plan's acknowledgedAt, else the history's)
     * @param planStartedAt       the plan's start on the incident (null: the incident has no plan; detection is used)
     * @param tiers               the escalation tiers (from the incident's plan, else the plan file's class)
     * @param watchedUntil        when the drill stopped watching
     */
    public record Timeline(long attackStartedAt, Long detectedAt, String incidentId, String className, Long containedAt,
                           boolean containable, Long acknowledgedAt, Long planStartedAt, List<Tier> tiers,
                           long watchedUntil) {
        public Timeline {
            tiers = tiers == null ? List.of() : List.copyOf(tiers);
        }

        /** The plan's start, or detection when the incident carries no plan. */
        public Long timersFrom() {
            return planStartedAt != null ? planStartedAt : detectedAt;
        }
    }

    /** The outcome. */
    public record Result(Long timeToDetectMs, Long timeToContainMs, Long timeToAcknowledgeMs,
                         List<DrillEscalation> escalations, List<DrillCheck> checks) {
        public boolean passed() {
            return !checks.isEmpty() && checks.stream().allMatch(DrillCheck::getPassed);
        }
    }

    private DrillMeasure() {
    }

    public static Duration tolerance(DrillSpec drill) {
        return drill.escalationTolerance() != null ? drill.escalationTolerance() : DEFAULT_TOLERANCE;
    }

    /** Whether a tier should fire: it fell due before the acknowledgement, or nobody acknowledged. */
    public static boolean shouldFire(Tier tier, Timeline t) {
        Long from = t.timersFrom();
        if (t.acknowledgedAt() == null || from == null) {
            return true;
        }
        return from + tier.afterMs() < t.acknowledgedAt();
    }

    /**
     * Whether the drill has seen all it waits for at {@code now}: detection, containment (when asked for and
     * possible), the acknowledgement, every tier that should fire fired, and every tier that should not past its due
     * time plus the tolerance.
     */
    public static boolean settled(DrillSpec drill, Timeline t, long now) {
        if (t.detectedAt() == null || t.incidentId() == null) {
            return false;
        }
        if (drill.containWithin() != null && t.containable() && t.containedAt() == null) {
            return false;
        }
        if (t.acknowledgedAt() == null) {
            return false;
        }
        long tolerance = tolerance(drill).toMillis();
        Long from = t.timersFrom();
        for (Tier tier : t.tiers()) {
            if (shouldFire(tier, t)) {
                if (tier.firedAt() == null) {
                    return false;
                }
            } else if (tier.firedAt() == null && from != null && now <= from + tier.afterMs() + tolerance) {
                return false;
            }
        }
        return true;
    }

    public static Result measure(DrillSpec drill, Timeline t) {
        long start = t.attackStartedAt();
        Long detect = t.detectedAt() == null ? null : t.detectedAt() - start;
        Long contain = t.containedAt() == null ? null : t.containedAt() - start;
        Long ack = t.acknowledgedAt() == null ? null : t.acknowledgedAt() - start;
        List<DrillCheck> checks = new ArrayList<>();

        Duration detectWithin = drill.detectWithin();
        if (detectWithin != null) {
            checks.add(check("detected within " + ms(detectWithin), detect != null && detect <= detectWithin.toMillis(),
                    detect == null ? "no alert for the container" : detect + " ms from the attack to the alert"));
        } else {
            checks.add(check("detected", detect != null, detect == null ? "no alert for the container"
                    : detect + " ms from the attack to the alert"));
        }
        checks.add(check("an incident was opened", t.incidentId() != null,
                t.incidentId() == null ? "no incident for the container" : t.incidentId()));
        if (drill.expectClass() != null) {
            checks.add(check("the incident's class is " + drill.expectClass(), drill.expectClass().equals(t.className()),
                    t.className() == null ? "the incident has no plan class" : "class " + t.className()));
        }
        if (drill.containWithin() != null) {
            if (!t.containable()) {
                checks.add(check("contained within " + ms(drill.containWithin()), true,
                        "not checked: a recorded attack has no real container to contain"));
            } else {
                checks.add(check("contained within " + ms(drill.containWithin()),
                        contain != null && contain <= drill.containWithin().toMillis(),
                        contain == null ? "no containing response (PAUSE/ISOLATE/KILL done) and the incident not CONTAINED"
                                : contain + " ms from the attack to containment"));
            }
        }
        if (drill.acknowledgeWithin() != null) {
            checks.add(check("acknowledged within " + ms(drill.acknowledgeWithin()),
                    ack != null && ack <= drill.acknowledgeWithin().toMillis(),
                    ack == null ? "the incident was not acknowledged" : ack + " ms from the attack to the acknowledgement"));
        }

        long tolerance = tolerance(drill).toMillis();
        Long from = t.timersFrom();
        List<DrillEscalation> escalations = new ArrayList<>();
        for (Tier tier : t.tiers()) {
            boolean should = shouldFire(tier, t);
            Long fired = tier.firedAt() == null || from == null ? null : tier.firedAt() - from;
            boolean onTime;
            String detail;
            if (should) {
                onTime = fired != null && Math.abs(fired - tier.afterMs()) <= tolerance;
                detail = fired == null ? "did not fire (due at +" + tier.afterMs() + " ms, watched until +"
                        + (from == null ? "?" : String.valueOf(t.watchedUntil() - from)) + " ms)"
                        : "fired at +" + fired + " ms, due at +" + tier.afterMs() + " ms (tolerance " + tolerance + " ms)";
            } else {
                onTime = fired == null;
                detail = fired == null ? "stayed silent: due at +" + tier.afterMs() + " ms, after the acknowledgement at +"
                        + (t.acknowledgedAt() - from) + " ms" + (tier.stoppedAt() != null ? " (stopped)" : "")
                        : "fired at +" + fired + " ms although acknowledged at +" + (t.acknowledgedAt() - from) + " ms";
            }
            escalations.add(DrillEscalation.newBuilder().setTier(tier.tier()).setExpectedMs(tier.afterMs())
                    .setFiredMs(fired).setShouldFire(should).setOnTime(onTime).setDelivered(tier.delivered()).build());
            checks.add(check("escalation tier " + tier.tier() + (should ? " fires on time" : " does not fire"), onTime,
                    detail));
        }
        return new Result(detect, contain, ack, escalations, checks);
    }

    private static DrillCheck check(String name, boolean passed, String detail) {
        return DrillCheck.newBuilder().setName(name).setPassed(passed).setDetail(detail).build();
    }

    static String ms(Duration d) {
        return d.toMillis() + " ms";
    }
}
