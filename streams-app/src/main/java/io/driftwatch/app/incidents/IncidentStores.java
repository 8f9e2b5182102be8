package io.driftwatch.app.incidents;

import io.driftwatch.app.query.InvestigationService;
import io.driftwatch.app.query.StoreUnavailableException;
import io.driftwatch.model.Incident;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * This instance's incidents, read through Kafka Streams interactive queries: its active and standby copies of the
 * incidents store (a standby may lag its active by what has not been restored yet). The whole cluster's answer is the
 * union over the instances ({@code streamsMetadataForStore}); one incident lives on the instance that
 * {@code queryMetadataForKey(INCIDENTS_STORE, groupKey)} names (the store is partitioned by group key, not by id).
 */
public final class IncidentStores {
    /** Newest first: by lastSeen, then by id so that the order is stable. */
    static final Comparator<Incident> NEWEST_FIRST = Comparator.comparingLong(Incident::getLastSeen).reversed()
            .thenComparing(Incident::getIncidentId);

    private IncidentStores() {
    }

    /**
     * The local incidents that match {@code filter}, newest first, at most {@code filter.limit()} of them (no bound
     * when it is zero or less).
     *
     * @throws StoreUnavailableException while the store cannot be queried (rebalancing, not running)
     */
    public static List<Incident> local(KafkaStreams streams, InvestigationService.IncidentFilter filter) {
        ReadOnlyKeyValueStore<String, Incident> store = store(streams);
        try (KeyValueIterator<String, Incident> all = store.all()) {
            return select(all, filter);
        } catch (InvalidStateStoreException e) {
            throw unavailable(e);
        }
    }

    /**
     * The local incident with this id, if this instance has it.
     *
     * @throws StoreUnavailableException while the store cannot be queried (rebalancing, not running)
     */
    public static Optional<Incident> local(KafkaStreams streams, String incidentId) {
        if (incidentId == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(store(streams).get(incidentId));
        } catch (InvalidStateStoreException e) {
            throw unavailable(e);
        }
    }

    /** The incidents among {@code entries} that {@code filter} matches, newest first, bounded by its limit. */
    static List<Incident> select(Iterator<KeyValue<String, Incident>> entries, InvestigationService.IncidentFilter filter) {
        InvestigationService.IncidentFilter f = filter == null ? InvestigationService.IncidentFilter.all() : filter;
        int limit = f.limit() <= 0 ? Integer.MAX_VALUE : f.limit();
        // Keeps the newest `limit`: the head of the queue is the oldest kept.
        PriorityQueue<Incident> kept = new PriorityQueue<>(NEWEST_FIRST.reversed());
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (entries.hasNext()) {
            Incident incident = entries.next().value;
            if (incident == null || !matches(incident, f) || !seen.add(incident.getIncidentId())) {
                continue;
            }
            kept.add(incident);
            if (kept.size() > limit) {
                kept.poll();
            }
        }
        List<Incident> newestFirst = new ArrayList<>(kept);
        newestFirst.sort(NEWEST_FIRST);
        return newestFirst;
    }

    static boolean matches(Incident incident, InvestigationService.IncidentFilter filter) {
        if (filter.statuses() != null && !filter.statuses().isEmpty() && !filter.statuses().contains(incident.getStatus())) {
            return false;
        }
        if (filter.severities() != null && !filter.severities().isEmpty()
                && !filter.severities().contains(incident.getSeverity())) {
            return false;
        }
        return filter.namespace() == null || filter.namespace().isBlank()
                || filter.namespace().equals(incident.getNamespace());
    }

    private static ReadOnlyKeyValueStore<String, Incident> store(KafkaStreams streams) {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(IncidentTopology.INCIDENTS_STORE,
                    QueryableStoreTypes.<String, Incident>keyValueStore()).enableStaleStores());
        } catch (InvalidStateStoreException e) {
            throw unavailable(e);
        }
    }

    private static StoreUnavailableException unavailable(InvalidStateStoreException e) {
        return new StoreUnavailableException("the incidents store cannot be read on this instance now (Kafka Streams is "
                + "rebalancing, restoring or not running): try again shortly", e);
    }
}
