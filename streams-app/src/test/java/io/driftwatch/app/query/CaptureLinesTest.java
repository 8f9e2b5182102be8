package io.driftwatch.app.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.model.Capture;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.BufferedReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A capture as JSON lines: the layout, a round trip, and strict reading. */
class CaptureLinesTest {
    private static final long T0 = 1_795_082_400_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    static Capture capture() {
        ContainerMetadata container = ContainerMetadata.newBuilder().setContainerId("c0ffee01").setNode("node-a")
                .setRuntime("containerd").setContainerName("ledger").setImage("registry.example/ledger:1.4.2")
                .setImageDigest(null).setPodName("ledger-7d9f8-abcde").setNamespace("payments").setPodUid("uid-1")
                .setLabels(Map.of("app", "ledger")).setPrivileged(false).setStartedAt(T0 - 60_000).setStoppedAt(null)
                .setRootfs(null).setInitPid(4200).build();
        ExecSession session = ExecSession.newBuilder().setSessionId("exec-1").setUser("JohnDoe")
                .setGroups(List.of("system:authenticated")).setSourceIps(List.of("10.0.0.7")).setNamespace("payments")
                .setPodName("ledger-7d9f8-abcde").setContainerName("ledger").setContainerId("c0ffee01").setCommand("bash")
                .setStartedAt(T0).setEndedAt(T0 + 120_000).build();
        return Capture.newBuilder().setCaptureId("cap-a1").setAlertId("a1").setRuleId("DW-FIM-001")
                .setContainerId("c0ffee01").setFrom(T0 - 300_000).setTo(T0 + 300_000).setSealedAt(T0 + 301_000)
                .setMetadata(List.of(container)).setExecSessions(List.of(session))
                // Out of order on purpose: the file has them in time order.
                .setEvents(List.of(enriched("e2", T0 + 2000, "/usr/bin/dpkg", container, "JohnDoe"),
                        enriched("e1", T0 + 1000, "/tmp/x", container)))
                .setTruncated(true).setDroppedEvents(3).build();
    }

    static EnrichedEvent enriched(String id, long time, String path, ContainerMetadata container, String... users) {
        FileEvent event = FileEvent.newBuilder().setEventId(id).setTimestamp(time).setNode("node-a")
                .setContainerId("c0ffee01").setType(EventType.OPEN_WRITE).setPath(path).setMode(420).setUid(0L)
                .setGid(0L).setPid(901).setPpid(900).setProcessName("cp").setExe("/bin/cp").setCmdline("cp x y")
                .setSource("test").build();
        return EnrichedEvent.newBuilder().setEvent(event).setContainer(container).setUsers(List.of(users))
                .setSessions(users.length == 0 ? List.of() : List.of("exec-1")).setEnrichment(Enrichment.COMPLETE).build();
    }

    private static String write(Capture capture) throws Exception {
        StringWriter out = new StringWriter();
        CaptureLines.write(capture, out);
        return out.toString();
    }

    private static Capture read(String text) throws Exception {
        return CaptureLines.read(new BufferedReader(new StringReader(text)), "cap.jsonl");
    }

    @Test
    void oneLineForTheCaptureThenMetadataSessionsAndEventsInTimeOrder() throws Exception {
        Capture capture = capture();
        List<String> lines = write(capture).lines().toList();
        assertEquals(5, lines.size(), String.join("\n", lines));

        JsonNode header = JSON.readTree(lines.get(0));
        assertEquals(List.of("capture"), List.copyOf(iterable(header.fieldNames())));
        assertEquals(List.of("captureId", "alertId", "ruleId", "containerId", "from", "to", "sealedAt", "truncated",
                "droppedEvents"), List.copyOf(iterable(header.get("capture").fieldNames())));
        assertEquals(T0 - 300_000, header.get("capture").get("from").asLong());
        assertTrue(header.get("capture").get("truncated").asBoolean());

        assertEquals(JsonRecords.toNode(capture.getMetadata().get(0)), JSON.readTree(lines.get(1)).get("metadata"));
        assertEquals(JsonRecords.toNode(capture.getExecSessions().get(0)), JSON.readTree(lines.get(2)).get("execSession"));
        assertEquals(JsonRecords.write(capture.getEvents().get(1)), lines.get(3), "e1 first: the earlier event");
        assertEquals(JsonRecords.write(capture.getEvents().get(0)), lines.get(4));
        JsonNode event = JSON.readTree(lines.get(3));
        assertEquals(420, event.get("event").get("mode").asInt(), "plain JSON, not Avro's {\"int\": 420}");
        assertEquals("COMPLETE", event.get("enrichment").asText());
    }

    @Test
    void readsBackWhatItWrote() throws Exception {
        Capture capture = capture();
        Capture back = read(write(capture));
        List<EnrichedEvent> inTimeOrder = List.of(capture.getEvents().get(1), capture.getEvents().get(0));
        capture.setEvents(inTimeOrder);
        assertEquals(capture, back);
    }

    @Test
    void blankLinesAndOtherOrdersAreFine() throws Exception {
        List<String> lines = write(capture()).lines().toList();
        String shuffled = String.join("\n", lines.get(0), "", lines.get(3), lines.get(2), lines.get(4), lines.get(1)) + "\n";
        Capture back = read(shuffled);
        assertEquals(2, back.getEvents().size());
        assertEquals(1, back.getMetadata().size());
        assertEquals(1, back.getExecSessions().size());
    }

    @Test
    void aBadLineIsRefusedWithFileAndLine() throws Exception {
        List<String> lines = write(capture()).lines().toList();
        assertRefused("cap.jsonl:1: not a capture", lines.get(1) + "\n" + lines.get(0));
        assertRefused("cap.jsonl: empty", "\n\n");
        assertRefused("cap.jsonl:3: not valid JSON", lines.get(0) + "\n" + lines.get(1) + "\n{oops\n");
        assertRefused("cap.jsonl:2: metadata: missing required field 'containerId'",
                lines.get(0) + "\n" + lines.get(1).replace("\"containerId\":\"c0ffee01\",", "") + "\n");
        assertRefused("cap.jsonl:2: missing required field 'event.eventId'",
                lines.get(0) + "\n" + lines.get(3).replace("\"eventId\":\"e1\",", "") + "\n");
        assertRefused("cap.jsonl:2: expected a \"metadata\", \"execSession\" or \"event\" line",
                lines.get(0) + "\n{\"alert\": {}}\n");
        assertRefused("cap.jsonl:2: a second capture line", lines.get(0) + "\n" + lines.get(0) + "\n");
        assertRefused("cap.jsonl:1: capture: missing required field 'alertId'",
                lines.get(0).replace("\"alertId\":\"a1\",", "") + "\n");
    }

    @Test
    void tellsACaptureFromOtherJsonLines() throws Exception {
        List<String> lines = write(capture()).lines().toList();
        assertTrue(CaptureLines.startsCapture(lines.get(0)));
        assertFalse(CaptureLines.startsCapture(JsonRecords.write(capture().getEvents().get(0).getEvent())));
        assertFalse(CaptureLines.startsCapture(lines.get(3)));
        assertFalse(CaptureLines.startsCapture("not json"));
    }

    private static void assertRefused(String start, String text) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> read(text));
        assertTrue(refused.getMessage().startsWith(start), refused.getMessage());
    }

    private static <T> List<T> iterable(java.util.Iterator<T> iterator) {
        List<T> items = new java.util.ArrayList<>();
        iterator.forEachRemaining(items::add);
        return items;
    }
}
