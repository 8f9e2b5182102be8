package io.driftwatch.app.topology;

import io.driftwatch.model.Alert;
import io.driftwatch.model.Capture;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.rules.CaptureRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the queryable audit trail (src/investigation.md): every enriched event in its container's
 * trail, the index the trail queries use, the alerts and the events they cite; and seals the
 * captures the response policy asks for once their window has passed. Runs in the same task as
 * the rules, so a container's events, alerts and captures are all in one partition's stores.
 */
final class TrailProcessor implements Processor<String, Object, String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(TrailProcessor.class);
    /** Index entries written lately (value, container, bucket): most events repeat them, and need no put. */
    private static final int RECENT_INDEX_ENTRIES = 50_000;
    /** Room in a capture record for everything but its events. */
    private static final int CAPTURE_OVERHEAD_BYTES = 64 * 1024;

    private final TrailSettings settings;
    private final PipelineSettings pipeline;
    private final String capturesChild;
    private final String incidentInputsChild;
    private ProcessorContext<String, Object> context;
    private WindowStore<String, EnrichedEvent> events;
    private WindowStore<String, String> index;
    private WindowStore<String, Alert> alerts;
    private WindowStore<String, String> citations;
    private KeyValueStore<String, String> pending;
    private KeyValueStore<String, ExecSession> sessions;
    private KeyValueStore<String, Long> sealed;
    private final Map<String, Boolean> recentIndex = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > RECENT_INDEX_ENTRIES;
        }
    };
    /** The pending captures, mirrored in memory (the store is only read at start). */
    private final TreeMap<String, PendingCapture> pendingByKey = new TreeMap<>();
    private long streamTime = Long.MIN_VALUE;
    private long bucketMillis;

    TrailProcessor(TrailSettings settings, PipelineSettings pipeline, String capturesChild, String incidentInputsChild) {
        this.settings = settings;
        this.pipeline = pipeline;
        this.capturesChild = capturesChild;
        this.incidentInputsChild = incidentInputsChild;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.events = context.getStateStore(QueryableStores.TRAIL_EVENTS);
        this.index = context.getStateStore(QueryableStores.TRAIL_INDEX);
        this.alerts = context.getStateStore(QueryableStores.TRAIL_ALERTS);
        this.citations = context.getStateStore(QueryableStores.TRAIL_CITATIONS);
        this.pending = context.getStateStore(QueryableStores.PENDING_CAPTURES);
        this.sessions = context.getStateStore(StoreNames.EXEC_SESSIONS);
        this.sealed = context.getStateStore(QueryableStores.SEALED_CAPTURES);
        this.bucketMillis = settings.indexBucket().toMillis();
        // A task revived after an aborted transaction is initialised again with its stores rolled back.
        recentIndex.clear();
        pendingByKey.clear();
        streamTime = Long.MIN_VALUE;
        try (KeyValueIterator<String, String> waiting = pending.all()) {
            waiting.forEachRemaining(entry -> pendingByKey.put(entry.key, PendingCapture.decode(entry.value)));
        }
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::sealDue);
        context.schedule(Duration.ofHours(1), PunctuationType.WALL_CLOCK_TIME, this::expireCaptures);
    }

    @Override
    public void process(Record<String, Object> record) {
        Object value = record.value();
        if (value instanceof EnrichedEvent enriched) {
            record(enriched);
        } else if (value instanceof Alert alert) {
            record(alert);
        } else if (value instanceof CaptureRequest request) {
            request(request);
        }
    }

    private void record(EnrichedEvent enriched) {
        long time = enriched.getEvent().getTimestamp();
        String containerId = enriched.getEvent().getContainerId();
        streamTime = Math.max(streamTime, time);
        events.put(containerId, enriched, time);
        if (!settings.indexed()) {
            return;
        }
        long bucket = time - Math.floorMod(time, bucketMillis);
        for (String key : TrailIndex.keysOf(enriched)) {
            if (recentIndex.put(key + '\u0001' + containerId + '\u0001' + bucket, Boolean.TRUE) == null) {
                index.put(key, containerId, bucket);
            }
        }
    }

    private void record(Alert alert) {
        long time = alert.getTimestamp();
        alerts.put(alert.getAlertId(), alert, time);
        index.put(TrailIndex.key(TrailIndex.RULE, alert.getRuleId()), alert.getAlertId(), time);
        for (String eventId : alert.getEventIds()) {
            citations.put(eventId, alert.getAlertId(), time);
        }
    }

    private void request(CaptureRequest request) {
        if (pendingByKey.containsKey(request.captureId()) || sealed.get(request.captureId()) != null) {
            return;
        }
        Alert alert = request.alert();
        long time = alert.getTimestamp();
        PendingCapture capture = new PendingCapture(alert.getContainerId(), time - request.beforeMillis(),
                time + request.afterMillis(), alert.getAlertId(), alert.getRuleId(),
                context.currentSystemTimeMs() + request.afterMillis() + settings.captureWallDelay().toMillis());
        pending.put(request.captureId(), capture.encode());
        pendingByKey.put(request.captureId(), capture);
        // The incident shows the capture at once; it can be downloaded once sealed.
        IncidentInput input = IncidentInput.newBuilder().setCaptureId(request.captureId())
                .setCaptureAlertId(alert.getAlertId()).build();
        context.forward(new Record<String, Object>(groupKey(alert), input, time), incidentInputsChild);
    }

    static String groupKey(Alert alert) {
        return io.driftwatch.app.incidents.IncidentUpdates.groupKey(alert.getNamespace(), alert.getPodName(),
                alert.getContainerId());
    }

    /** Seals every pending capture whose window has passed in stream time, or whose wall-clock due time came. */
    private void sealDue(long wallNow) {
        if (pendingByKey.isEmpty()) {
            return;
        }
        List<String> due = new ArrayList<>();
        pendingByKey.forEach((id, capture) -> {
            if (capture.to() <= streamTime || capture.dueWall() <= wallNow) {
                due.add(id);
            }
        });
        for (String id : due) {
            PendingCapture capture = pendingByKey.remove(id);
            pending.delete(id);
            Capture done = seal(id, capture, Math.max(streamTime, capture.to()));
            sealed.put(id, done.getSealedAt());
            context.forward(new Record<String, Object>(id, done, capture.to()), capturesChild);
        }
    }

    /**
     * Past {@code driftwatch.captures.retention} (wall clock after sealing), a capture gets a tombstone on the
     * compacted captures topic, which removes it there and from the captures store.
     */
    private void expireCaptures(long wallNow) {
        long cutoff = wallNow - settings.captureRetention().toMillis();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = sealed.all()) {
            all.forEachRemaining(kv -> {
                if (kv.value != null && kv.value < cutoff) {
                    expired.add(kv.key);
                }
            });
        }
        for (String id : expired) {
            sealed.delete(id);
            context.forward(new Record<String, Object>(id, null, wallNow), capturesChild);
        }
    }

    private Capture seal(String captureId, PendingCapture capture, long sealedAt) {
        List<EnrichedEvent> window = new ArrayList<>();
        try (WindowStoreIterator<EnrichedEvent> it = events.fetch(capture.containerId(), capture.from(), capture.to())) {
            it.forEachRemaining(kv -> window.add(kv.value));
        }
        window.sort(Comparator.comparingLong((EnrichedEvent e) -> e.getEvent().getTimestamp())
                .thenComparing(e -> e.getEvent().getEventId()));
        long alertTime = capture.to() - (capture.to() - capture.from()) / 2;
        int dropped = fitToBudget(window, alertTime, pipeline.fieldCaps().maxRecordBytes() - CAPTURE_OVERHEAD_BYTES);
        Map<String, ContainerMetadata> metadata = new LinkedHashMap<>();
        for (EnrichedEvent e : window) {
            if (e.getContainer() != null) {
                metadata.putIfAbsent(String.valueOf(e.getContainer().getStartedAt()) + '|' + e.getContainer().getStoppedAt()
                        + '|' + e.getContainer().hashCode(), e.getContainer());
            }
        }
        List<ExecSession> execSessions = new ArrayList<>();
        try (KeyValueIterator<String, ExecSession> it = sessions.prefixScan(capture.containerId() + StoreNames.SEPARATOR,
                new StringSerializer())) {
            it.forEachRemaining(kv -> {
                ExecSession s = kv.value;
                if (s.getStartedAt() <= capture.to() && ExecSessions.end(s, pipeline.sessionIdle()) >= capture.from()) {
                    execSessions.add(s);
                }
            });
        }
        LOG.info("capture {} sealed: {} events of container {} ({} left out to fit one record)", captureId, window.size(),
                capture.containerId(), dropped);
        return Capture.newBuilder().setCaptureId(captureId).setAlertId(capture.alertId()).setRuleId(capture.ruleId())
                .setContainerId(capture.containerId()).setFrom(capture.from()).setTo(capture.to()).setSealedAt(sealedAt)
                .setMetadata(new ArrayList<>(metadata.values())).setExecSessions(execSessions).setEvents(window)
                .setTruncated(dropped > 0).setDroppedEvents(dropped).build();
    }

    /** Drops the events farthest in time from the alert until the rest fit in {@code budget} bytes; returns how many. */
    static int fitToBudget(List<EnrichedEvent> window, long alertTime, int budget) {
        SpecificDatumWriter<EnrichedEvent> writer = new SpecificDatumWriter<>(EnrichedEvent.class);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        long[] sizes = new long[window.size()];
        long total = 0;
        BinaryEncoder encoder = null;
        for (int i = 0; i < window.size(); i++) {
            bytes.reset();
            encoder = EncoderFactory.get().binaryEncoder(bytes, encoder);
            try {
                writer.write(window.get(i), encoder);
                encoder.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            sizes[i] = bytes.size();
            total += sizes[i];
        }
        if (total <= budget) {
            return 0;
        }
        // Keep the nearest to the alert: take them in order of distance until the budget is spent.
        Integer[] order = new Integer[window.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparingLong(i -> Math.abs(window.get(i).getEvent().getTimestamp() - alertTime)));
        boolean[] keep = new boolean[window.size()];
        long used = 0;
        for (int i : order) {
            if (used + sizes[i] > budget) {
                break;
            }
            used += sizes[i];
            keep[i] = true;
        }
        List<EnrichedEvent> kept = new ArrayList<>();
        for (int i = 0; i < window.size(); i++) {
            if (keep[i]) {
                kept.add(window.get(i));
            }
        }
        int dropped = window.size() - kept.size();
        window.clear();
        window.addAll(kept);
        return dropped;
    }

    /** A capture waiting for its window to pass. */
    record PendingCapture(String containerId, long from, long to, String alertId, String ruleId, long dueWall) {
        String encode() {
            return String.join("\u0000", containerId, Long.toString(from), Long.toString(to), alertId,
                    ruleId == null ? "" : ruleId, Long.toString(dueWall));
        }

        static PendingCapture decode(String text) {
            String[] f = text.split("\u0000", -1);
            return new PendingCapture(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], f[4].isEmpty() ? null : f[4],
                    Long.parseLong(f[5]));
        }
    }
}
