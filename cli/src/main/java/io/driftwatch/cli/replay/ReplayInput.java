package io.driftwatch.cli.replay;

import io.driftwatch.adapters.k8saudit.AuditParseException;
import io.driftwatch.adapters.k8saudit.K8sAuditSessions;
import io.driftwatch.adapters.k8saudit.K8sAuditSettings;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecordException;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Recorded inputs for replay, read strictly from JSON-lines files. */
public record ReplayInput(List<FileEvent> events, List<ContainerMetadata> metadata, List<ExecSession> sessions) {

    /** Reads the files; {@code metadata} and {@code sessions} may be null. A bad line fails with file and line. */
    public static ReplayInput read(Path events, Path metadata, Path sessions) throws IOException, JsonRecordException {
        return new ReplayInput(
                JsonRecords.readLines(events, FileEvent.class),
                metadata == null ? List.of() : JsonRecords.readLines(metadata, ContainerMetadata.class),
                sessions == null ? List.of() : JsonRecords.readLines(sessions, ExecSession.class));
    }

    /**
     * Reads the files as {@link #read(Path, Path, Path)} does, plus, when {@code k8sAudit} is not null, the exec
     * sessions of a recorded Kubernetes audit log (through the same extractor as {@code ingest k8s-audit}),
     * after those of {@code sessions}. A line of the audit log that is not an audit event fails with file and line.
     */
    public static ReplayInput read(Path events, Path metadata, Path sessions, Path k8sAudit)
            throws IOException, JsonRecordException {
        ReplayInput input = read(events, metadata, sessions);
        return k8sAudit == null ? input : input.withSessions(k8sAuditSessions(k8sAudit));
    }

    /** The exec-session records a Kubernetes audit log gives (opened sessions and their closing updates). */
    public static List<ExecSession> k8sAuditSessions(Path k8sAudit) throws IOException, JsonRecordException {
        try {
            return K8sAuditSessions.read(k8sAudit, K8sAuditSettings.defaults());
        } catch (AuditParseException e) {
            throw new JsonRecordException(e.getMessage(), e);
        }
    }

    /** These inputs with more exec-session records after the present ones. */
    public ReplayInput withSessions(List<ExecSession> more) {
        List<ExecSession> all = new ArrayList<>(sessions);
        all.addAll(more);
        return new ReplayInput(events, metadata, all);
    }
}
