package io.driftwatch.app.query;

import io.driftwatch.app.topology.QueryableStores;
import io.driftwatch.app.topology.TrailIndex;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Answers trail and alert queries from this instance's stores (src/investigation.md, "What a query
 * costs"). A trail query first turns its indexed filters into the (container, bucket) pairs that
 * every one of them names, then reads only those containers' trails over those buckets, in time
 * order, checks each event against every filter, and stops once the page is full.
 */
public final class LocalTrail {
    /** How far after an event the alerts citing it are looked for (an alert comes with or after its events). */
    private static final long CITATION_AFTER_MS = Duration.ofDays(1).toMillis();
    /** How far before and after the range an alert of ruleId/alertId filters is looked for. */
    private static final long ALERT_SLACK_MS = Duration.ofHours(1).toMillis();

    private final StoreSource stores;
    private final long bucketMillis;
    private final boolean indexed;

    public LocalTrail(StoreSource stores, Duration indexBucket) {
        this(stores, indexBucket, true);
    }

    /** {@code indexed} false: the app keeps no index ({@code driftwatch.trail.index.enabled=false}); every query scans. */
    public LocalTrail(StoreSource stores, Duration indexBucket, boolean indexed) {
        this.stores = stores;
        this.bucketMillis = indexBucket.toMillis();
        this.indexed = indexed;
    }

    /** One page of matching events in (timestamp, eventId) order, after the query's cursor. */
    public TrailPage trail(TrailQuery q) {
        try {
            return query(q);
        } catch (InvalidStateStoreException e) {
            throw new StoreUnavailableException("the trail is not readable right now: " + e.getMessage(), e);
        }
    }

    private TrailPage query(TrailQuery q) {
        ReadOnlyWindowStore<String, EnrichedEvent> events = stores.window(QueryableStores.TRAIL_EVENTS);
        long from = q.cursor() == null ? q.from() : Math.max(q.from(), q.cursor().timestamp());
        long last = q.to() - 1;
        if (from > last) {
            return new TrailPage(List.of(), null);
        }
        Set<String> cited = null;
        Set<String> alertContainers = null;
        if (q.alertId() != null || q.ruleId() != null) {
            List<Alert> alerts = alertsFor(q);
            cited = new HashSet<>();
            alertContainers = new HashSet<>();
            for (Alert alert : alerts) {
                cited.addAll(alert.getEventIds());
                alertContainers.add(alert.getContainerId());
            }
            if (cited.isEmpty()) {
                return new TrailPage(List.of(), null);
            }
        }
        if (!indexed) {
            return scan(q, events, from, last, cited);
        }
        Map<String, NavigableSet<Long>> candidates = candidates(q, from, last);
        if (alertContainers != null) {
            candidates.keySet().retainAll(alertContainers);
        }
        PriorityQueue<ContainerCursor> merge = new PriorityQueue<>();
        for (Map.Entry<String, NavigableSet<Long>> candidate : candidates.entrySet()) {
            ContainerCursor cursor = new ContainerCursor(events, candidate.getKey(), spans(candidate.getValue(), from, last),
                    q, cited);
            if (cursor.advance()) {
                merge.add(cursor);
            }
        }
        List<TrailPage.Entry> page = new ArrayList<>();
        boolean more = false;
        try {
            while (!merge.isEmpty()) {
                if (page.size() == q.limit()) {
                    more = true;
                    break;
                }
                ContainerCursor head = merge.poll();
                page.add(new TrailPage.Entry(head.current, citing(head.current.getEvent())));
                if (head.advance()) {
                    merge.add(head);
                }
            }
        } finally {
            merge.forEach(ContainerCursor::close);
        }
        String next = null;
        if (more) {
            FileEvent lastEvent = page.get(page.size() - 1).event().getEvent();
            next = new TrailQuery.Cursor(lastEvent.getTimestamp(), lastEvent.getEventId()).encode();
        }
        return new TrailPage(page, next);
    }

