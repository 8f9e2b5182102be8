package io.driftwatch.app.incidents;

import io.driftwatch.model.IncidentStatus;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which status changes an incident allows:
 *
 * <pre>
 * OPEN ──────────> ACKNOWLEDGED ──> CONTAINED ──> RESOLVED | FALSE_POSITIVE   (closed)
 *   └──> CONTAINED, RESOLVED, FALSE_POSITIVE
 *                  ACKNOWLEDGED ──> RESOLVED, FALSE_POSITIVE
 * RESOLVED | FALSE_POSITIVE ──> OPEN   (reopened: a verdict turned out wrong, or the attacker came back)
 * </pre>
 *
 * Nothing moves backwards except a reopen, nothing moves to the status it already has, and a closed incident
 * cannot be re-closed under the other verdict without being reopened first (the history then shows both).
 */
public final class IncidentLifecycle {
    private static final Map<IncidentStatus, Set<IncidentStatus>> NEXT = Map.of(
            IncidentStatus.OPEN, EnumSet.of(IncidentStatus.ACKNOWLEDGED, IncidentStatus.CONTAINED,
                    IncidentStatus.RESOLVED, IncidentStatus.FALSE_POSITIVE),
            IncidentStatus.ACKNOWLEDGED, EnumSet.of(IncidentStatus.CONTAINED, IncidentStatus.RESOLVED,
                    IncidentStatus.FALSE_POSITIVE),
            IncidentStatus.CONTAINED, EnumSet.of(IncidentStatus.RESOLVED, IncidentStatus.FALSE_POSITIVE),
            IncidentStatus.RESOLVED, EnumSet.of(IncidentStatus.OPEN),
            IncidentStatus.FALSE_POSITIVE, EnumSet.of(IncidentStatus.OPEN));

    private IncidentLifecycle() {
    }

    /**
     * Refuses a change the lifecycle does not allow.
     *
     * @throws IllegalArgumentException with a sentence for the user, naming both statuses and what is possible
     */
    public static void check(IncidentStatus from, IncidentStatus to) {
        if (from == null || to == null) {
            throw new IllegalArgumentException("cannot change an incident's status without both the current and the new "
                    + "status (one of " + java.util.Arrays.toString(IncidentStatus.values()) + ")");
        }
        if (allows(from, to)) {
            return;
        }
        String why;
        if (from == to) {
            why = "it is " + from + " already";
        } else if (closed(from)) {
            why = "a closed incident can only be reopened (to OPEN)";
        } else {
            why = "from " + from + " it can move to " + NEXT.get(from).stream().map(Enum::name)
                    .collect(Collectors.joining(", "));
        }
        throw new IllegalArgumentException("cannot move incident from " + from + " to " + to + "; " + why);
    }

    public static boolean allows(IncidentStatus from, IncidentStatus to) {
        return from != null && to != null && NEXT.get(from).contains(to);
    }

    /** The statuses an incident in {@code from} may move to. */
    public static Set<IncidentStatus> next(IncidentStatus from) {
        return from == null ? Set.of() : EnumSet.copyOf(NEXT.get(from));
    }

    /** RESOLVED and FALSE_POSITIVE: no alert joins such an incident; a new one starts instead. */
    public static boolean closed(IncidentStatus status) {
        return status == IncidentStatus.RESOLVED || status == IncidentStatus.FALSE_POSITIVE;
    }
}
