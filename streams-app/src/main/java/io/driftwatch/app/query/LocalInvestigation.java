package io.driftwatch.app.query;

import io.driftwatch.app.topology.QueryableStores;
import io.driftwatch.model.Alert;
import io.driftwatch.model.Capture;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * What this instance's own stores answer (active and standby): the part of a cluster-wide answer
 * a peer asks it for. Status changes are not made here; they go through the cluster service.
 */
public final class LocalInvestigation implements InvestigationService {
    /** At most this many alerts are read for one histogram. */
    static final int HISTOGRAM_ALERTS = 100_000;

    private final LocalTrail trail;
    private final StoreSource stores;
    private final Function<IncidentFilter, List<Incident>> incidents;
    private final Function<String, Optional<Incident>> incident;

    public LocalInvestigation(LocalTrail trail, StoreSource stores, Function<IncidentFilter, List<Incident>> incidents,
                              Function<String, Optional<Incident>> incident) {
        this.trail = trail;
        this.stores = stores;
        this.incidents = incidents;
        this.incident = incident;
    }

    @Override
    public TrailPage trail(TrailQuery query) {
        return trail.trail(query);
    }

    @Override
    public List<Incident> incidents(IncidentFilter filter) {
        return incidents.apply(filter);
    }

    @Override
    public Optional<Incident> incident(String incidentId) {
        return incident.apply(incidentId);
    }

    @Override
    public Incident changeStatus(String incidentId, IncidentStatus status, String user, String note) {
        throw new IllegalArgumentException("status changes go to the cluster API, not to one instance's stores");
    }

    @Override
    public Incident updatePlan(String incidentId, String target, String id, String status, String user, String note) {
        throw new IllegalArgumentException("plan updates go to the cluster API, not to one instance's stores");
    }

    @Override
    public Optional<Capture> capture(String captureId) {
        try {
            return Optional.ofNullable(stores.<Capture>keyValue(QueryableStores.CAPTURES).get(captureId));
        } catch (InvalidStateStoreException e) {
            throw new StoreUnavailableException("captures are not readable right now: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Alert> alerts(AlertFilter filter) {
        return trail.alerts(filter);
    }

    @Override
    public List<AlertBucket> alertHistogram(long from, long to, long bucketMillis) {
        return histogram(alerts(new AlertFilter(List.of(), List.of(), from, to, HISTOGRAM_ALERTS)), from, to, bucketMillis);
    }

    /** Alerts counted per bucket and severity; every bucket of the range is there, empty or not. */
    static List<AlertBucket> histogram(List<Alert> alerts, long from, long to, long bucketMillis) {
        if (bucketMillis <= 0) {
            throw new IllegalArgumentException("'bucket' must be a positive number of milliseconds");
        }
        if ((to - from) / bucketMillis > 10_000) {
            throw new IllegalArgumentException("at most 10000 buckets: choose a larger 'bucket'");
        }
        Map<Long, Map<String, Long>> buckets = new TreeMap<>();
        for (long start = from; start < to; start += bucketMillis) {
            buckets.put(start, new TreeMap<>());
        }
        for (Alert alert : alerts) {
            long t = alert.getTimestamp();
            if (t < from || t >= to) {
                continue;
            }
            long start = from + (t - from) / bucketMillis * bucketMillis;
            buckets.get(start).merge(alert.getSeverity().name(), (long) Math.max(1, alert.getCount()), Long::sum);
        }
        List<AlertBucket> result = new ArrayList<>();
        buckets.forEach((start, counts) -> result.add(new AlertBucket(start, counts)));
        return result;
    }
}