    /** Without an index: every event in the range, filtered, sorted, the page cut from it (costs the whole range). */
    private TrailPage scan(TrailQuery q, ReadOnlyWindowStore<String, EnrichedEvent> events, long from, long last,
                           Set<String> cited) {
        List<EnrichedEvent> matching = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        java.util.function.Consumer<EnrichedEvent> keep = e -> {
            if (matches(q, e, cited) && seen.add(e.getEvent().getEventId())) {
                matching.add(e);
            }
        };
        java.time.Instant start = java.time.Instant.ofEpochMilli(from);
        java.time.Instant end = java.time.Instant.ofEpochMilli(last);
        if (q.containerId() != null) {
            try (WindowStoreIterator<EnrichedEvent> it = events.fetch(q.containerId(), start, end)) {
                it.forEachRemaining(kv -> keep.accept(kv.value));
            }
        } else {
            try (KeyValueIterator<Windowed<String>, EnrichedEvent> it = events.fetchAll(start, end)) {
                it.forEachRemaining(kv -> keep.accept(kv.value));
            }
        }
        matching.sort(Comparator.comparingLong((EnrichedEvent e) -> e.getEvent().getTimestamp())
                .thenComparing(e -> e.getEvent().getEventId()));
        List<TrailPage.Entry> page = new ArrayList<>();
        for (EnrichedEvent e : matching.subList(0, Math.min(q.limit(), matching.size()))) {
            page.add(new TrailPage.Entry(e, citing(e.getEvent())));
        }
        String next = null;
        if (matching.size() > q.limit()) {
            FileEvent lastEvent = page.get(page.size() - 1).event().getEvent();
            next = new TrailQuery.Cursor(lastEvent.getTimestamp(), lastEvent.getEventId()).encode();
        }
        return new TrailPage(page, next);
    }

    /**
     * The containers to read, each with the index buckets to read it over (null: the whole range). Every
     * indexed filter narrows the set; with none, every container that had events in the range.
     */
    private Map<String, NavigableSet<Long>> candidates(TrailQuery q, long from, long last) {
        List<Map<String, NavigableSet<Long>>> narrowing = new ArrayList<>();
        if (q.containerId() != null) {
            Map<String, NavigableSet<Long>> one = new HashMap<>();
            one.put(q.containerId(), null);
            narrowing.add(one);
        }
        // Paths are indexed by directory: a path is found through its own; a prefix through the directory it ends in
        // (files there whose names start with the rest) and every directory that starts with it.
        addExact(narrowing, TrailIndex.DIRECTORY, TrailIndex.directory(q.path()), from, last);
        if (q.pathPrefix() != null) {
            Map<String, NavigableSet<Long>> under = lookup(TrailIndex.key(TrailIndex.DIRECTORY,
                    TrailIndex.directory(q.pathPrefix())), from, last);
            union(under, lookupRange(TrailIndex.key(TrailIndex.DIRECTORY, q.pathPrefix()),
                    TrailIndex.key(TrailIndex.DIRECTORY, q.pathPrefix()) + TrailIndex.HIGHEST, from, last));
            narrowing.add(under);
        }
        addExact(narrowing, TrailIndex.SESSION, q.session(), from, last);
        addExact(narrowing, TrailIndex.USER, q.user(), from, last);
        addExact(narrowing, TrailIndex.POD, q.pod(), from, last);
        if (q.process() != null) {
            Map<String, NavigableSet<Long>> either = lookup(TrailIndex.key(TrailIndex.PROCESS, q.process()), from, last);
            union(either, lookup(TrailIndex.key(TrailIndex.EXE, q.process()), from, last));
            narrowing.add(either);
        }
        addExact(narrowing, TrailIndex.IMAGE, q.image(), from, last);
        addExact(narrowing, TrailIndex.NODE, q.node(), from, last);
        addExact(narrowing, TrailIndex.NAMESPACE, q.namespace(), from, last);
        if (q.modeChange()) {
            narrowing.add(lookup(TrailIndex.key(TrailIndex.MODE_CHANGE, ""), from, last));
        }
        if (!q.types().isEmpty()) {
            Map<String, NavigableSet<Long>> any = new HashMap<>();
            for (EventType type : q.types()) {
                union(any, lookup(TrailIndex.key(TrailIndex.TYPE, type.name()), from, last));
            }
            narrowing.add(any);
        }
        if (narrowing.isEmpty() || narrowing.size() == 1 && q.containerId() != null && q.hasEventFilter()) {
            // No index narrows by time (or only the container does): take the buckets in which anything happened.
            narrowing.add(lookup(TrailIndex.key(TrailIndex.CONTAINER, ""), from, last));
        }
        Map<String, NavigableSet<Long>> result = null;
        for (Map<String, NavigableSet<Long>> next : narrowing) {
            result = result == null ? next : intersect(result, next);
        }
        return result;
    }

