package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import java.time.Duration;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * What the session processors share about exec sessions: when a session is open, whether a
 * container can have taken it, and the store layout of {@link StoreNames#EXEC_SESSIONS}.
 */
final class ExecSessions {
    private ExecSessions() {
    }

    /** When the session closes: its endedAt, or the idle bound after its start when the end never comes. */
    static long end(ExecSession session, Duration idle) {
        return session.getEndedAt() != null ? session.getEndedAt() : session.getStartedAt() + idle.toMillis();
    }

    static boolean openAt(ExecSession session, long time, Duration idle) {
        return session.getStartedAt() <= time && time <= end(session, idle);
    }

    /**
     * Whether the container ran when the session started (one cannot exec into a container that has
     * not started or has stopped); a start up to {@code startSkewMs} after the session still counts,
     * for clocks that differ between the node and the API server. Unknown times do not exclude.
     */
    static boolean ranAt(ContainerMetadata container, long time, long startSkewMs) {
        if (container == null) {
            return false;
        }
        Long started = container.getStartedAt();
        Long stopped = container.getStoppedAt();
        return (started == null || started <= time + startSkewMs) && (stopped == null || stopped >= time);
    }

    /** {@code containerId|sessionId}: a session placed in its container. */
    static String placedKey(String containerId, String sessionId) {
        return containerId + StoreNames.SEPARATOR + sessionId;
    }

    /**
     * {@code pending|namespace/pod/container|sessionId}, or {@code pending|namespace/pod|sessionId}
     * for a session that names no container: a session waiting for its container here.
     */
    static String pendingKey(ExecSession session) {
        return StoreNames.PENDING + StoreNames.podKey(session.getNamespace(), session.getPodName(),
                session.getContainerName()) + StoreNames.SEPARATOR + session.getSessionId();
    }

    /**
     * Stores a session's newest record: an update replaces what is there, except that a record
     * without an end never reopens a session whose end is known (records can cross on their way).
     */
    static void put(KeyValueStore<String, ExecSession> sessions, String key, ExecSession session) {
        if (session.getEndedAt() == null) {
            ExecSession current = sessions.get(key);
            if (current != null && current.getEndedAt() != null) {
                return;
            }
        }
        sessions.put(key, session);
    }
}
