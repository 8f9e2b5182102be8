package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;

/**
 * Keeps the exec sessions of each container of this partition (an update replaces the record
 * before it; one with endedAt closes the session). Sessions arrive here already on their
 * container's partition, or, when they name no container id, on every partition (see
 * {@link ExecSessionRouter}); such a session is placed through the pod index
 * (namespace/pod/container → container id) when that container is known here and ran when the
 * session started, and otherwise waits, pending, in the store until the container's metadata
 * arrives ({@link ContainerMetadataProcessor} adopts it) or the session is over.
 *
 * <p>A session that names no container (a raw API call; kubectl always names one) belongs to
 * every container of its pod: the API server runs it in the pod's only container, and we cannot
 * tell which one it chose otherwise. It stays pending as well, so containers of the pod that
 * appear later take it too.
 *
 * <p>Sessions long over are forgotten: placed ones {@code driftwatch.metadata.history.ms} after
 * they closed (late events may still need them), pending ones once stream time passes their close
 * plus {@code driftwatch.metadata.grace.ms} (no event of theirs can wait for metadata longer).
 */
final class ExecSessionProcessor implements Processor<String, ExecSession, Void, Void> {
    private final PipelineSettings settings;
    private KeyValueStore<String, ExecSession> sessions;
    private KeyValueStore<String, String> podIndex;
    private VersionedKeyValueStore<String, ContainerMetadata> versions;

    ExecSessionProcessor(PipelineSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.sessions = context.getStateStore(StoreNames.EXEC_SESSIONS);
        this.podIndex = context.getStateStore(StoreNames.POD_INDEX);
        this.versions = context.getStateStore(StoreNames.METADATA_VERSIONS);
        context.schedule(Duration.ofMinutes(1), PunctuationType.STREAM_TIME, this::forgetOldSessions);
    }

    @Override
    public void process(Record<String, ExecSession> record) {
        ExecSession session = record.value();
        String containerId = session.getContainerId();
        boolean podKnown = !RecordChecks.blank(session.getNamespace()) && !RecordChecks.blank(session.getPodName());
        if (!RecordChecks.blank(containerId)) {
            ExecSessions.put(sessions, ExecSessions.placedKey(containerId, session.getSessionId()), session);
            if (podKnown) {
                sessions.delete(ExecSessions.pendingKey(session)); // an earlier record of it may have waited
            }
            return;
        }
        if (!podKnown) {
            return; // the decoder lets no such session through
        }
        if (!RecordChecks.blank(session.getContainerName())) {
            String placed = podIndex.get(StoreNames.podKey(session.getNamespace(), session.getPodName(),
                    session.getContainerName()));
            if (placed != null && ranAtStart(placed, session)) {
                place(placed, session);
                sessions.delete(ExecSessions.pendingKey(session));
            } else {
                ExecSessions.put(sessions, ExecSessions.pendingKey(session), session);
            }
            return;
        }
        for (String container : containersOfPod(session.getNamespace(), session.getPodName())) {
            if (ranAtStart(container, session)) {
                place(container, session);
            }
        }
        ExecSessions.put(sessions, ExecSessions.pendingKey(session), session);
    }

    private void place(String containerId, ExecSession session) {
        ExecSessions.put(sessions, ExecSessions.placedKey(containerId, session.getSessionId()),
                ExecSession.newBuilder(session).setContainerId(containerId).build());
    }

    private boolean ranAtStart(String containerId, ExecSession session) {
        VersionedRecord<ContainerMetadata> latest = versions.get(containerId);
        return latest != null && ExecSessions.ranAt(latest.value(), session.getStartedAt(), settings.startSkew().toMillis());
    }

    /** The containers of a pod known on this partition (the newest of each container name). */
    private List<String> containersOfPod(String namespace, String pod) {
        List<String> containers = new ArrayList<>();
        try (KeyValueIterator<String, String> it = podIndex.prefixScan(StoreNames.podKey(namespace, pod, null) + "/",
                new StringSerializer())) {
            it.forEachRemaining(entry -> containers.add(entry.value));
        }
        return containers;
    }

    private void forgetOldSessions(long streamTime) {
        long placedCutoff = streamTime - settings.metadataHistory().toMillis();
        long pendingCutoff = streamTime - settings.metadataGrace().toMillis();
        StoreNames.deleteWhere(sessions, sessions.all(), (key, session) -> ExecSessions.end(session, settings.sessionIdle())
                < (key.startsWith(StoreNames.PENDING) ? pendingCutoff : placedCutoff));
    }
}
