package io.driftwatch.adapters.k8saudit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.adapters.k8saudit.ExecSessionExtractor.Kind;
import io.driftwatch.adapters.k8saudit.ExecSessionExtractor.Update;
import io.driftwatch.model.ExecSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The adapter's reading of realistic audit logs (src/test/resources/k8s-audit). */
class ExecSessionExtractorTest {
    static final Path DIR = Path.of("src/test/resources/k8s-audit");
    private static final Duration HOLD = Duration.ofSeconds(1);
    private static final Duration IDLE = Duration.ofHours(1);

    /** What one log gives, with the problems reported. */
    record Result(List<Update> updates, List<String> problems, AuditLogProcessor processor) {
        ExecSession session(int i) {
            return updates.get(i).session();
        }

        List<Kind> kinds() {
            return updates.stream().map(Update::kind).toList();
        }

        ExecSessionExtractor.Counts counts() {
            return processor.extractor().counts();
        }

        String summary() {
            return processor.summary();
        }
    }

    static Result read(String file, Duration hold, String... moreFiles) throws Exception {
        List<Update> updates = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        AuditLogProcessor processor = new AuditLogProcessor(new ExecSessionExtractor(hold, IDLE), updates::add,
                (where, message) -> problems.add(where + ": " + message));
        List<String> files = new ArrayList<>(List.of(file));
        files.addAll(List.of(moreFiles));
        for (String name : files) {
            Path path = DIR.resolve(name);
            List<String> lines = Files.readAllLines(path);
            for (int i = 0; i < lines.size(); i++) {
                processor.line(path + ":" + (i + 1), lines.get(i));
            }
        }
        processor.finish();
        return new Result(updates, problems, processor);
    }

    static Result read(String file) throws Exception {
        return read(file, HOLD);
    }

    static long millis(String rfc3339) {
        return AuditEventParser.epochMillis(rfc3339);
    }

    @Test
    void newerKubectlExecsWithVerbGetOverWebSocket() throws Exception {
        Result result = read("exec-websocket.jsonl");
        assertEquals(List.of(Kind.OPENED, Kind.CLOSED), result.kinds());
        ExecSession open = result.session(0);
        assertEquals("6f0c9b1e-3c53-4b7a-9d55-1f1b2f6c0a01", open.getSessionId(), "sessionId is the auditID");
        assertEquals("jane@example.com", open.getUser());
        assertEquals(List.of("sre", "system:authenticated"), open.getGroups());
        assertEquals(List.of("203.0.113.10", "10.0.0.7"), open.getSourceIps());
        assertEquals("payments-java", open.getNamespace());
        assertEquals("ledger-7d9f8-abcde", open.getPodName());
        assertEquals("ledger", open.getContainerName());
        assertNull(open.getContainerId());
        assertEquals("/bin/bash", open.getCommand());
        assertEquals(millis("2026-11-19T10:00:00.412Z"), open.getStartedAt(), "requestReceivedTimestamp, micros truncated");
        assertNull(open.getEndedAt());
        assertEquals("payments-java/ledger-7d9f8-abcde", result.updates().get(0).key());
        assertEquals(open.getStartedAt(), result.updates().get(0).time());

        ExecSession closed = result.session(1);
        assertEquals(open.getSessionId(), closed.getSessionId());
        assertEquals(open.getStartedAt(), closed.getStartedAt());
        assertEquals(millis("2026-11-19T10:02:00.731Z"), closed.getEndedAt(), "ResponseComplete's stageTimestamp");
        assertEquals(closed.getEndedAt(), result.updates().get(1).time(), "a closing update's time is endedAt");
        assertEquals("payments-java/ledger-7d9f8-abcde", result.updates().get(1).key());
        assertEquals(3, result.counts().execEvents());
        assertTrue(result.problems().isEmpty(), result.problems().toString());
    }

    @Test
    void olderKubectlExecsWithVerbCreateOverSpdyAndTheCommandIsDecoded() throws Exception {
        Result result = read("exec-spdy-create.jsonl");
        assertEquals(List.of(Kind.OPENED, Kind.CLOSED), result.kinds());
        assertEquals("kubernetes-admin", result.session(0).getUser());
        assertEquals("sh -c cat /etc/shadow > /tmp/s", result.session(0).getCommand());
        assertEquals(List.of("192.168.49.1"), result.session(0).getSourceIps());
        assertEquals(millis("2026-11-19T10:05:10.100Z"), result.session(1).getStartedAt());
        assertEquals(millis("2026-11-19T10:05:11.020Z"), result.session(1).getEndedAt());
    }

