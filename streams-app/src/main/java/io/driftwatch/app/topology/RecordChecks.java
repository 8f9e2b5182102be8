package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;

/** What makes a decoded input unusable: a required field that is empty. Null means fine. */
final class RecordChecks {
    private RecordChecks() {
    }

    static String fileEvent(FileEvent event) {
        if (blank(event.getEventId())) {
            return "missing required field 'eventId'";
        }
        if (blank(event.getContainerId())) {
            return "missing required field 'containerId' (event " + event.getEventId() + ")";
        }
        if (blank(event.getPath())) {
            return "missing required field 'path' (event " + event.getEventId() + ")";
        }
        if (event.getTimestamp() <= 0) {
            return "field 'timestamp' must be epoch milliseconds, was " + event.getTimestamp() + " (event "
                    + event.getEventId() + ")";
        }
        return null;
    }

    static String containerMetadata(ContainerMetadata metadata) {
        return blank(metadata.getContainerId()) ? "missing required field 'containerId'" : null;
    }

    static String execSession(ExecSession session) {
        if (blank(session.getSessionId())) {
            return "missing required field 'sessionId'";
        }
        if (session.getStartedAt() <= 0) {
            return "field 'startedAt' must be epoch milliseconds, was " + session.getStartedAt();
        }
        if (blank(session.getContainerId()) && (blank(session.getNamespace()) || blank(session.getPodName()))) {
            return "exec session " + session.getSessionId() + " names neither a containerId nor a namespace and pod";
        }
        return null;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
