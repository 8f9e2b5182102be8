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

    /** As above, and the identifiers within the caps (never cut: keys and ids derive from them). */
    static String fileEvent(FileEvent event, FieldCaps caps) {
        String problem = caps.badId("eventId", event.getEventId());
        problem = problem != null ? problem : caps.badId("containerId", event.getContainerId());
        return problem != null ? problem : fileEvent(event);
    }

    static String containerMetadata(ContainerMetadata metadata, FieldCaps caps) {
        String problem = caps.badId("containerId", metadata.getContainerId());
        return problem != null ? problem : containerMetadata(metadata);
    }

    static String execSession(ExecSession session, FieldCaps caps) {
        String problem = caps.badId("sessionId", session.getSessionId());
        problem = problem != null ? problem : caps.badId("containerId", session.getContainerId());
        return problem != null ? problem : execSession(session);
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

    /** Null, empty or only white space. */
    static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