    @Test
    void withoutResponseStartedARequestReceivedAndItsCompletionGiveOneWholeSession() throws Exception {
        Result result = read("request-received-and-complete.jsonl");
        assertEquals(List.of(Kind.COMPLETE, Kind.OPENED), result.kinds());
        ExecSession whole = result.session(0);
        assertEquals("dev-bob", whole.getUser());
        assertEquals(millis("2026-11-19T11:00:00.000Z"), whole.getStartedAt());
        assertEquals(millis("2026-11-19T11:00:00.912Z"), whole.getEndedAt());
        assertEquals(whole.getStartedAt(), result.updates().get(0).time(), "a whole session counts from its start");
        assertNull(whole.getContainerName(), "no container= in the URI: the pod's default container, not named");
        assertEquals("id", whole.getCommand());
        assertEquals("shop/cart-5c7d-x2x9q", result.updates().get(0).key());

        ExecSession stillRunning = result.session(1);
        assertEquals("9b2e4c11-0f6a-4d3e-b1c7-2d8e3f4a5b04", stillRunning.getSessionId());
        assertEquals(millis("2026-11-19T11:03:00.250Z"), stillRunning.getStartedAt(), "opened at the end of the log");
        assertNull(stillRunning.getEndedAt());
        assertEquals("cart", stillRunning.getContainerName());
        assertEquals(2, result.counts().opened());
        assertEquals(1, result.counts().closed());
    }

