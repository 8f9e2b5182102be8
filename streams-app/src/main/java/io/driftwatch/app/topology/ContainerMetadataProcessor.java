package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;

/**
 * Records a container's metadata in the versioned store at its own time (startedAt; stoppedAt
 * for the update at stop), indexes it by pod for exec sessions (placing the sessions that waited
 * for it), and then releases the events that were held waiting for it (as METADATA_LATE), so
 * that they are attributed with those sessions.
 */
final class ContainerMetadataProcessor implements Processor<String, ContainerMetadata, String, EnrichedEvent> {
    private final PipelineSettings settings;
    private final EnrichmentCounters counters;
    private ProcessorContext<String, EnrichedEvent> context;
    private VersionedKeyValueStore<String, ContainerMetadata> versions;
    private KeyValueStore<String, String> podIndex;
    private KeyValueStore<String, FileEvent> held;
    private KeyValueStore<String, ExecSession> sessions;
    private MetadataLookup lookup;

    private final MetadataCache.PerTask caches;
    private MetadataCache cache;

    ContainerMetadataProcessor(PipelineSettings settings, EnrichmentCounters counters) {
        this(settings, counters, null);
    }

    ContainerMetadataProcessor(PipelineSettings settings, EnrichmentCounters counters, MetadataCache.PerTask caches) {
        this.settings = settings;
        this.counters = counters;
        this.caches = caches;
    }

    @Override
    public void init(ProcessorContext<String, EnrichedEvent> context) {
        this.context = context;
        this.versions = context.getStateStore(StoreNames.METADATA_VERSIONS);
        this.podIndex = context.getStateStore(StoreNames.POD_INDEX);
        this.held = context.getStateStore(StoreNames.HELD_EVENTS);
        this.sessions = context.getStateStore(StoreNames.EXEC_SESSIONS);
        this.cache = caches == null ? null : caches.of(context.taskId());
        if (cache != null) {
            cache.clear();
        }
        this.lookup = new MetadataLookup(versions, settings.startSkew().toMillis(), cache);
    }

    @Override
    public void process(Record<String, ContainerMetadata> record) {
        ContainerMetadata metadata = record.value();
        String containerId = metadata.getContainerId();
        boolean known = versions.get(containerId) != null;
        long validFrom;
        if (known && metadata.getStoppedAt() != null) {
            validFrom = metadata.getStoppedAt();
        } else if (metadata.getStartedAt() != null) {
            validFrom = metadata.getStartedAt();
        } else {
            validFrom = record.timestamp();
        }
        versions.put(containerId, metadata, validFrom);
        if (cache != null) {
            cache.forget(containerId); // its versions changed
        }
        index(metadata);
        releaseHeld(containerId);
    }

    /**
     * Indexes the container under namespace/pod/container (the newest container of that name wins:
     * a restarted container replaces the one before it, whatever order their records come in), then
     * lets the sessions waiting for this pod's container take it: those naming this container, and
     * those naming none (they belong to every container of the pod; see {@link ExecSessionProcessor}).
     */
    private void index(ContainerMetadata metadata) {
        if (RecordChecks.blank(metadata.getNamespace()) || RecordChecks.blank(metadata.getPodName())) {
            return;
        }
        String name = metadata.getContainerName();
        String podKey = StoreNames.podKey(metadata.getNamespace(), metadata.getPodName(), null);
        String containerKey = RecordChecks.blank(name) ? podKey + "/" : StoreNames.podKey(metadata.getNamespace(),
                metadata.getPodName(), name);
        String indexed = podIndex.get(containerKey);
        if (indexed == null || indexed.equals(metadata.getContainerId()) || startedNoEarlier(metadata, indexed)) {
            podIndex.put(containerKey, metadata.getContainerId());
        }
        if (!RecordChecks.blank(name)) {
            adoptPendingSessions(containerKey, metadata, true);
        }
        adoptPendingSessions(podKey, metadata, false);
    }

    private boolean startedNoEarlier(ContainerMetadata metadata, String otherContainerId) {
        VersionedRecord<ContainerMetadata> other = versions.get(otherContainerId);
        Long started = metadata.getStartedAt();
        Long otherStarted = other == null ? null : other.value().getStartedAt();
        return started == null || otherStarted == null || started >= otherStarted;
    }

    /**
     * Sessions that arrived before the container's metadata now learn their container id, when the
     * container ran at their start (a container that started later is a restart, not theirs).
     *
     * @param done whether a session taken is no longer pending (it named this container); a session
     *             naming no container stays pending for the pod's other containers
     */
    private void adoptPendingSessions(String podKey, ContainerMetadata metadata, boolean done) {
        List<KeyValue<String, ExecSession>> pending = new ArrayList<>();
        try (KeyValueIterator<String, ExecSession> it = sessions.prefixScan(
                StoreNames.PENDING + podKey + StoreNames.SEPARATOR, new StringSerializer())) {
            it.forEachRemaining(pending::add);
        }
        String containerId = metadata.getContainerId();
        for (KeyValue<String, ExecSession> entry : pending) {
            if (!ExecSessions.ranAt(metadata, entry.value.getStartedAt(), settings.startSkew().toMillis())) {
                continue;
            }
            ExecSession session = ExecSession.newBuilder(entry.value).setContainerId(containerId).build();
            ExecSessions.put(sessions, ExecSessions.placedKey(containerId, session.getSessionId()), session);
            if (done) {
                sessions.delete(entry.key);
            }
        }
    }

    private void releaseHeld(String containerId) {
        List<KeyValue<String, FileEvent>> waiting = new ArrayList<>();
        try (KeyValueIterator<String, FileEvent> it = held.prefixScan(containerId + StoreNames.SEPARATOR,
                new StringSerializer())) {
            it.forEachRemaining(waiting::add);
        }
        for (KeyValue<String, FileEvent> entry : waiting) {
            FileEvent event = entry.value;
            ContainerMetadata valid = lookup.at(containerId, event.getTimestamp());
            if (valid != null) {
                held.delete(entry.key);
                counters.late();
                context.forward(EnrichProcessor.enriched(event, valid, Enrichment.METADATA_LATE));
            }
        }
    }
}
