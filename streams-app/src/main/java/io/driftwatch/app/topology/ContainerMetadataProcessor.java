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

/**
 * Records a container's metadata in the versioned store at its own time (startedAt; stoppedAt
 * for the update at stop), indexes it by pod for exec sessions, and releases the events that
 * were held waiting for it (as METADATA_LATE).
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

    ContainerMetadataProcessor(PipelineSettings settings, EnrichmentCounters counters) {
        this.settings = settings;
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<String, EnrichedEvent> context) {
        this.context = context;
        this.versions = context.getStateStore(StoreNames.METADATA_VERSIONS);
        this.podIndex = context.getStateStore(StoreNames.POD_INDEX);
        this.held = context.getStateStore(StoreNames.HELD_EVENTS);
        this.sessions = context.getStateStore(StoreNames.EXEC_SESSIONS);
        this.lookup = new MetadataLookup(versions, settings.startSkew().toMillis());
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
        index(metadata);
        releaseHeld(containerId);
    }

    private void index(ContainerMetadata metadata) {
        if (metadata.getNamespace() == null || metadata.getPodName() == null) {
            return;
        }
        List<String> podKeys = new ArrayList<>(List.of(StoreNames.podKey(metadata.getNamespace(), metadata.getPodName(), null)));
        if (metadata.getContainerName() != null) {
            podKeys.add(StoreNames.podKey(metadata.getNamespace(), metadata.getPodName(), metadata.getContainerName()));
        }
        for (String podKey : podKeys) {
            podIndex.put(podKey, metadata.getContainerId());
            adoptPendingSessions(podKey, metadata.getContainerId());
        }
    }

    /** Sessions that arrived before the container's metadata now learn their container id. */
    private void adoptPendingSessions(String podKey, String containerId) {
        List<KeyValue<String, ExecSession>> pending = new ArrayList<>();
        try (KeyValueIterator<String, ExecSession> it = sessions.prefixScan(
                StoreNames.PENDING + podKey + StoreNames.SEPARATOR, new StringSerializer())) {
            it.forEachRemaining(pending::add);
        }
        for (KeyValue<String, ExecSession> entry : pending) {
            ExecSession session = ExecSession.newBuilder(entry.value).setContainerId(containerId).build();
            sessions.delete(entry.key);
            sessions.put(containerId + StoreNames.SEPARATOR + session.getSessionId(), session);
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
                context.forward(new Record<>(containerId, EnrichedEvent.newBuilder().setEvent(event).setContainer(valid)
                        .setUsers(List.of()).setEnrichment(Enrichment.METADATA_LATE).build(), event.getTimestamp()));
            }
        }
    }
}
