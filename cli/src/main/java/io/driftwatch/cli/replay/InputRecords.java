package io.driftwatch.cli.replay;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * Recorded inputs as a producer writes them to the input topics: each record with its topic role, its key
 * (DESIGN.md "Topics") and its time (DESIGN.md "Time"). Replay feeds them to its driver and {@code produce} to
 * the broker, so both key and stamp alike.
 */
public final class InputRecords {
    public static final String CONTAINER_METADATA = "container-metadata";
    public static final String EXEC_SESSIONS = "exec-sessions";
    public static final String FILE_EVENTS = "file-events";

    /** One record for a topic role: key, record time (epoch ms) and value. */
    public record Keyed(String role, String key, long time, SpecificRecord value) {
    }

    private InputRecords() {
    }

    /**
     * Metadata keyed by containerId. A container's first record is stamped with its startedAt (or
     * {@code undatedTime} when it has none) and a later one, its update at stop, with its stoppedAt.
     */
    public static List<Keyed> metadata(List<ContainerMetadata> metadata, long undatedTime) {
        List<Keyed> records = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ContainerMetadata m : metadata) {
            boolean first = seen.add(m.getContainerId());
            Long time = !first && m.getStoppedAt() != null ? m.getStoppedAt() : m.getStartedAt();
            records.add(new Keyed(CONTAINER_METADATA, m.getContainerId(), time == null ? undatedTime : time, m));
        }
        return records;
    }

    /**
     * Exec sessions keyed by containerId, or {@code namespace/pod} when the container is not known yet (the
     * topology re-keys those). A session's first record is stamped with its startedAt, its closing update with
     * its endedAt.
     */
    public static List<Keyed> sessions(List<ExecSession> sessions) {
        List<Keyed> records = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ExecSession s : sessions) {
            boolean first = seen.add(s.getSessionId());
            long time = !first && s.getEndedAt() != null ? s.getEndedAt() : s.getStartedAt();
            String key = s.getContainerId() != null && !s.getContainerId().isBlank() ? s.getContainerId()
                    : s.getNamespace() + "/" + s.getPodName();
            records.add(new Keyed(EXEC_SESSIONS, key, time, s));
        }
        return records;
    }

    /** File events keyed by containerId (which is {@code host} for the host's events), stamped with their timestamp. */
    public static List<Keyed> events(List<FileEvent> events) {
        List<Keyed> records = new ArrayList<>(events.size());
        for (FileEvent e : events) {
            records.add(new Keyed(FILE_EVENTS, e.getContainerId(), e.getTimestamp(), e));
        }
        return records;
    }
}