    private void addExact(List<Map<String, NavigableSet<Long>>> narrowing, String dimension, String value, long from,
                          long last) {
        if (value != null) {
            narrowing.add(lookup(TrailIndex.key(dimension, value), from, last));
        }
    }

    private Map<String, NavigableSet<Long>> lookup(String key, long from, long last) {
        ReadOnlyWindowStore<String, String> index = stores.window(QueryableStores.TRAIL_INDEX);
        Map<String, NavigableSet<Long>> found = new HashMap<>();
        try (WindowStoreIterator<String> it = index.fetch(key, java.time.Instant.ofEpochMilli(from - bucketMillis + 1),
                java.time.Instant.ofEpochMilli(last))) {
            while (it.hasNext()) {
                KeyValue<Long, String> entry = it.next();
                found.computeIfAbsent(entry.value, c -> new TreeSet<>()).add(entry.key);
            }
        }
        return found;
    }

    private Map<String, NavigableSet<Long>> lookupRange(String fromKey, String toKey, long from, long last) {
        ReadOnlyWindowStore<String, String> index = stores.window(QueryableStores.TRAIL_INDEX);
        Map<String, NavigableSet<Long>> found = new HashMap<>();
        try (KeyValueIterator<Windowed<String>, String> it = index.fetch(fromKey, toKey,
                java.time.Instant.ofEpochMilli(from - bucketMillis + 1), java.time.Instant.ofEpochMilli(last))) {
            while (it.hasNext()) {
                KeyValue<Windowed<String>, String> entry = it.next();
                String key = entry.key.key();
                if (key.startsWith(fromKey)) {
                    found.computeIfAbsent(entry.value, c -> new TreeSet<>()).add(entry.key.window().start());
                }
            }
        }
        return found;
    }

    private static void union(Map<String, NavigableSet<Long>> into, Map<String, NavigableSet<Long>> more) {
        more.forEach((container, buckets) -> into.merge(container, buckets, (a, b) -> {
            if (a == null || b == null) {
                return null;
            }
            a.addAll(b);
            return a;
        }));
    }

    private static Map<String, NavigableSet<Long>> intersect(Map<String, NavigableSet<Long>> a,
                                                             Map<String, NavigableSet<Long>> b) {
        Map<String, NavigableSet<Long>> both = new HashMap<>();
        for (Map.Entry<String, NavigableSet<Long>> entry : a.entrySet()) {
            if (!b.containsKey(entry.getKey())) {
                continue;
            }
            NavigableSet<Long> x = entry.getValue();
            NavigableSet<Long> y = b.get(entry.getKey());
            if (x == null) {
                both.put(entry.getKey(), y);
            } else if (y == null) {
                both.put(entry.getKey(), x);
            } else {
                NavigableSet<Long> common = new TreeSet<>(x);
                common.retainAll(y);
                if (!common.isEmpty()) {
                    both.put(entry.getKey(), common);
                }
            }
        }
        return both;
    }

    /** The time spans to read, [start, end] inclusive, from the buckets (null: the whole range). */
    private List<long[]> spans(NavigableSet<Long> buckets, long from, long last) {
        List<long[]> spans = new ArrayList<>();
        if (buckets == null) {
            spans.add(new long[] {from, last});
            return spans;
        }
        long[] open = null;
        for (long bucket : buckets) {
            long start = Math.max(from, bucket);
            long end = Math.min(last, bucket + bucketMillis - 1);
            if (start > end) {
                continue;
            }
            if (open != null && start <= open[1] + 1) {
                open[1] = Math.max(open[1], end);
            } else {
                open = new long[] {start, end};
                spans.add(open);
            }
        }
        return spans;
    }

