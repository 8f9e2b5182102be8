package io.driftwatch.app.query;

import io.driftwatch.app.topology.QueryableStores;
import io.driftwatch.model.Alert;
import io.driftwatch.model.Capture;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Answers for the whole cluster, the Kafka Streams way: a question about one container goes to
 * the instance that owns its partition ({@code queryMetadataForKey}, then its standbys); any other
 * goes to every instance that holds the store ({@code streamsMetadataForStore}), each answering from
 * its own stores, and the answers are merged. An answer is complete when the instances that
 * answered hold (active or standby) every partition; otherwise it is refused as unavailable, never
 * returned short.
 */
public final class ClusterInvestigation implements InvestigationService {
    private final KafkaStreams streams;
    private final HostInfo self;
    private final InvestigationService local;
    private final PeerClient peers;
    private final java.util.function.BiConsumer<String, IncidentInput> sendIncidentInput;
    private final IncidentChanges changes;
    private final Duration changeTimeout;
    private final String incidentStore;
    private final ExecutorService fanOut = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "driftwatch-query-fan-out");
        t.setDaemon(true);
        return t;
    });

    /** Makes the record that asks for a status change (the lifecycle is checked there). */
    public interface IncidentChanges {
        IncidentInput statusChange(Incident incident, IncidentStatus to, String user, String note, long now);

        /** A playbook step or obligation update (see IncidentUpdates.planUpdate); none by default. */
        default IncidentInput planUpdate(Incident incident, String target, String id, String status, String user,
                                         String note, long now) {
            throw new IllegalArgumentException("this instance takes no plan updates");
        }
    }

    /** @param sendIncidentInput produces a record (key, value) to the incident-inputs topic */
    public ClusterInvestigation(KafkaStreams streams, HostInfo self, InvestigationService local, PeerClient peers,
                                java.util.function.BiConsumer<String, IncidentInput> sendIncidentInput,
                                IncidentChanges changes, Duration changeTimeout, String incidentStore) {
        this.incidentStore = incidentStore;
        this.streams = streams;
        this.self = self;
        this.local = local;
        this.peers = peers;
        this.sendIncidentInput = sendIncidentInput;
        this.changes = changes;
        this.changeTimeout = changeTimeout;
    }

    @Override
    public TrailPage trail(TrailQuery query) {
        if (query.containerId() != null) {
            return onOwner(QueryableStores.TRAIL_EVENTS, query.containerId(), local::trail, peers::trail, query);
        }
        List<TrailPage> pages = everywhere(QueryableStores.TRAIL_EVENTS, local::trail, peers::trail, query);
        // Each instance sent its first 'limit' matches; the first 'limit' of their union are the cluster's.
        Map<String, TrailPage.Entry> byId = new LinkedHashMap<>();
        boolean more = false;
        for (TrailPage page : pages) {
            page.events().forEach(e -> byId.putIfAbsent(e.event().getEvent().getEventId(), e));
            more |= page.next() != null;
        }
        List<TrailPage.Entry> merged = new ArrayList<>(byId.values());
        merged.sort(Comparator.comparingLong((TrailPage.Entry e) -> e.event().getEvent().getTimestamp())
                .thenComparing(e -> e.event().getEvent().getEventId()));
        if (merged.size() > query.limit()) {
            more = true;
            merged = new ArrayList<>(merged.subList(0, query.limit()));
        }
        String next = null;
        if (more && !merged.isEmpty()) {
            var last = merged.get(merged.size() - 1).event().getEvent();
            next = new TrailQuery.Cursor(last.getTimestamp(), last.getEventId()).encode();
        }
        return new TrailPage(merged, next);
    }

    @Override
    public List<Incident> incidents(IncidentFilter filter) {
        Map<String, Incident> newest = new LinkedHashMap<>();
        for (List<Incident> some : everywhere(incidentStore, local::incidents, peers::incidents, filter)) {
            some.forEach(i -> newest.merge(i.getIncidentId(), i, ClusterInvestigation::newer));
        }
        return newest.values().stream()
                .sorted(Comparator.comparingLong(Incident::getLastSeen).reversed().thenComparing(Incident::getIncidentId))
                .limit(filter.limit()).toList();
    }

    @Override
    public Optional<Incident> incident(String incidentId) {
        Incident found = null;
        for (Optional<Incident> one : everywhere(incidentStore, local::incident, peers::incident, incidentId)) {
            if (one.isPresent()) {
                found = found == null ? one.get() : newer(found, one.get());
            }
        }
        return Optional.ofNullable(found);
    }

    private static Incident newer(Incident a, Incident b) {
        if (a.getUpdatedAt() != b.getUpdatedAt()) {
            return a.getUpdatedAt() > b.getUpdatedAt() ? a : b;
        }
        return a.getHistory().size() >= b.getHistory().size() ? a : b;
    }

    @Override
    public Incident changeStatus(String incidentId, IncidentStatus status, String user, String note) {
        Incident incident = incident(incidentId).orElseThrow(() -> new NoSuchElementException("no incident " + incidentId));
        long now = System.currentTimeMillis();
        IncidentInput input = changes.statusChange(incident, status, user, note, now);
        sendIncidentInput.accept(incident.getGroupKey(), input);
        IncidentStatusChange change = input.getStatusChange();
        long deadline = System.nanoTime() + changeTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Incident> current = incident(incidentId);
            if (current.isPresent() && (current.get().getHistory().stream().anyMatch(h -> h.getAt() == change.getAt()
                    && h.getUser().equals(change.getUser()) && h.getStatus() == change.getStatus())
                    || acknowledged(current.get(), change.getUser(), change.getAt()))) {
                return current.get();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new StoreUnavailableException("the change to " + status + " was sent but is not visible yet; look again shortly");
    }

    /** An acknowledgement recorded without a status change (an incident the app had contained already). */
    private static boolean acknowledged(Incident incident, String user, long at) {
        return incident.getPlan() != null && incident.getPlan().getAcknowledgedAt() != null
                && incident.getPlan().getAcknowledgedAt() == at && user.equals(incident.getPlan().getAcknowledgedBy());
    }

    @Override
    public Incident updatePlan(String incidentId, String target, String id, String status, String user, String note) {
        Incident incident = incident(incidentId).orElseThrow(() -> new NoSuchElementException("no incident " + incidentId));
        long now = System.currentTimeMillis();
        IncidentInput input = changes.planUpdate(incident, target, id, status, user, note, now);
        sendIncidentInput.accept(incident.getGroupKey(), input);
        io.driftwatch.model.PlanUpdate update = input.getPlanUpdate();
        long deadline = System.nanoTime() + changeTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Incident> current = incident(incidentId);
            if (current.isPresent() && current.get().getPlan() != null && applied(current.get().getPlan(), update)) {
                return current.get();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new StoreUnavailableException("the " + target + " update was sent but is not visible yet; look again shortly");
    }

    private static boolean applied(io.driftwatch.model.IncidentPlan plan, io.driftwatch.model.PlanUpdate update) {
        if ("step".equals(update.getTarget())) {
            return plan.getSteps().stream().anyMatch(s -> s.getId().equals(update.getId()) && s.getAt() != null
                    && s.getAt() == update.getAt() && update.getUser().equals(s.getBy()));
        }
        return plan.getObligations().stream().anyMatch(o -> o.getId().equals(update.getId()) && o.getAt() != null
                && o.getAt() == update.getAt() && update.getUser().equals(o.getBy()));
    }

    @Override
    public Optional<Capture> capture(String captureId) {
        return onOwner(QueryableStores.CAPTURES, captureId, local::capture, peers::capture, captureId);
    }

    @Override
    public List<Alert> alerts(AlertFilter filter) {
        Map<String, Alert> byId = new LinkedHashMap<>();
        for (List<Alert> some : everywhere(QueryableStores.TRAIL_ALERTS, local::alerts, peers::alerts, filter)) {
            some.forEach(a -> byId.putIfAbsent(a.getAlertId(), a));
        }
        return byId.values().stream().sorted(Comparator.comparingLong(Alert::getTimestamp).thenComparing(Alert::getAlertId))
                .limit(filter.limit()).toList();
    }

    @Override
    public List<AlertBucket> alertHistogram(long from, long to, long bucketMillis) {
        return LocalInvestigation.histogram(alerts(new AlertFilter(List.of(), List.of(), from, to,
                LocalInvestigation.HISTOGRAM_ALERTS)), from, to, bucketMillis);
    }

    /** Asks the instance that owns the key's partition, then its standbys; this instance answers itself. */
    private <Q, R> R onOwner(String store, String key, Function<Q, R> here, BiFunction<HostInfo, Q, R> there, Q question) {
        KeyQueryMetadata owner;
        try {
            owner = streams.queryMetadataForKey(store, key, new StringSerializer());
        } catch (RuntimeException e) {
            throw new StoreUnavailableException("the owner of " + key + " is not known yet: " + e.getMessage(), e);
        }
        if (owner == null || owner == KeyQueryMetadata.NOT_AVAILABLE) {
            throw new StoreUnavailableException("the app is rebalancing; no instance owns the store " + store + " yet");
        }
        List<HostInfo> hosts = new ArrayList<>();
        hosts.add(owner.activeHost());
        hosts.addAll(owner.standbyHosts());
        StoreUnavailableException last = null;
        for (HostInfo host : hosts) {
            try {
                return host.equals(self) ? here.apply(question) : there.apply(host, question);
            } catch (StoreUnavailableException e) {
                last = e;
            }
        }
        throw last != null ? last : new StoreUnavailableException("no instance answers for " + key);
    }

    /**
     * Asks every instance holding {@code store} at once and returns their answers; refuses (unavailable)
     * when those that answered do not hold, between them, every partition of the store.
     */
    private <Q, R> List<R> everywhere(String store, Function<Q, R> here, BiFunction<HostInfo, Q, R> there, Q question) {
        Collection<StreamsMetadata> holders;
        try {
            holders = streams.streamsMetadataForStore(store);
        } catch (RuntimeException e) {
            throw new StoreUnavailableException("the app's instances are not known yet: " + e.getMessage(), e);
        }
        if (holders.isEmpty()) {
            throw new StoreUnavailableException("no instance holds the store " + store + " yet (starting or rebalancing)");
        }
        Set<Integer> required = new TreeSet<>();
        holders.forEach(m -> m.topicPartitions().forEach(tp -> required.add(tp.partition())));
        List<CompletableFuture<R>> calls = new ArrayList<>();
        List<StreamsMetadata> asked = new ArrayList<>(holders);
        for (StreamsMetadata holder : asked) {
            HostInfo host = holder.hostInfo();
            calls.add(CompletableFuture.supplyAsync(() -> host.equals(self) ? here.apply(question)
                    : there.apply(host, question), fanOut));
        }
        List<R> answers = new ArrayList<>();
        Set<Integer> covered = new HashSet<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            try {
                answers.add(calls.get(i).join());
                StreamsMetadata holder = asked.get(i);
                for (TopicPartition tp : holder.topicPartitions()) {
                    covered.add(tp.partition());
                }
                for (TopicPartition tp : holder.standbyTopicPartitions()) {
                    covered.add(tp.partition());
                }
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof IllegalArgumentException bad) {
                    throw bad;
                }
                failures.add(asked.get(i).hostInfo() + ": " + e.getCause().getMessage());
            }
        }
        required.removeAll(covered);
        if (!required.isEmpty()) {
            throw new StoreUnavailableException("partitions " + required + " have no instance answering for them ("
                    + String.join("; ", failures) + "); retry once the app has rebalanced");
        }
        return answers;
    }

    public void close() {
        fanOut.shutdownNow();
    }
}
