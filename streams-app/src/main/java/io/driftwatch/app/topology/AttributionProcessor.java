package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Who did it (DESIGN.md "Attribution"): a process is the workload's when it is the container's
 * init ({@code initPid}, or pid 1 where pids are the container's own) or descends from it by the
 * pid/ppid links seen in that container; its events carry no users. Any other process active
 * while exec sessions are open belongs to them: its events carry all open sessions' users.
 *
 * <p>The verdict per process is remembered (changelogged) for the lineage retention after it was
 * last seen. A process first seen as a session's keeps that verdict when it turns up as the init's
 * child: that is how an orphan looks after its parent (the exec'd shell) exited, and a detached
 * process must not shed its users. The price: a pid that a session's process used and the workload
 * reuses within the retention carries the open sessions' users (never users of sessions that are
 * over).
 */
final class AttributionProcessor implements Processor<String, EnrichedEvent, String, EnrichedEvent> {
    private static final String WORKLOAD = "W";
    private static final String SESSION = "S";
    private static final long REFRESH_MS = 60_000;

    private final PipelineSettings settings;
    private KeyValueStore<String, ExecSession> sessions;
    private KeyValueStore<String, String> lineage;
    private ProcessorContext<String, EnrichedEvent> context;

    AttributionProcessor(PipelineSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, EnrichedEvent> context) {
        this.context = context;
        this.sessions = context.getStateStore(StoreNames.EXEC_SESSIONS);
        this.lineage = context.getStateStore(StoreNames.PROCESS_LINEAGE);
        context.schedule(Duration.ofMinutes(1), PunctuationType.STREAM_TIME, this::forgetOldProcesses);
    }

    @Override
    public void process(Record<String, EnrichedEvent> record) {
        EnrichedEvent enriched = record.value();
        FileEvent event = enriched.getEvent();
        String containerId = event.getContainerId();
        if (EnrichProcessor.HOST.equals(containerId) || isWorkload(containerId, event, enriched.getContainer())) {
            context.forward(record);
            return;
        }
        TreeSet<String> users = new TreeSet<>();
        TreeSet<String> sessionIds = new TreeSet<>();
        openSessions(containerId, event.getTimestamp(), users, sessionIds);
        if (users.isEmpty() && sessionIds.isEmpty()) {
            context.forward(record);
            return;
        }
        context.forward(record.withValue(EnrichedEvent.newBuilder(enriched).setUsers(new ArrayList<>(users))
                .setSessions(new ArrayList<>(sessionIds)).build()));
    }

    private boolean isWorkload(String containerId, FileEvent event, ContainerMetadata container) {
        Integer pid = event.getPid();
        if (pid == null) {
            return false;
        }
        String pidKey = key(containerId, pid);
        String seen = lineage.get(pidKey);
        String verdict;
        Integer initPid = container == null ? null : container.getInitPid();
        if (isInit(pid, initPid)) {
            verdict = WORKLOAD;
        } else if (event.getPpid() != null && isInit(event.getPpid(), initPid)) {
            // The init's child, even when the init itself was never seen; but a session's process whose
            // parent exited is re-parented to the init (nohup, a double fork): it stays the session's.
            verdict = seen != null && seen.startsWith(SESSION) ? SESSION : WORKLOAD;
        } else {
            String parent = event.getPpid() == null ? null : lineage.get(key(containerId, event.getPpid()));
            if (parent != null) {
                verdict = parent.substring(0, 1);
            } else {
                verdict = seen != null ? seen.substring(0, 1) : SESSION;
            }
        }
        // Write only what changed, or refresh lastSeen now and then: a write per event would double the output.
        if (seen == null || !seen.startsWith(verdict) || lastSeen(seen) < event.getTimestamp() - REFRESH_MS) {
            lineage.put(pidKey, verdict + StoreNames.SEPARATOR + event.getTimestamp());
        }
        return verdict.equals(WORKLOAD);
    }

    /**
     * The container's init: its {@code initPid} (a host pid), or pid 1, which in a container is
     * always the init where pids are the container's own (and, as a host pid, is no container's).
     */
    private static boolean isInit(int pid, Integer initPid) {
        return pid == 1 || initPid != null && pid == initPid;
    }

    private static long lastSeen(String entry) {
        return Long.parseLong(entry.substring(entry.indexOf(StoreNames.SEPARATOR) + 1));
    }

    /** Adds the users and session ids of the container's exec sessions open at {@code time}. */
    private void openSessions(String containerId, long time, TreeSet<String> users, TreeSet<String> sessionIds) {
        try (KeyValueIterator<String, ExecSession> it = sessions.prefixScan(containerId + StoreNames.SEPARATOR,
                new StringSerializer())) {
            it.forEachRemaining(entry -> {
                ExecSession s = entry.value;
                if (s.getUser() != null && ExecSessions.openAt(s, time, settings.sessionIdle())) {
                    users.add(s.getUser());
                    sessionIds.add(s.getSessionId());
                }
            });
        }
    }

    private void forgetOldProcesses(long streamTime) {
        long cutoff = streamTime - settings.lineageRetention().toMillis();
        StoreNames.deleteWhere(lineage, lineage.all(), (key, value) -> lastSeen(value) < cutoff);
    }

    private static String key(String containerId, int pid) {
        return containerId + StoreNames.SEPARATOR + pid;
    }
}
