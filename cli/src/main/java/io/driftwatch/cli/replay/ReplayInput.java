package io.driftwatch.cli.replay;

import io.driftwatch.adapters.k8saudit.AuditParseException;
import io.driftwatch.adapters.k8saudit.K8sAuditSessions;
import io.driftwatch.adapters.k8saudit.K8sAuditSettings;
import io.driftwatch.app.query.CaptureLines;
import io.driftwatch.model.Capture;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecordException;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecordBase;

/** Recorded inputs for replay, read strictly from JSON-lines files. */
public record ReplayInput(List<FileEvent> events, List<ContainerMetadata> metadata, List<ExecSession> sessions) {

    /**
     * Reads the files; {@code metadata} and {@code sessions} may be null. A bad line fails with file and line.
     * {@code events} may also be a capture ({@link CaptureLines}, recognised by its first line): its metadata
     * and exec sessions come before those of the other files, and its events' FileEvents are the events.
     */
    public static ReplayInput read(Path events, Path metadata, Path sessions) throws IOException, JsonRecordException {
        ReplayInput recorded = isCapture(events) ? fromCapture(readCapture(events))
                : new ReplayInput(JsonRecords.readLines(events, FileEvent.class), List.of(), List.of());
        List<ContainerMetadata> allMetadata = new ArrayList<>(recorded.metadata());
        if (metadata != null) {
            allMetadata.addAll(JsonRecords.readLines(metadata, ContainerMetadata.class));
        }
        return new ReplayInput(recorded.events(), allMetadata, recorded.sessions())
                .withSessions(sessions == null ? List.of() : JsonRecords.readLines(sessions, ExecSession.class));
    }

    /** Whether the file is a capture: its first non-blank line is the capture line. */
    public static boolean isCapture(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isBlank()) {
                    return CaptureLines.startsCapture(line);
                }
            }
            return false;
        }
    }

    /** Reads a capture file strictly; a bad line fails with file and line. */
    public static Capture readCapture(Path file) throws IOException, JsonRecordException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return CaptureLines.read(in, file.toString());
        } catch (IllegalArgumentException e) {
            throw new JsonRecordException(e.getMessage(), e);
        }
    }

    /**
     * What a capture gives replay: its metadata versions, its exec sessions and its events' FileEvents (as the
     * streaming app saw them). A capture without metadata records takes the containers its events were enriched
     * with, so that they are enriched alike.
     */
    public static ReplayInput fromCapture(Capture capture) {
        List<FileEvent> events = capture.getEvents().stream().map(EnrichedEvent::getEvent).toList();
        List<ContainerMetadata> metadata = capture.getMetadata();
        if (metadata.isEmpty()) {
            metadata = capture.getEvents().stream().map(EnrichedEvent::getContainer).filter(Objects::nonNull)
                    .distinct().toList();
        }
        return new ReplayInput(events, metadata, capture.getExecSessions());
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

    /**
     * These inputs moved in time so that the newest event happened at {@code newest} (without events, the newest
     * container or session time): every event time, startedAt, stoppedAt and endedAt moves alike.
     */
    public ReplayInput shiftedSoNewestIsAt(long newest) {
        OptionalLong latest = events.stream().mapToLong(FileEvent::getTimestamp).max();
        if (latest.isEmpty()) {
            latest = LongStream.concat(
                    metadata.stream().flatMap(m -> Stream.of(m.getStartedAt(), m.getStoppedAt())).filter(Objects::nonNull)
                            .mapToLong(Long::longValue),
                    sessions.stream().flatMap(s -> Stream.of(s.getStartedAt(), s.getEndedAt())).filter(Objects::nonNull)
                            .mapToLong(Long::longValue)).max();
        }
        return latest.isEmpty() ? this : shiftedBy(newest - latest.getAsLong());
    }

    /** These inputs with every time moved by {@code millis}. */
    public ReplayInput shiftedBy(long millis) {
        List<FileEvent> movedEvents = new ArrayList<>(events.size());
        for (FileEvent event : events) {
            FileEvent moved = copy(event, new FileEvent());
            moved.setTimestamp(event.getTimestamp() + millis);
            movedEvents.add(moved);
        }
        List<ContainerMetadata> movedMetadata = new ArrayList<>(metadata.size());
        for (ContainerMetadata container : metadata) {
            ContainerMetadata moved = copy(container, new ContainerMetadata());
            moved.setStartedAt(plus(container.getStartedAt(), millis));
            moved.setStoppedAt(plus(container.getStoppedAt(), millis));
            movedMetadata.add(moved);
        }
        List<ExecSession> movedSessions = new ArrayList<>(sessions.size());
        for (ExecSession session : sessions) {
            ExecSession moved = copy(session, new ExecSession());
            moved.setStartedAt(session.getStartedAt() + millis);
            moved.setEndedAt(plus(session.getEndedAt(), millis));
            movedSessions.add(moved);
        }
        return new ReplayInput(movedEvents, movedMetadata, movedSessions);
    }

    private static Long plus(Long time, long millis) {
        return time == null ? null : time + millis;
    }

    /**
     * Field by field: Avro's deep-copying builder would load enum classes by name, which Avro 1.12 refuses
     * outside its trusted packages.
     */
    private static <T extends SpecificRecordBase> T copy(T from, T to) {
        for (int i = 0; i < from.getSchema().getFields().size(); i++) {
            to.put(i, from.get(i));
        }
        return to;
    }

    /** These inputs with more exec-session records after the present ones. */
    public ReplayInput withSessions(List<ExecSession> more) {
        List<ExecSession> all = new ArrayList<>(sessions);
        all.addAll(more);
        return new ReplayInput(events, metadata, all);
    }
}
