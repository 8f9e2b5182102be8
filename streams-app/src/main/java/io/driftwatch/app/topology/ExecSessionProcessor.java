package io.driftwatch.app.topology;

import io.driftwatch.model.ExecSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the exec sessions of each container (an update with endedAt replaces the open record).
 * A session that names no container id is placed through the pod index, or kept pending until
 * its container's metadata arrives. Sessions long over are forgotten.
 */
final class ExecSessionProcessor implements Processor<String, ExecSession, Void, Void> {
    private final PipelineSettings settings;
    private KeyValueStore<String, ExecSession> sessions;
    private KeyValueStore<String, String> podIndex;

    ExecSessionProcessor(PipelineSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.sessions = context.getStateStore(StoreNames.EXEC_SESSIONS);
        this.podIndex = context.getStateStore(StoreNames.POD_INDEX);
        context.schedule(Duration.ofMinutes(1), PunctuationType.STREAM_TIME, this::forgetOldSessions);
    }

    @Override
    public void process(Record<String, ExecSession> record) {
        ExecSession session = record.value();
        String containerId = session.getContainerId();
        if (containerId == null || containerId.isBlank()) {
            String podKey = StoreNames.podKey(session.getNamespace(), session.getPodName(), session.getContainerName());
            containerId = podIndex.get(podKey);
            if (containerId == null) {
                sessions.put(StoreNames.PENDING + podKey + StoreNames.SEPARATOR + session.getSessionId(), session);
                return;
            }
            session = ExecSession.newBuilder(session).setContainerId(containerId).build();
        }
        sessions.put(containerId + StoreNames.SEPARATOR + session.getSessionId(), session);
    }

    private void forgetOldSessions(long streamTime) {
        long cutoff = streamTime - settings.metadataHistory().toMillis();
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, ExecSession> it = sessions.all()) {
            it.forEachRemaining(entry -> {
                ExecSession s = entry.value;
                long end = s.getEndedAt() != null ? s.getEndedAt() : s.getStartedAt() + settings.sessionIdle().toMillis();
                if (end < cutoff) {
                    old.add(entry.key);
                }
            });
        }
        old.forEach(sessions::delete);
    }
}
