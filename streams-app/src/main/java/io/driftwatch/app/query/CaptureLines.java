package io.driftwatch.app.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.Capture;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ExecSession;
import io.driftwatch.schemas.json.JsonRecordException;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * A capture as JSON lines: what {@code GET /api/v1/captures/{id}} downloads and what
 * {@code ./driftwatch replay --events} and {@code produce --events} accept as they are. Plain JSON
 * with the records' field names ({@link JsonRecords}), one object a line:
 *
 * <pre>
 * {"capture": {"captureId": ..., "alertId": ..., "ruleId": ..., "containerId": ..., "from": ..., "to": ...,
 *              "sealedAt": ..., "truncated": false, "droppedEvents": 0}}
 * {"metadata": {...ContainerMetadata}}         one a metadata version
 * {"execSession": {...ExecSession}}            one a session record
 * {"event": {...FileEvent}, "container": ..., "users": [...], "sessions": [...], "enrichment": "COMPLETE"}
 *                                              one an event (the EnrichedEvent itself), in time order
 * </pre>
 *
 * The first line identifies the file; the others may come in any order (kept in their order within each kind).
 */
public final class CaptureLines {
    public static final String CAPTURE = "capture";
    public static final String METADATA = "metadata";
    public static final String EXEC_SESSION = "execSession";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Capture's fields that become lines of their own; every other field is on the first line. */
    private static final Set<String> LISTS = Set.of("metadata", "execSessions", "events");

    private CaptureLines() {
    }

    /** Writes the capture, events in time order (ties in the capture's order). */
    public static void write(Capture capture, Writer out) throws IOException {
        ObjectNode header = JsonRecords.toNode(capture);
        LISTS.forEach(header::remove);
        writeLine(out, NODES.objectNode().set(CAPTURE, header));
        for (ContainerMetadata metadata : capture.getMetadata()) {
            writeLine(out, NODES.objectNode().set(METADATA, JsonRecords.toNode(metadata)));
        }
        for (ExecSession session : capture.getExecSessions()) {
            writeLine(out, NODES.objectNode().set(EXEC_SESSION, JsonRecords.toNode(session)));
        }
        List<EnrichedEvent> events = new ArrayList<>(capture.getEvents());
        events.sort(Comparator.comparingLong(e -> e.getEvent().getTimestamp()));
        for (EnrichedEvent event : events) {
            writeLine(out, JsonRecords.toNode(event));
        }
        out.flush();
    }

    /**
     * Reads a capture strictly: blank lines are skipped; a line that is not JSON, not one of the four kinds, or
     * not a valid record fails naming {@code fileName} and the line.
     *
     * @throws IllegalArgumentException for content that is not a capture: {@code FILE:LINE: what is wrong}, its
     *                                  cause the {@link JsonRecordException} when a record did not read
     * @throws IOException              when {@code in} cannot be read
     */
    public static Capture read(BufferedReader in, String fileName) throws IOException {
        Capture capture = null;
        List<ContainerMetadata> metadata = new ArrayList<>();
        List<ExecSession> sessions = new ArrayList<>();
        List<EnrichedEvent> events = new ArrayList<>();
        String line;
        int number = 0;
        while ((line = in.readLine()) != null) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            String where = fileName + ":" + number + ": ";
            JsonNode node = parse(line, where);
            if (capture == null) {
                if (!isCaptureHeader(node)) {
                    throw new IllegalArgumentException(where + "not a capture: the first line must be {\"capture\": {...}}");
                }
                ObjectNode header = node.get(CAPTURE).deepCopy();
                LISTS.forEach(header::remove);
                capture = record(header, Capture.class, where, CAPTURE);
            } else if (node.has(CAPTURE)) {
                throw new IllegalArgumentException(where + "a second capture line; a file holds one capture");
            } else if (node.has(METADATA)) {
                metadata.add(record(node.get(METADATA), ContainerMetadata.class, where, METADATA));
            } else if (node.has(EXEC_SESSION)) {
                sessions.add(record(node.get(EXEC_SESSION), ExecSession.class, where, EXEC_SESSION));
            } else if (node.has("event")) {
                events.add(record(node, EnrichedEvent.class, where, null));
            } else {
                throw new IllegalArgumentException(where + "expected a \"metadata\", \"execSession\" or \"event\" line");
            }
        }
        if (capture == null) {
            throw new IllegalArgumentException(fileName + ": empty, not a capture");
        }
        capture.setMetadata(metadata);
        capture.setExecSessions(sessions);
        capture.setEvents(events);
        return capture;
    }

    /** Whether a (first) line of a file starts a capture, so that a reader can tell a capture from other JSON lines. */
    public static boolean startsCapture(String line) {
        try {
            return isCaptureHeader(JSON.readTree(line));
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private static boolean isCaptureHeader(JsonNode node) {
        return node != null && node.isObject() && node.size() == 1 && node.has(CAPTURE) && node.get(CAPTURE).isObject();
    }

    private static JsonNode parse(String line, String where) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + "expected a JSON object");
        }
        return node;
    }

    /** The node as a record of {@code type}; the error names the line and, for a wrapped record, its key. */
    private static <T extends SpecificRecord> T record(JsonNode node, Class<T> type, String where, String key) {
        try {
            return JsonRecords.fromNode(node, type);
        } catch (JsonRecordException e) {
            throw new IllegalArgumentException(where + (key == null ? "" : key + ": ") + e.getMessage(), e);
        }
    }

    private static void writeLine(Writer out, JsonNode node) throws IOException {
        out.write(node.toString());
        out.write('\n');
    }
}
