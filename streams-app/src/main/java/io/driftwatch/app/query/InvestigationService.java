package io.driftwatch.app.query;

import io.driftwatch.model.Capture;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentStatus;
import java.util.List;
import java.util.Optional;

/**
 * What the investigation API answers (DESIGN.md "The HTTP API"), for the whole cluster: the
 * implementation asks this instance's stores and its peers'. The console, the CLI and outside
 * tools all go through the HTTP API that is built on this.
 */
public interface InvestigationService {
    /** The trail events matching the query, in time order, one page. */
    TrailPage trail(TrailQuery query);

    /** Incidents matching the filter, newest first (by lastSeen). */
    List<Incident> incidents(IncidentFilter filter);

    Optional<Incident> incident(String incidentId);

    /**
     * Records a status change made by {@code user} and returns the incident once it shows the change.
     *
     * @throws java.util.NoSuchElementException when no incident has that id
     * @throws IllegalArgumentException when the lifecycle does not allow the change (the message says why)
     */
    Incident changeStatus(String incidentId, IncidentStatus status, String user, String note);

    /**
     * Records a response plan update by {@code user}: a playbook step ({@code target} "step": done, failed, skipped or
     * pending) or an obligation ("obligation": met, waived or open); returns the incident once it shows it.
     *
     * @throws java.util.NoSuchElementException when no incident, step or obligation has that id
     * @throws IllegalArgumentException when the incident has no plan or the status is not one the target takes
     */
    Incident updatePlan(String incidentId, String target, String id, String status, String user, String note);

    Optional<Capture> capture(String captureId);

    /** Alerts by id, or by container and time; in time order. */
    List<io.driftwatch.model.Alert> alerts(AlertFilter filter);

    /** Alerts per time bucket and severity, for the console's chart. */
    List<AlertBucket> alertHistogram(long from, long to, long bucketMillis);

    /** Alert filters: ids (any of them), or containers (any of them) within [from, to); limit bounds the answer. */
    record AlertFilter(List<String> alertIds, List<String> containerIds, long from, long to, int limit) {
    }

    /** The alerts raised in [start, start + bucket), counted by severity name. */
    record AlertBucket(long start, java.util.Map<String, Long> counts) {
    }

    /** Incident list filters; null or empty means any. */
    record IncidentFilter(List<IncidentStatus> statuses, List<io.driftwatch.model.Severity> severities,
                          String namespace, int limit) {
        public static IncidentFilter all() {
            return new IncidentFilter(List.of(), List.of(), null, 1000);
        }
    }
}
