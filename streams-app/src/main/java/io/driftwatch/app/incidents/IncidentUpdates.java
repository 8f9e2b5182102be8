package io.driftwatch.app.incidents;

import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;

/**
 * What other parts of the app send to the incidents: records for {@code driftwatch.incident-inputs} and the key they
 * go under. Every producer of incident inputs must key them with {@link #groupKey}: the incident processor finds an
 * incident's state only on the partition of its group key.
 */
public final class IncidentUpdates {
    /** The group key of a record that names neither a pod nor a container. */
    public static final String UNKNOWN_GROUP = "unknown";
    /** The user of the changes the app makes itself (IncidentStatusChange.user). */
    public static final String APP_USER = "driftwatch";

    private IncidentUpdates() {
    }

    /**
     * A status change made by {@code user} at {@code now} (epoch ms, the wall clock of the instance that accepted it),
     * to be produced to incident-inputs under {@code incident.getGroupKey()}.
     *
     * @throws IllegalArgumentException when the lifecycle does not allow it ({@link IncidentLifecycle#check}), or
     *                                  without a user
     */
    public static IncidentInput statusChange(Incident incident, IncidentStatus to, String user, String note, long now) {
        if (incident == null) {
            throw new IllegalArgumentException("no incident to change");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("a status change needs the user who made it");
        }
        if (!PlanFold.acknowledgesOnly(incident, to)) {
            IncidentLifecycle.check(incident.getStatus(), to);
        }
        IncidentStatusChange change = IncidentStatusChange.newBuilder().setStatus(to).setUser(user).setAt(now)
                .setNote(note == null || note.isBlank() ? null : note).build();
        return IncidentInput.newBuilder().setIncidentId(incident.getIncidentId()).setStatusChange(change).build();
    }

    /**
     * A playbook step ticked ({@code target} "step": done, failed, skipped or pending) or an obligation settled
     * ("obligation": met, waived or open) by {@code user} at {@code now}, to be produced under
     * {@code incident.getGroupKey()}.
     *
     * @throws IllegalArgumentException when the incident has no plan, no such step or obligation, or the status is not
     *                                  one the target takes
     */
    public static IncidentInput planUpdate(Incident incident, String target, String id, String status, String user,
                                           String note, long now) {
        if (incident == null) {
            throw new IllegalArgumentException("no incident to change");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("a plan update needs the user who made it");
        }
        if (incident.getPlan() == null) {
            throw new IllegalArgumentException("incident " + incident.getIncidentId() + " has no response plan");
        }
        String normalized = status == null ? "" : status.trim().toLowerCase(java.util.Locale.ROOT);
        if ("step".equals(target)) {
            if (!PlanFold.STEP_STATUSES.contains(normalized)) {
                throw new IllegalArgumentException("a step's status is one of done, failed, skipped or pending, not '"
                        + status + "'");
            }
            if (incident.getPlan().getSteps().stream().noneMatch(s -> s.getId().equals(id))) {
                throw new java.util.NoSuchElementException("no step '" + id + "' in the playbook of "
                        + incident.getIncidentId());
            }
        } else if ("obligation".equals(target)) {
            if (!PlanFold.OBLIGATION_STATUSES.contains(normalized)) {
                throw new IllegalArgumentException("an obligation's status is one of met, waived or open, not '" + status
                        + "'");
            }
            if (PlanFold.obligation(incident.getPlan(), id) == null) {
                throw new java.util.NoSuchElementException("no obligation '" + id + "' on " + incident.getIncidentId());
            }
        } else {
            throw new IllegalArgumentException("a plan update targets a step or an obligation, not '" + target + "'");
        }
        io.driftwatch.model.PlanUpdate update = io.driftwatch.model.PlanUpdate.newBuilder().setTarget(target).setId(id)
                .setStatus(normalized).setUser(user).setAt(now).setNote(note == null || note.isBlank() ? null : note)
                .build();
        return IncidentInput.newBuilder().setIncidentId(incident.getIncidentId()).setPlanUpdate(update).build();
    }

    /**
     * What alerts are folded by: {@code namespace/pod} when both are known, else the container id ({@link #UNKNOWN_GROUP}
     * without one). Two containers of one pod share a group; a container outside Kubernetes is its own group.
     */
    public static String groupKey(String namespace, String pod, String containerId) {
        if (present(namespace) && present(pod)) {
            return namespace + "/" + pod;
        }
        return present(containerId) ? containerId : UNKNOWN_GROUP;
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }
}
