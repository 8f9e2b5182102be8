package io.driftwatch.app.incidents;

import static io.driftwatch.app.incidents.IncidentDriver.T0;
import static io.driftwatch.app.incidents.IncidentDriver.alert;
import static io.driftwatch.app.incidents.IncidentDriver.command;
import static io.driftwatch.app.incidents.IncidentDriver.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.IncidentResponse;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.model.Severity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncidentTopologyTest {
    private static final long MINUTE = 60_000;

    @TempDir
    Path stateDir;

    private IncidentDriver driver() {
        return driver(Map.of());
    }

    private IncidentDriver driver(Map<String, String> settings) {
        return new IncidentDriver(stateDir, settings);
    }

    /** The id DESIGN and the task fix: "inc-" and 16 hex digits of SHA-256 over group key and first alert id. */
    private static String expectedId(String groupKey, String firstAlertId) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(groupKey.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(firstAlertId.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        return "inc-" + HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    @Test
    void alertsOfTwoContainersOfOnePodFoldIntoOneIncident() throws Exception {
        try (IncidentDriver d = driver()) {
            d.pipe(alert("a1", "c1", "shop", "web-1", T0, Severity.MEDIUM, "DW-FIM-020", List.of("T1070.003"),
                    List.of("alice")));
            d.pipe(alert("a2", "c2", "shop", "web-1", T0 + 5 * MINUTE, Severity.HIGH, "DW-FIM-010",
                    List.of("T1105", "T1070.003"), List.of("bob")));
            d.pipe(alert("a3", "c1", "shop", "web-1", T0 + 6 * MINUTE, Severity.LOW, "DW-FIM-020", List.of(),
                    List.of("alice")));

            List<Incident> out = d.drain();
            assertEquals(3, out.size(), "every change goes out");
            String id = expectedId("shop/web-1", "a1");
            assertEquals(List.of(id, id, id), IncidentDriver.ids(out));
            Incident incident = out.get(2);
            assertEquals("shop/web-1", incident.getGroupKey());
            assertEquals(IncidentStatus.OPEN, incident.getStatus());
            assertEquals(Severity.HIGH, incident.getSeverity());
            assertEquals("DW-FIM-010 fired in c2", incident.getTitle(), "the message of the most severe alert");
            assertEquals(List.of("DW-FIM-010", "DW-FIM-020"), incident.getRuleIds());
            assertEquals(List.of("a1", "a2", "a3"), incident.getAlertIds());
            assertEquals(3, incident.getAlertCount());
            assertEquals(List.of("T1070.003", "T1105"), incident.getMitre());
            assertEquals(List.of("command-and-control", "defense-evasion"), incident.getTactics());
            assertEquals(List.of("alice", "bob"), incident.getUsers());
            assertEquals(List.of("session-alice", "session-bob"), incident.getSessions());
            assertEquals(List.of("c1", "c2"), incident.getContainerIds());
            assertEquals("c1", incident.getContainerId(), "the first alert's container");
            assertEquals("app-c1", incident.getContainerName());
            assertEquals("web-1", incident.getPodName());
            assertEquals("shop", incident.getNamespace());
            assertEquals("registry.example/app:1", incident.getImage());
            assertEquals("node-a", incident.getNode());
            assertEquals(T0, incident.getFirstSeen());
            assertEquals(T0 + 6 * MINUTE, incident.getLastSeen());
            assertEquals(T0 + 6 * MINUTE, incident.getUpdatedAt());
            assertEquals(1, incident.getHistory().size());
            assertEquals(IncidentUpdates.APP_USER, incident.getHistory().get(0).getUser());

            Map<String, Incident> stored = d.store(IncidentTopology.INCIDENTS_STORE);
            assertEquals(Map.of(id, incident), stored, "the store holds what went out last");
            assertEquals(Map.of("shop/web-1", id), d.store(IncidentTopology.GROUPS_STORE));
            assertEquals(Map.of("a1", id, "a2", id, "a3", id), d.store(IncidentTopology.ALERTS_STORE));
            assertEquals(3, d.counters.alertsFoldedCount());
            assertEquals(1, d.counters.openedCount());
        }
    }

    @Test
    void theSubTopologyNamesEveryNodeAndStore() {
        try (IncidentDriver d = driver()) {
            org.apache.kafka.streams.Topology topology = new org.apache.kafka.streams.Topology();
            IncidentTopology.addTo(topology, d.topics, d.settings);
            String described = topology.describe().toString();
            assertEquals(3, topology.describe().subtopologies().size(), described);
            assertTrue(described.contains("Processor: fold-incidents (stores: [incident-alerts, incident-groups, incidents, "
                    + "incident-waiting-expiry, incident-waiting-inputs])"), described);
            assertTrue(described.contains("Processor: join-commands-with-results (stores: [response-join, "
                    + "response-join-expiry])"), described);
            assertTrue(described.contains("Sink: to-incidents (topic: driftwatch.incidents)"), described);
            assertTrue(!described.contains("KSTREAM-") && !described.contains("KTABLE-"), described);
        }
    }

    @Test
    void alertsOfAContainerWithoutAPodAreGroupedByContainer() throws Exception {
        try (IncidentDriver d = driver()) {
            d.pipe(alert("a1", "c1", null, null, T0, Severity.LOW, "DW-FIM-001", List.of(), List.of()));
            d.pipe(alert("a2", "c2", null, null, T0 + 1000, Severity.LOW, "DW-FIM-001", List.of(), List.of()));
            Map<String, Incident> latest = d.latest();
            assertEquals(2, latest.size(), "two containers outside Kubernetes are two groups");
            Incident first = latest.get(expectedId("c1", "a1"));
            assertEquals("c1", first.getGroupKey());
            assertEquals(List.of("c1"), first.getContainerIds());
        }
    }

    @Test
    void anAlertAfterTheWindowStartsANewIncident() throws Exception {
        try (IncidentDriver d = driver(Map.of(IncidentSettings.WINDOW_MS, Long.toString(30 * MINUTE)))) {
            d.pipe(alert("a1", "c1", T0));
            d.pipe(alert("a2", "c1", T0 + 20 * MINUTE));
            d.pipe(alert("a3", "c1", T0 + 50 * MINUTE)); // 30 min after a2: still within the window of lastSeen
            d.pipe(alert("a4", "c1", T0 + 81 * MINUTE)); // 31 min after a3: a new incident
            d.pipe(alert("a5", "c2", T0 + 90 * MINUTE)); // another container of the pod joins the new one

            Map<String, Incident> latest = d.latest();
            String first = expectedId("shop/web-1", "a1");
            String second = expectedId("shop/web-1", "a4");
            assertEquals(List.of(first, second), List.copyOf(latest.keySet()));
            assertEquals(List.of("a1", "a2", "a3"), latest.get(first).getAlertIds());
            assertEquals(List.of("a4", "a5"), latest.get(second).getAlertIds());
            assertEquals(IncidentStatus.OPEN, latest.get(first).getStatus(), "the old one stays as it was");
            assertEquals(Map.of("shop/web-1", second), d.store(IncidentTopology.GROUPS_STORE));
        }
    }

    @Test
    void aClosedIncidentIsNotReused() throws Exception {
        try (IncidentDriver d = driver()) {
            d.pipe(alert("a1", "c1", T0));
            Incident open = d.drain().get(0);
            IncidentInput resolve = IncidentUpdates.statusChange(open, IncidentStatus.RESOLVED, "carol", "patched",
                    T0 + MINUTE);
            d.pipe(open.getGroupKey(), resolve, T0 + MINUTE);
            Incident resolved = d.drain().get(0);
            assertEquals(IncidentStatus.RESOLVED, resolved.getStatus());

            d.pipe(alert("a2", "c1", T0 + 2 * MINUTE));
            Incident next = d.drain().get(0);
            assertNotEquals(open.getIncidentId(), next.getIncidentId(), "well within the window, but the first is closed");
            assertEquals(expectedId("shop/web-1", "a2"), next.getIncidentId());
            assertEquals(List.of("a2"), next.getAlertIds());
            assertEquals(List.of("a1"), d.store(IncidentTopology.INCIDENTS_STORE).values().stream()
                    .map(i -> (Incident) i).filter(i -> i.getIncidentId().equals(open.getIncidentId())).findFirst()
                    .orElseThrow().getAlertIds());
        }
    }

    @Test
    void theLifecycleThroughTheTopicAndItsHistory() {
        try (IncidentDriver d = driver()) {
            d.pipe(alert("a1", "c1", T0));
            Incident incident = d.drain().get(0);
            String key = incident.getGroupKey();
            d.pipe(key, IncidentUpdates.statusChange(incident, IncidentStatus.ACKNOWLEDGED, "carol", "looking", T0 + 1000),
                    T0 + 1000);
            incident = d.drain().get(0);
            d.pipe(key, IncidentUpdates.statusChange(incident, IncidentStatus.CONTAINED, "carol", "pod cordoned", T0 + 2000),
                    T0 + 2000);
            incident = d.drain().get(0);
            d.pipe(key, IncidentUpdates.statusChange(incident, IncidentStatus.FALSE_POSITIVE, "dave", "a deploy", T0 + 3000),
                    T0 + 3000);
            incident = d.drain().get(0);
            assertEquals(IncidentStatus.FALSE_POSITIVE, incident.getStatus());
            List<IncidentStatusChange> history = incident.getHistory();
            assertEquals(List.of(IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED, IncidentStatus.CONTAINED,
                    IncidentStatus.FALSE_POSITIVE), history.stream().map(IncidentStatusChange::getStatus).toList());
            assertEquals(List.of("driftwatch", "carol", "carol", "dave"),
                    history.stream().map(IncidentStatusChange::getUser).toList());
            assertEquals("a deploy", history.get(3).getNote());
            assertEquals(T0 + 3000, history.get(3).getAt());
            assertEquals(T0 + 3000, incident.getUpdatedAt());
            assertEquals(3, d.counters.statusChangeCount());

            // Reopened: it is the group's latest again, so an alert within the window joins it.
            d.pipe(key, IncidentUpdates.statusChange(incident, IncidentStatus.OPEN, "dave", "it was not", T0 + 4000),
                    T0 + 4000);
            assertEquals(IncidentStatus.OPEN, d.drain().get(0).getStatus());
            d.pipe(alert("a2", "c1", T0 + 5000));
            Incident joined = d.drain().get(0);
            assertEquals(incident.getIncidentId(), joined.getIncidentId());
            assertEquals(List.of("a1", "a2"), joined.getAlertIds());
        }
    }

    @Test
    void aChangeTheLifecycleRefusesIsIgnoredAndCounted() {
        try (IncidentDriver d = driver()) {
            d.pipe(alert("a1", "c1", T0));
            Incident incident = d.drain().get(0);
            d.pipe(incident.getGroupKey(), IncidentUpdates.statusChange(incident, IncidentStatus.RESOLVED, "carol", null,
                    T0 + 1000), T0 + 1000);
            Incident resolved = d.drain().get(0);
            // Checked against an older view (OPEN → CONTAINED is allowed there), refused by the processor now.
            IncidentInput stale = IncidentUpdates.statusChange(incident, IncidentStatus.CONTAINED, "erin", null, T0 + 2000);
            d.pipe(incident.getGroupKey(), stale, T0 + 2000);
            assertTrue(d.incidents.isEmpty(), "nothing changed, nothing goes out");
            assertEquals(1, d.counters.refusedTransitionCount());
            assertEquals(resolved, d.store(IncidentTopology.INCIDENTS_STORE).get(incident.getIncidentId()));
        }
    }

    @Test
    void aCommandThenItsResultBecomeAResponseAndContainment() {
        try (IncidentDriver d = driver()) {
            Alert a1 = alert("a1", "c1", T0);
            d.pipe(a1);
            d.drain();
            ResponseCommand pause = command("cmd-pause", a1, ResponseAction.PAUSE_CONTAINER);
            d.pipe(pause);
            IncidentResponse issued = d.drain().get(0).getResponses().get(0);
            assertEquals("cmd-pause", issued.getCommandId());
            assertEquals("a1", issued.getAlertId());
            assertEquals(ResponseAction.PAUSE_CONTAINER, issued.getAction());
            assertEquals(T0, issued.getIssuedAt());
            assertNull(issued.getStatus(), "no result yet");

            d.pipe(result(pause, ResponseStatus.DONE, "paused", T0 + 2000));
            Incident contained = d.drain().get(0);
            assertEquals(1, contained.getResponses().size());
            IncidentResponse done = contained.getResponses().get(0);
            assertEquals(ResponseStatus.DONE, done.getStatus());
            assertEquals("paused", done.getDetail());
            assertEquals(T0 + 2000, done.getFinishedAt());
            assertEquals(IncidentStatus.CONTAINED, contained.getStatus(), "a pause that was done contains it");
            IncidentStatusChange auto = contained.getHistory().get(contained.getHistory().size() - 1);
            assertEquals("driftwatch", auto.getUser());
            assertEquals(T0 + 2000, auto.getAt());
            assertTrue(auto.getNote().contains("PAUSE_CONTAINER") && auto.getNote().contains("cmd-pause"), auto.getNote());
            assertEquals(1, d.counters.autoContainedCount());

            d.pipe(result(pause, ResponseStatus.DONE, "paused", T0 + 2000));
            assertTrue(d.incidents.isEmpty(), "a repeated result changes nothing");
        }
    }

    @Test
    void aResultBeforeItsCommandWaitsForIt() {
        try (IncidentDriver d = driver()) {
            Alert a1 = alert("a1", "c1", T0);
            d.pipe(a1);
            d.drain();
            ResponseCommand kill = command("cmd-kill", a1, ResponseAction.KILL_CONTAINER);
            d.pipe(result(kill, ResponseStatus.FAILED, "kill failed: no such container", T0 + 500));
            assertTrue(d.incidents.isEmpty(), "the result waits for its command");
            assertEquals(1, d.store(IncidentTopology.RESPONSE_JOIN_STORE).size());

            d.pipe(kill);
            List<Incident> out = d.drain();
            assertEquals(1, out.size(), "command and result arrive together");
            IncidentResponse response = out.get(0).getResponses().get(0);
            assertEquals(ResponseStatus.FAILED, response.getStatus());
            assertEquals("kill failed: no such container", response.getDetail());
            assertEquals(IncidentStatus.OPEN, out.get(0).getStatus(), "a failed kill contains nothing");
        }
    }

    @Test
    void aCommandAndACaptureBeforeTheirAlertWaitForIt() {
        try (IncidentDriver d = driver()) {
            Alert a1 = alert("a1", "c1", T0);
            ResponseCommand snapshot = command("cmd-snap", a1, ResponseAction.SNAPSHOT_EVIDENCE);
            d.pipe(snapshot);
            d.pipe(result(snapshot, ResponseStatus.DONE,
                    "evidence bundle /var/lib/driftwatch/evidence/c1/2026-11-20T08-00-01Z-cmd-snap: 12 files, 3456 bytes",
                    T0 + 1500));
            d.pipe("shop/web-1", IncidentInput.newBuilder().setCaptureId("cap-a1").setCaptureAlertId("a1").build(), T0);
            assertTrue(d.incidents.isEmpty(), "no incident before its alert");
            assertEquals(2, d.counters.waitingForAlertCount());

            d.pipe(a1);
            List<Incident> out = d.drain();
            assertEquals(1, out.size());
            Incident incident = out.get(0);
            assertEquals(List.of("cmd-snap"), incident.getResponses().stream().map(IncidentResponse::getCommandId).toList());
            assertEquals(ResponseStatus.DONE, incident.getResponses().get(0).getStatus());
            assertEquals(List.of("node-a:/var/lib/driftwatch/evidence/c1/2026-11-20T08-00-01Z-cmd-snap"),
                    incident.getEvidence());
            assertEquals(List.of("cap-a1"), incident.getCaptureIds());
            assertEquals(IncidentStatus.OPEN, incident.getStatus(), "a snapshot contains nothing");
            assertTrue(d.store(IncidentTopology.WAITING_STORE).isEmpty(), "nothing waits any more");
        }
    }

    @Test
    void evidenceAndCapturesAfterTheAlert() {
        try (IncidentDriver d = driver()) {
            Alert a1 = alert("a1", "c1", T0);
            d.pipe(a1);
            ResponseCommand kill = command("cmd-kill", a1, ResponseAction.KILL_CONTAINER);
            d.pipe(kill);
            d.pipe(result(kill, ResponseStatus.DONE, "evidence bundle /ev/c1/b1: 3 files, 10 bytes; then killed c1",
                    T0 + 1000));
            d.pipe("shop/web-1", IncidentInput.newBuilder().setCaptureId("cap-a1").setCaptureAlertId("a1").build(), T0);
            d.pipe("shop/web-1", IncidentInput.newBuilder().setCaptureId("cap-a1").setCaptureAlertId("a1").build(), T0);
            Map<String, Incident> latest = d.latest();
            Incident incident = latest.values().iterator().next();
            assertEquals(List.of("node-a:/ev/c1/b1"), incident.getEvidence(), "a kill that took a snapshot first");
            assertEquals(List.of("cap-a1"), incident.getCaptureIds());
            assertEquals(IncidentStatus.CONTAINED, incident.getStatus());
            assertEquals(1, d.counters.duplicateCount(), "the repeated capture");
        }
    }

    @Test
    void automaticContainmentCanBeTurnedOff() {
        try (IncidentDriver d = driver(Map.of(IncidentSettings.AUTO_CONTAIN, "false"))) {
            Alert a1 = alert("a1", "c1", T0);
            d.pipe(a1);
            ResponseCommand isolate = command("cmd-iso", a1, ResponseAction.ISOLATE_NETWORK);
            d.pipe(isolate);
            d.pipe(result(isolate, ResponseStatus.DONE, "isolated", T0 + 1000));
            Incident incident = d.latest().values().iterator().next();
            assertEquals(ResponseStatus.DONE, incident.getResponses().get(0).getStatus());
            assertEquals(IncidentStatus.OPEN, incident.getStatus());
        }
    }

    @Test
    void theJoinForgetsWhatWaitedTooLong() {
        try (IncidentDriver d = driver(Map.of(IncidentSettings.RESPONSE_WAIT_MS, Long.toString(60 * MINUTE)))) {
            Alert a1 = alert("a1", "c1", T0);
            d.pipe(a1);
            ResponseCommand lost = command("cmd-lost", a1, ResponseAction.PAUSE_CONTAINER);
            d.pipe(result(lost, ResponseStatus.DONE, "paused", T0));
            Alert a2 = alert("a2", "c1", T0 + 120 * MINUTE);
            ResponseCommand later = command("cmd-later", a2, ResponseAction.NOTIFY);
            d.pipe(later);
            d.pipe(result(later, ResponseStatus.DONE, "nothing to do", T0 + 121 * MINUTE));
            assertEquals(1, d.counters.joinExpiredCount(), "the result whose command never came within the hour");
            assertEquals(List.of("cmd-later"), List.copyOf(d.store(IncidentTopology.RESPONSE_JOIN_STORE).keySet()));
            assertEquals(1, d.store(IncidentTopology.RESPONSE_JOIN_EXPIRY_STORE).size());
        }
    }

    @Test
    void inputsWhoseAlertNeverComesAreForgotten() {
        try (IncidentDriver d = driver(Map.of(IncidentSettings.RESPONSE_WAIT_MS, Long.toString(60 * MINUTE)))) {
            d.pipe("shop/web-1", IncidentInput.newBuilder().setCaptureId("cap-x").setCaptureAlertId("never").build(), T0);
            d.pipe(alert("a1", "c1", T0 + 120 * MINUTE));
            d.pipe(alert("a2", "c1", T0 + 122 * MINUTE));
            assertEquals(1, d.counters.expiredWaitingCount());
            assertTrue(d.store(IncidentTopology.WAITING_STORE).isEmpty());
            assertTrue(d.store(IncidentTopology.WAITING_EXPIRY_STORE).isEmpty());
        }
    }

    @Test
    void malformedAndUnknownInputsAreIgnoredAndCounted() {
        try (IncidentDriver d = driver()) {
            String key = "shop/web-1";
            d.pipe(key, IncidentInput.newBuilder().build(), T0);
            d.pipe(key, IncidentInput.newBuilder().setResult(result(command("c", alert("a0", "c1", T0),
                    ResponseAction.NOTIFY), ResponseStatus.DONE, "", T0)).build(), T0);
            d.pipe(key, IncidentInput.newBuilder().setAlert(alert("a0", "c1", T0)).setCaptureId("cap").build(), T0);
            d.pipe(key, IncidentInput.newBuilder().setIncidentId("inc-0").build(), T0);
            d.pipe(key, IncidentInput.newBuilder().setCaptureId("cap").build(), T0);
            d.pipe(key, IncidentInput.newBuilder().setIncidentId("inc-missing").setStatusChange(IncidentStatusChange
                    .newBuilder().setStatus(IncidentStatus.RESOLVED).setUser("mallory").setAt(T0).build()).build(), T0);
            d.alerts.pipeInput("c1", null, T0);
            d.commands.pipeInput("node-a", null, T0);
            assertTrue(d.incidents.isEmpty());
            assertEquals(7, d.counters.malformedCount());
            assertEquals(1, d.counters.unknownIncidentCount());

            d.pipe(alert("a1", "c1", T0));
            assertEquals(1, d.drain().size(), "the task goes on");
            d.pipe(alert("a1", "c1", T0));
            assertTrue(d.incidents.isEmpty(), "an alert seen before changes nothing");
            assertEquals(1, d.counters.duplicateCount());
        }
    }

    @Test
    void theSameInputsGiveTheSameIncidents() {
        List<Incident> first;
        try (IncidentDriver d = new IncidentDriver(stateDir.resolve("one"), Map.of())) {
            feed(d);
            first = d.drain();
        }
        try (IncidentDriver d = new IncidentDriver(stateDir.resolve("two"), Map.of())) {
            feed(d);
            assertEquals(first, d.drain());
        }
        assertEquals(6, first.size());
    }

    private static void feed(IncidentDriver d) {
        Alert a1 = alert("a1", "c1", T0);
        d.pipe(a1);
        d.pipe(alert("a2", "c2", "shop", "web-1", T0 + 1000, Severity.CRITICAL, "DW-FIM-030", List.of("T1003.008"),
                List.of("alice")));
        ResponseCommand kill = command("cmd-kill", a1, ResponseAction.KILL_CONTAINER);
        d.pipe(kill);
        d.pipe(result(kill, ResponseStatus.DONE, "evidence bundle /ev/b: 1 files, 1 bytes; then killed", T0 + 3000));
        d.pipe(alert("a3", "c9", null, null, T0 + 2000, Severity.LOW, "DW-FIM-001", List.of("T1611"), List.of()));
        d.pipe("shop/web-1", IncidentInput.newBuilder().setCaptureId("cap-a2").setCaptureAlertId("a2").build(), T0 + 1000);
    }
}