    private List<String> citing(FileEvent event) {
        ReadOnlyWindowStore<String, String> citations = stores.window(QueryableStores.TRAIL_CITATIONS);
        Set<String> ids = new LinkedHashSet<>();
        try (WindowStoreIterator<String> it = citations.fetch(event.getEventId(),
                java.time.Instant.ofEpochMilli(event.getTimestamp() - ALERT_SLACK_MS),
                java.time.Instant.ofEpochMilli(event.getTimestamp() + CITATION_AFTER_MS))) {
            it.forEachRemaining(kv -> ids.add(kv.value));
        }
        return List.copyOf(ids);
    }

    /** The alerts a ruleId / alertId filter names (both: the alert must match both). */
    private List<Alert> alertsFor(TrailQuery q) {
        ReadOnlyWindowStore<String, Alert> alerts = stores.window(QueryableStores.TRAIL_ALERTS);
        long lo = q.from() - ALERT_SLACK_MS;
        long hi = q.to() + CITATION_AFTER_MS;
        Map<String, Alert> found = new LinkedHashMap<>();
        if (q.alertId() != null) {
            fetchAlert(alerts, q.alertId(), lo, hi, found);
        } else {
            ReadOnlyWindowStore<String, String> index = stores.window(QueryableStores.TRAIL_INDEX);
            try (WindowStoreIterator<String> it = index.fetch(TrailIndex.key(TrailIndex.RULE, q.ruleId()),
                    java.time.Instant.ofEpochMilli(lo), java.time.Instant.ofEpochMilli(hi))) {
                while (it.hasNext()) {
                    fetchAlert(alerts, it.next().value, lo, hi, found);
                }
            }
        }
        if (q.ruleId() != null) {
            found.values().removeIf(alert -> !q.ruleId().equals(alert.getRuleId()));
        }
        return new ArrayList<>(found.values());
    }

    private static void fetchAlert(ReadOnlyWindowStore<String, Alert> alerts, String alertId, long lo, long hi,
                                   Map<String, Alert> into) {
        try (WindowStoreIterator<Alert> it = alerts.fetch(alertId, java.time.Instant.ofEpochMilli(lo),
                java.time.Instant.ofEpochMilli(hi))) {
            it.forEachRemaining(kv -> into.put(alertId, kv.value));
        }
    }

    /** Alerts by id (any time within the trail's retention) or by container and time, in time order. */
    public List<Alert> alerts(InvestigationService.AlertFilter filter) {
        try {
            ReadOnlyWindowStore<String, Alert> alerts = stores.window(QueryableStores.TRAIL_ALERTS);
            Map<String, Alert> found = new LinkedHashMap<>();
            if (filter.alertIds() != null && !filter.alertIds().isEmpty()) {
                for (String id : filter.alertIds()) {
                    fetchAlert(alerts, id, 0, Long.MAX_VALUE, found);
                }
            } else {
                Set<String> containers = filter.containerIds() == null ? Set.of() : Set.copyOf(filter.containerIds());
                try (KeyValueIterator<Windowed<String>, Alert> it = alerts.fetchAll(
                        java.time.Instant.ofEpochMilli(filter.from()), java.time.Instant.ofEpochMilli(filter.to() - 1))) {
                    while (it.hasNext()) {
                        Alert alert = it.next().value;
                        if (containers.isEmpty() || containers.contains(alert.getContainerId())) {
                            found.put(alert.getAlertId(), alert);
                        }
                    }
                }
            }
            return found.values().stream()
                    .sorted(Comparator.comparingLong(Alert::getTimestamp).thenComparing(Alert::getAlertId))
                    .limit(filter.limit()).toList();
        } catch (InvalidStateStoreException e) {
            throw new StoreUnavailableException("alerts are not readable right now: " + e.getMessage(), e);
        }
    }

