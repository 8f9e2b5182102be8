package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.FileEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedKeyValueStore;

/**
 * Joins each file event with the container metadata valid at its time. An event whose metadata
 * has not arrived is held (never dropped) until the metadata comes (then METADATA_LATE, released
 * by {@link ContainerMetadataProcessor}), or until stream time passes its time plus the grace, or
 * it has waited the wall-clock bound on an idle partition (then METADATA_LATE if the metadata has
 * come meanwhile, else METADATA_MISSING). Host events (containerId {@code host}, the agent's host FIM) have no
 * container and no metadata record: they pass at once, COMPLETE, with metadata made up from the event
 * ({@link #hostMetadata}). The agent does not publish one: keyed {@code host} on the compacted metadata
 * topic, every node's record would replace the others'.
 */
final class EnrichProcessor implements Processor<String, FileEvent, String, EnrichedEvent> {
    static final String HOST = "host";

    private final PipelineSettings settings;
    private final EnrichmentCounters counters;
    private ProcessorContext<String, EnrichedEvent> context;
    private KeyValueStore<String, FileEvent> held;
    private MetadataLookup lookup;
    /** When (wall clock) each held event began to wait; after a restart, waiting restarts. */
    private final Map<String, Long> heldSince = new HashMap<>();
    /**
     * Whether the held store may have entries: false once a pass found it empty, until an event is held again
     * (a restored store may hold some, so it starts true). Scanning an empty store walks its deleted entries.
     */
    private boolean mayHold = true;

    private final MetadataCache.PerTask caches;

    EnrichProcessor(PipelineSettings settings, EnrichmentCounters counters) {
        this(settings, counters, null);
    }

    EnrichProcessor(PipelineSettings settings, EnrichmentCounters counters, MetadataCache.PerTask caches) {
        this.settings = settings;
        this.counters = counters;
        this.caches = caches;
    }

    @Override
    public void init(ProcessorContext<String, EnrichedEvent> context) {
        this.context = context;
        this.held = context.getStateStore(StoreNames.HELD_EVENTS);
        VersionedKeyValueStore<String, ContainerMetadata> versions = context.getStateStore(StoreNames.METADATA_VERSIONS);
        MetadataCache cache = caches == null ? null : caches.of(context.taskId());
        if (cache != null) {
            cache.clear(); // the store may have been restored while the task was elsewhere
        }
        this.lookup = new MetadataLookup(versions, settings.startSkew().toMillis(), cache);
        Duration every = Duration.ofMillis(Math.max(100, Math.min(1000, settings.metadataGrace().toMillis() / 2)));
        // Read at scrape time from another thread: a plain size, at worst a moment stale.
        counters.heldEvents(this, heldSince::size);
        context.schedule(every, PunctuationType.STREAM_TIME, this::flushPastGrace);
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::flushWaitedTooLong);
    }

    @Override
    public void process(Record<String, FileEvent> record) {
        FileEvent event = record.value();
        String containerId = event.getContainerId();
        if (HOST.equals(containerId)) {
            counters.complete();
            forward(event, hostMetadata(event), Enrichment.COMPLETE);
            return;
        }
        ContainerMetadata metadata = lookup.at(containerId, event.getTimestamp());
        if (metadata != null) {
            counters.complete();
            forward(event, metadata, Enrichment.COMPLETE);
            return;
        }
        String key = StoreNames.heldKey(containerId, event.getTimestamp(), event.getEventId());
        held.put(key, event);
        heldSince.put(key, context.currentSystemTimeMs());
        counters.held();
        mayHold = true;
    }

    @Override
    public void close() {
        counters.forgetTask(this);
    }

    private void flushPastGrace(long streamTime) {
        long cutoff = streamTime - settings.metadataGrace().toMillis();
        flush((key, event) -> event.getTimestamp() <= cutoff);
    }

    private void flushWaitedTooLong(long wallTime) {
        long cutoff = wallTime - settings.metadataWallClock().toMillis();
        flush((key, event) -> heldSince.getOrDefault(key, wallTime) <= cutoff);
    }

    private void flush(java.util.function.BiPredicate<String, FileEvent> due) {
        if (!mayHold) {
            return;
        }
        List<KeyValue<String, FileEvent>> release = new ArrayList<>();
        java.util.Set<String> present = new java.util.HashSet<>();
        try (KeyValueIterator<String, FileEvent> it = held.all()) {
            while (it.hasNext()) {
                KeyValue<String, FileEvent> entry = it.next();
                present.add(entry.key);
                heldSince.putIfAbsent(entry.key, context.currentSystemTimeMs());
                if (due.test(entry.key, entry.value)) {
                    release.add(entry);
                }
            }
        }
        // Events released by the metadata processor left the store without passing here.
        heldSince.keySet().retainAll(present);
        mayHold = present.size() > release.size();
        // Keys sort by container, then time: each container's events leave in event-time order.
        for (KeyValue<String, FileEvent> entry : release) {
            held.delete(entry.key);
            heldSince.remove(entry.key);
            FileEvent event = entry.value;
            ContainerMetadata metadata = lookup.at(event.getContainerId(), event.getTimestamp());
            if (metadata != null) {
                counters.late();
                forward(event, metadata, Enrichment.METADATA_LATE);
            } else {
                counters.missing();
                forward(event, null, Enrichment.METADATA_MISSING);
            }
        }
    }

    /**
     * What rules and people see as the "container" of a host event: the node itself (containerId {@code host}, runtime
     * {@code host}, containerName and node the event's node). No namespace, pod or image: the response policy treats
     * {@code host} as observe-only, and nothing here suggests a pod to isolate.
     */
    static ContainerMetadata hostMetadata(FileEvent event) {
        return ContainerMetadata.newBuilder().setContainerId(HOST).setNode(event.getNode()).setRuntime(HOST)
                .setContainerName(event.getNode()).build();
    }

    private void forward(FileEvent event, ContainerMetadata metadata, Enrichment enrichment) {
        context.forward(enriched(event, metadata, enrichment));
    }

    /** An event joined with its metadata (null when missing), before attribution adds users; keyed by container. */
    static Record<String, EnrichedEvent> enriched(FileEvent event, ContainerMetadata metadata, Enrichment enrichment) {
        return new Record<>(event.getContainerId(), EnrichedEvent.newBuilder().setEvent(event).setContainer(metadata)
                .setUsers(List.of()).setEnrichment(enrichment).build(), event.getTimestamp());
    }
}