    @Test
    void aRequestReceivedOpensItsSessionOnceTheLogHasMovedPastTheHold() throws Exception {
        // Without hold the session opens at once and the completion is a closing update.
        Result noHold = read("request-received-and-complete.jsonl", Duration.ZERO);
        assertEquals(List.of(Kind.OPENED, Kind.CLOSED, Kind.OPENED), noHold.kinds());
        assertEquals(millis("2026-11-19T11:00:00.912Z"), noHold.session(1).getEndedAt());

        // With the default hold, a later line of the log (an hour on) releases the second request before the end.
        ExecSessionExtractor extractor = new ExecSessionExtractor(HOLD, IDLE);
        List<Update> updates = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve("request-received-and-complete.jsonl"))) {
            for (AuditEvent event : AuditEventParser.parse(line).events()) {
                updates.addAll(extractor.accept(event));
            }
        }
        assertEquals(1, updates.size());
        assertEquals(1, extractor.heldRequests());
        List<Update> released = extractor.advanceTo(millis("2026-11-19T11:03:01.250Z"));
        assertEquals(1, released.size());
        assertEquals(Kind.OPENED, released.get(0).kind());
        assertEquals(millis("2026-11-19T11:03:00.250Z"), released.get(0).time());
        assertEquals(0, extractor.heldRequests());
        assertTrue(extractor.finish().isEmpty());
    }

    @Test
    void aRefusedOrFailedExecIsNoSessionButIsCounted() throws Exception {
        Result result = read("refused-403.jsonl");
        assertTrue(result.updates().isEmpty(), result.updates().toString());
        assertEquals(2, result.counts().refused(), "403 Forbidden, and 400 for a container the pod does not have");
        assertTrue(result.summary().contains("2 exec requests refused or failed"), result.summary());
    }

    @Test
    void webhookEventListsAreReadItemByItem() throws Exception {
        Result result = read("webhook-eventlist.jsonl");
        assertEquals(List.of(Kind.OPENED, Kind.CLOSED), result.kinds());
        assertEquals("e7f8a9b0-1c2d-4e3f-8a9b-0c1d2e3f4a07", result.session(0).getSessionId());
        assertEquals(millis("2026-11-19T12:09:41.000Z"), result.session(1).getEndedAt());
        assertEquals(1, result.counts().skippedOther(), "the pods list in the first batch");
        assertEquals(3, result.counts().auditEvents());
        assertEquals(2, result.processor().lines());
    }

    @Test
    void otherRequestsAndAttachAreSkipped() throws Exception {
        Result result = read("non-exec.jsonl");
        assertTrue(result.updates().isEmpty(), result.updates().toString());
        assertEquals(1, result.counts().skippedAttach());
        assertEquals(3, result.counts().skippedOther(), "pods get, pods/log, configmaps update");
        assertEquals(0, result.processor().malformed());
    }

    @Test
    void malformedLinesAreCountedWithFileAndLineAndTheRestIsRead() throws Exception {
        Result result = read("malformed.jsonl");
        assertEquals(List.of(Kind.OPENED, Kind.CLOSED), result.kinds(), "the good lines around the bad ones");
        assertEquals(5, result.processor().malformed(), result.problems().toString());
        String file = DIR.resolve("malformed.jsonl").toString();
        List<String> problems = result.problems();
        assertTrue(problems.get(0).startsWith(file + ":2: not valid JSON"), problems.get(0));
        assertTrue(problems.get(1).startsWith(file + ":4: not valid JSON"), problems.get(1));
        assertTrue(problems.get(2).startsWith(file + ":5: not an audit event (kind 'Status')"), problems.get(2));
        assertTrue(problems.get(3).startsWith(file + ":6: pods/exec audit event f0f1f2f3-a4a5-4b6c-8d7e-8f9a0b1c2d12 has "
                + "neither requestReceivedTimestamp nor stageTimestamp"), problems.get(3));
        assertTrue(problems.get(4).startsWith(file + ":7: 'requestReceivedTimestamp' is not an RFC 3339 time"),
                problems.get(4));
    }

    @Test
    void anImpersonatedUserIsTheSessionsUserAndTheAuthenticatedOneIsKeptInGroups() throws Exception {
        Result result = read("impersonation.jsonl");
        assertEquals(List.of(Kind.OPENED, Kind.CLOSED, Kind.OPENED), result.kinds());
        ExecSession viaProxy = result.session(0);
        assertEquals("alice@example.com", viaProxy.getUser());
        assertEquals(List.of("sre-oncall", "system:authenticated",
                "impersonated-by:system:serviceaccount:teleport:teleport-kube-agent"), viaProxy.getGroups());
        assertEquals(List.of("198.51.100.7", "10.0.3.14"), viaProxy.getSourceIps());
        ExecSession viaAs = result.session(2);
        assertEquals("system:serviceaccount:payments-java:ledger", viaAs.getUser());
        assertEquals(List.of("impersonated-by:kubernetes-admin"), viaAs.getGroups());
        assertEquals("env", viaAs.getCommand());
    }

    @Test
    void commandsAreUrlDecodedAndJoinedBySpaces() throws Exception {
        Result result = read("url-encoded.jsonl");
        assertEquals(1, result.updates().size());
        assertEquals("sh -c echo 'héllo wörld' | tee /tmp/a b; expr 1 + 1", result.session(0).getCommand());
    }

    @Test
    void theSameStagesSeenAgainAreIgnored() throws Exception {
        Result result = read("exec-websocket.jsonl", HOLD, "exec-websocket.jsonl", "refused-403.jsonl",
                "refused-403.jsonl");
        assertEquals(List.of(Kind.OPENED, Kind.CLOSED), result.kinds(), result.updates().toString());
        assertEquals(3 + 3, result.counts().repeated());
        assertEquals(2, result.counts().refused());
    }

    @Test
    void anOpenSessionIsForgottenAfterTheIdleBoundAndALateEndStillCloses() throws Exception {
        List<String> lines = Files.readAllLines(DIR.resolve("exec-websocket.jsonl"));
        ExecSessionExtractor extractor = new ExecSessionExtractor(HOLD, Duration.ofMinutes(1));
        List<Update> updates = new ArrayList<>();
        for (String line : lines.subList(0, 2)) {
            updates.addAll(extractor.accept(AuditEventParser.parse(line).events().get(0)));
        }
        assertEquals(List.of(Kind.OPENED), updates.stream().map(Update::kind).toList());
        assertEquals(1, extractor.openSessions());
        extractor.advanceTo(millis("2026-11-19T10:01:00.411Z"));
        assertEquals(1, extractor.openSessions(), "not yet a minute");
        extractor.advanceTo(millis("2026-11-19T10:01:00.412Z"));
        assertEquals(0, extractor.openSessions());
        assertEquals(1, extractor.counts().expired());
        List<Update> late = extractor.accept(AuditEventParser.parse(lines.get(2)).events().get(0));
        assertEquals(1, late.size());
        assertEquals(Kind.CLOSED, late.get(0).kind(), "the forgotten session is still remembered for its end");
        assertEquals(millis("2026-11-19T10:00:00.412Z"), late.get(0).session().getStartedAt());
        assertEquals(millis("2026-11-19T10:02:00.731Z"), late.get(0).session().getEndedAt());
    }

    @Test
    void anEndWhoseStartWasNeverSeenGivesTheWholeSession() throws Exception {
        // The log began after the start, or the start was forgotten long ago.
        String end = Files.readAllLines(DIR.resolve("exec-websocket.jsonl")).get(2);
        List<Update> late = new ExecSessionExtractor(HOLD, IDLE).accept(AuditEventParser.parse(end).events().get(0));
        assertEquals(Kind.COMPLETE, late.get(0).kind(), "start and end in one record");
        assertEquals(millis("2026-11-19T10:00:00.412Z"), late.get(0).session().getStartedAt());
        assertEquals(millis("2026-11-19T10:02:00.731Z"), late.get(0).session().getEndedAt());
    }

    @Test
    void panicClosesAnOpenSessionAndIsARefusalBeforeOne() throws Exception {
        String started = Files.readAllLines(DIR.resolve("exec-websocket.jsonl")).get(1);
        String panic = started.replace("\"ResponseStarted\"", "\"Panic\"").replace("\"code\":101", "\"code\":500");
        ExecSessionExtractor extractor = new ExecSessionExtractor(HOLD, IDLE);
        assertEquals(Kind.OPENED, extractor.accept(AuditEventParser.parse(started).events().get(0)).get(0).kind());
        List<Update> closed = extractor.accept(AuditEventParser.parse(panic).events().get(0));
        assertEquals(Kind.CLOSED, closed.get(0).kind());

        ExecSessionExtractor other = new ExecSessionExtractor(HOLD, IDLE);
        assertTrue(other.accept(AuditEventParser.parse(panic).events().get(0)).isEmpty());
        assertEquals(1, other.counts().refused());
    }

    @Test
    void anEventWithoutObjectRefIsPlacedByItsRequestPath() throws Exception {
        String line = "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"x1\","
                + "\"stage\":\"ResponseStarted\",\"requestURI\":\"/api/v1/namespaces/ns1/pods/web-0/exec?command=ls"
                + "\\u0026container=web\",\"verb\":\"get\",\"user\":{\"username\":\"u\"},"
                + "\"responseStatus\":{\"metadata\":{},\"code\":101},"
                + "\"requestReceivedTimestamp\":\"2026-11-19T10:00:00.000001+01:00\","
                + "\"stageTimestamp\":\"2026-11-19T10:00:00.100000+01:00\"}";
        ExecSessionExtractor extractor = new ExecSessionExtractor(HOLD, IDLE);
        Update update = extractor.accept(AuditEventParser.parse(line).events().get(0)).get(0);
        assertEquals("ns1/web-0", update.key());
        assertEquals("web", update.session().getContainerName());
        assertEquals("ls", update.session().getCommand());
        assertEquals(List.of(), update.session().getGroups());
        assertEquals(millis("2026-11-19T09:00:00Z"), update.session().getStartedAt(), "an offset is honoured");
    }

    @Test
    void anExecEventWithoutPodIsRefusedAndOtherKindsAreNotEvents() {
        ExecSessionExtractor extractor = new ExecSessionExtractor(HOLD, IDLE);
        AuditParseException noPod = assertThrows(AuditParseException.class, () -> extractor.accept(
                AuditEventParser.parse("{\"auditID\":\"a\",\"stage\":\"ResponseStarted\",\"objectRef\":"
                        + "{\"resource\":\"pods\",\"subresource\":\"exec\",\"namespace\":\"n\"},"
                        + "\"stageTimestamp\":\"2026-11-19T10:00:00Z\"}").events().get(0)));
        assertTrue(noPod.getMessage().contains("names no namespace and pod"), noPod.getMessage());
        assertThrows(AuditParseException.class, () -> AuditEventParser.parse("[1,2]"));
        assertThrows(AuditParseException.class, () -> AuditEventParser.parse("{\"kind\":\"Event\",\"stage\":\"x\"}"));
        assertThrows(AuditParseException.class, () -> AuditEventParser.parse("{\"kind\":\"EventList\",\"items\":{}}"));
    }
}