    /** Whether the event passes every filter of the query (the index only narrows; this decides). */
    static boolean matches(TrailQuery q, EnrichedEvent enriched, Set<String> cited) {
        FileEvent e = enriched.getEvent();
        long t = e.getTimestamp();
        if (t < q.from() || t >= q.to()) {
            return false;
        }
        if (q.cursor() != null && !q.cursor().before(t, e.getEventId())) {
            return false;
        }
        ContainerMetadata c = enriched.getContainer();
        return (q.containerId() == null || q.containerId().equals(e.getContainerId()))
                && (q.pod() == null || c != null && q.pod().equals(c.getPodName()))
                && (q.namespace() == null || c != null && q.namespace().equals(c.getNamespace()))
                && (q.node() == null || q.node().equals(c != null && c.getNode() != null ? c.getNode() : e.getNode()))
                && (q.image() == null || c != null && (q.image().equals(c.getImage()) || q.image().equals(c.getImageDigest())))
                && (q.user() == null || enriched.getUsers().contains(q.user()))
                && (q.session() == null || enriched.getSessions().contains(q.session()))
                && (q.process() == null || q.process().equals(e.getProcessName()) || q.process().equals(e.getExe()))
                && (q.cmdline() == null || e.getCmdline() != null && e.getCmdline().contains(q.cmdline()))
                && (q.path() == null || q.path().equals(e.getPath()) || q.path().equals(e.getNewPath()))
                && (q.pathPrefix() == null || e.getPath().startsWith(q.pathPrefix())
                        || e.getNewPath() != null && e.getNewPath().startsWith(q.pathPrefix()))
                && (q.types().isEmpty() || q.types().contains(e.getType()))
                && (!q.modeChange() || TrailIndex.isModeChange(e))
                && (cited == null || cited.contains(e.getEventId()));
    }

    /** One container's matching events, in (timestamp, eventId) order, read span by span. */
    private static final class ContainerCursor implements Comparable<ContainerCursor> {
        private final ReadOnlyWindowStore<String, EnrichedEvent> store;
        private final String containerId;
        private final List<long[]> spans;
        private final TrailQuery query;
        private final Set<String> cited;
        private int span;
        private WindowStoreIterator<EnrichedEvent> it;
        /** Events of one timestamp, sorted by id (the store keeps them in arrival order). */
        private final List<EnrichedEvent> run = new ArrayList<>();
        private KeyValue<Long, EnrichedEvent> pending;
        private String lastId;
        private long lastTime = Long.MIN_VALUE;
        EnrichedEvent current;

        ContainerCursor(ReadOnlyWindowStore<String, EnrichedEvent> store, String containerId, List<long[]> spans,
                        TrailQuery query, Set<String> cited) {
            this.store = store;
            this.containerId = containerId;
            this.spans = spans;
            this.query = query;
            this.cited = cited;
        }

        /** Moves to the next matching event; false (and closed) when there is none. */
        boolean advance() {
            while (true) {
                if (!run.isEmpty()) {
                    EnrichedEvent next = run.remove(0);
                    long t = next.getEvent().getTimestamp();
                    String id = next.getEvent().getEventId();
                    if (t == lastTime && id.equals(lastId)) {
                        continue; // the same event stored twice
                    }
                    lastTime = t;
                    lastId = id;
                    if (matches(query, next, cited)) {
                        current = next;
                        return true;
                    }
                    continue;
                }
                if (!fillRun()) {
                    close();
                    current = null;
                    return false;
                }
            }
        }

        private boolean fillRun() {
            KeyValue<Long, EnrichedEvent> first = pending != null ? pending : nextRaw();
            pending = null;
            if (first == null) {
                return false;
            }
            run.add(first.value);
            KeyValue<Long, EnrichedEvent> more;
            while ((more = nextRaw()) != null) {
                if (more.key.longValue() != first.key.longValue()) {
                    pending = more;
                    break;
                }
                run.add(more.value);
            }
            if (run.size() > 1) {
                run.sort(Comparator.comparing(e -> e.getEvent().getEventId()));
            }
            return true;
        }

        private KeyValue<Long, EnrichedEvent> nextRaw() {
            while (true) {
                if (it != null && it.hasNext()) {
                    return it.next();
                }
                if (it != null) {
                    it.close();
                    it = null;
                }
                if (span >= spans.size()) {
                    return null;
                }
                long[] s = spans.get(span++);
                it = store.fetch(containerId, java.time.Instant.ofEpochMilli(s[0]), java.time.Instant.ofEpochMilli(s[1]));
            }
        }

        private void close() {
            if (it != null) {
                it.close();
                it = null;
            }
        }

        @Override
        public int compareTo(ContainerCursor other) {
            int byTime = Long.compare(current.getEvent().getTimestamp(), other.current.getEvent().getTimestamp());
            return byTime != 0 ? byTime : current.getEvent().getEventId().compareTo(other.current.getEvent().getEventId());
        }
    }
}
