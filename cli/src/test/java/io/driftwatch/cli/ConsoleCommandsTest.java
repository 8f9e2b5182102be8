package io.driftwatch.cli;

import static io.driftwatch.cli.CliHelpTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.app.console.ConsoleServer;
import io.driftwatch.app.console.ConsoleSettings;
import io.driftwatch.app.console.FixtureInvestigation;
import io.driftwatch.app.query.CaptureLines;
import io.driftwatch.app.query.TrailQuery;
import io.driftwatch.model.Capture;
import io.driftwatch.model.EventType;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.Severity;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trail}, {@code incidents} and {@code capture} against a real {@link ConsoleServer} over the console's
 * {@link FixtureInvestigation} (from streams-app's test-jar): what reaches the service, what is printed, exit codes.
 */
class ConsoleCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final FixtureInvestigation FIXTURE = new FixtureInvestigation();
    static ConsoleServer server;
    static String url;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        server = ConsoleServer.start(ConsoleSettings.loopback(0), FIXTURE, FIXTURE);
        url = server.url();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        FIXTURE.reset();
    }

    @Test
    void trailPrintsATableOfTheEventsTheFiltersSelect() {
        CliHelpTest.Run trail = run("trail", "--url", url, "--user", FixtureInvestigation.ATTACKER, "--path-prefix", "/tmp/",
                "--type", "CREATE,EXEC", "--type", "chmod", "--from", "1h");
        assertEquals(0, trail.exitCode(), trail.err());
        List<String> lines = trail.out().lines().toList();
        assertTrue(lines.get(0).startsWith("TIME (UTC)") && lines.get(0).contains("CMDLINE"), lines.get(0));
        assertEquals(4, lines.size(), trail.out());
        assertTrue(lines.get(3).contains("EXEC") && lines.get(3).contains(FixtureInvestigation.HOSTILE_PATH)
                && lines.get(3).contains(FixtureInvestigation.ALERT_EXEC_TMP) && lines.get(3).contains("shop/web-7d9f")
                && lines.get(3).contains("JohnDoe") && lines.get(3).contains("c0ffee012345 "), lines.get(3));
        TrailQuery asked = FIXTURE.trailQueries().get(0);
        assertEquals(FixtureInvestigation.ATTACKER, asked.user());
        assertEquals("/tmp/", asked.pathPrefix());
        assertEquals(Set.of(EventType.CREATE, EventType.EXEC, EventType.CHMOD), asked.types());
        long hourAgo = Instant.now().minusSeconds(3600).toEpochMilli();
        assertTrue(Math.abs(asked.from() - hourAgo) < 60_000, "--from 1h is an hour ago: " + asked.from());
    }

    @Test
    void trailJsonIsOneEventALineAndAllFollowsTheCursor() throws Exception {
        CliHelpTest.Run all = run("trail", "--url", url, "--container-id", FixtureInvestigation.CONTAINER_ID, "--limit", "2",
                "--all", "--json");
        assertEquals(0, all.exitCode(), all.err());
        List<String> lines = all.out().lines().toList();
        assertEquals(7, lines.size(), all.out());
        JsonNode exec = JSON.readTree(lines.get(4));
        assertEquals("ev-05", exec.at("/event/eventId").asText());
        assertEquals(FixtureInvestigation.ALERT_EXEC_TMP, exec.at("/alertIds/0").asText());
        assertEquals(4, FIXTURE.trailQueries().size(), "four pages of two");
        assertNotNull(FIXTURE.trailQueries().get(3).cursor());

        CliHelpTest.Run first = run("trail", "--url", url, "--container-id", FixtureInvestigation.CONTAINER_ID, "--limit", "2");
        assertEquals(0, first.exitCode());
        assertEquals(3, first.out().lines().count(), "a header and the first page");
        assertTrue(first.err().startsWith("More events: add --all, or --cursor "), first.err());
    }

    @Test
    void trailErrorsFromTheApiAreASentenceAndExitOne() {
        CliHelpTest.Run bad = run("trail", "--url", url, "--type", "EXECUTE");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().startsWith("error: HTTP 400: 'type' EXECUTE is not an event type"), bad.err());
        CliHelpTest.Run usage = run("trail", "--url", url, "--limit", "many");
        assertEquals(2, usage.exitCode(), "a flag picocli cannot read is a usage error");
        CliHelpTest.Run unreachable = run("trail", "--url", "http://127.0.0.1:1");
        assertEquals(1, unreachable.exitCode());
        assertTrue(unreachable.err().contains("cannot reach the Driftwatch API at http://127.0.0.1:1"), unreachable.err());
    }

    @Test
    void valuesFromEventsReachTheTerminalWithTheirControlCharactersEscaped() throws Exception {
        JsonNode event = JSON.readTree("{\"event\": {\"eventId\": \"e\", \"timestamp\": 0, \"containerId\": \"c\","
                + " \"type\": \"CREATE\", \"path\": \"/tmp/\\u001b]0;owned\\u0007\\u009b2J\", \"processName\": \"sh\","
                + " \"cmdline\": \"echo \\u001b[31mred\"}, \"container\": null, \"users\": [\"eve\\nroot\"],"
                + " \"sessions\": [], \"alertIds\": []}");
        StringWriter table = new StringWriter();
        TrailCommand.printTable(new PrintWriter(table), List.of(event), false);
        String line = table.toString();
        assertFalse(line.chars().anyMatch(c -> c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f), line);
        assertTrue(line.contains("/tmp/\\x1b]0;owned\\x07\\xc2\\x9b2J") && line.contains("echo \\x1b[31mred")
                && line.contains("eve\\x0aroot"), line);
        String json = ConsoleClient.TERMINAL_JSON.writeValueAsString(event);
        assertFalse(json.chars().anyMatch(c -> c < 0x20 || c >= 0x7f && c <= 0x9f), json);
        assertEquals(event, JSON.readTree(json), "still the same JSON");
        assertEquals("{\"p\":\"a\\u009bb\\u007f\"}", CaptureCommand.terminalSafe("{\"p\":\"a\u009bb\u007f\"}"));
    }

    @Test
    void incidentsListShowsTheIncidentsAndTheCountsAndFilters() throws Exception {
        CliHelpTest.Run list = run("incidents", "list", "--url", url);
        assertEquals(0, list.exitCode(), list.err());
        List<String> lines = list.out().lines().toList();
        assertTrue(lines.get(0).startsWith("ID") && lines.get(0).contains("SEVERITY"), list.out());
        assertTrue(lines.get(1).startsWith(FixtureInvestigation.INCIDENT_ID) && lines.get(1).contains("CRITICAL")
                && lines.get(1).contains("shop/web-7d9f") && lines.get(1).contains("/etc/passwd was opened"), list.out());
        assertTrue(lines.get(2).startsWith(FixtureInvestigation.OTHER_INCIDENT_ID), list.out());
        assertEquals("CRITICAL 1  HIGH 1  MEDIUM 0  LOW 0  INFO 0", lines.get(lines.size() - 1));

        CliHelpTest.Run open = run("incidents", "list", "--url", url, "--status", "OPEN,CONTAINED", "--severity", "critical",
                "--namespace", "shop", "--json");
        assertEquals(0, open.exitCode(), open.err());
        assertEquals(1, open.out().lines().count());
        assertEquals(FixtureInvestigation.INCIDENT_ID, JSON.readTree(open.out()).get("incidentId").asText());
        var filter = FIXTURE.incidentFilters().get(1);
        assertEquals(List.of(IncidentStatus.OPEN, IncidentStatus.CONTAINED), filter.statuses());
        assertEquals(List.of(Severity.CRITICAL), filter.severities());
        assertEquals("shop", filter.namespace());
    }

    @Test
    void incidentsShowPrintsWhoWhatAndTheResponses() throws Exception {
        CliHelpTest.Run show = run("incidents", "show", FixtureInvestigation.INCIDENT_ID, "--url", url);
        assertEquals(0, show.exitCode(), show.err());
        String out = show.out();
        assertTrue(out.contains("Users     JohnDoe  (sessions " + FixtureInvestigation.SESSION + ")"), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("\\s+PAUSE_CONTAINER\\s+DONE\\s+node-a\\s+\\S+ \\S+\\s+"
                + "container paused \\(runc pause\\)")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("\\s+NOTIFY\\s+pending\\s+node-a")), out);
        assertTrue(out.contains("Capture   " + FixtureInvestigation.CAPTURE_ID), out);
        assertTrue(out.contains("Rules     write-etc-passwd, exec-from-tmp"), out);

        CliHelpTest.Run json = run("incidents", "show", FixtureInvestigation.INCIDENT_ID, "--url", url, "--json");
        assertEquals("CRITICAL", JSON.readTree(json.out()).get("severity").asText());

        CliHelpTest.Run missing = run("incidents", "show", "no-such-incident", "--url", url);
        assertEquals(1, missing.exitCode());
        assertEquals("error: HTTP 404: no incident 'no-such-incident'", missing.err().trim());
    }

    @Test
    void columnsThatAreEmptyInEveryRowStillPrint() {
        StringWriter out = new StringWriter();
        IncidentsCommand.printColumns(new PrintWriter(out), List.of(new String[] {"  NOTIFY", "pending", "", ""},
                new String[] {"  PAUSE_CONTAINER", "pending", "", ""}));
        assertEquals(List.of("  NOTIFY           pending", "  PAUSE_CONTAINER  pending"), out.toString().lines().toList());
    }

    @Test
    void statusChangesCarryTheUserAndTheNoteAndARefusalIsPrinted() {
        CliHelpTest.Run ack = run("incidents", "ack", FixtureInvestigation.INCIDENT_ID, "--note", "on it", "--url", url,
                "--user", "alice");
        assertEquals(0, ack.exitCode(), ack.err());
        assertEquals(FixtureInvestigation.INCIDENT_ID + " is now ACKNOWLEDGED (by local:alice)", ack.out().trim());
        assertEquals(0, run("incidents", "contain", FixtureInvestigation.INCIDENT_ID, "--note", "paused", "--url", url,
                "--user", "alice").exitCode());
        assertEquals(0, run("incidents", "false-positive", FixtureInvestigation.INCIDENT_ID, "--note", "a deploy script",
                "--url", url, "--user", "bob").exitCode());
        assertEquals(List.of(
                new FixtureInvestigation.StatusChange(FixtureInvestigation.INCIDENT_ID, IncidentStatus.ACKNOWLEDGED,
                        "local:alice", "on it"),
                new FixtureInvestigation.StatusChange(FixtureInvestigation.INCIDENT_ID, IncidentStatus.CONTAINED,
                        "local:alice", "paused"),
                new FixtureInvestigation.StatusChange(FixtureInvestigation.INCIDENT_ID, IncidentStatus.FALSE_POSITIVE,
                        "local:bob", "a deploy script")), FIXTURE.statusChanges());

        CliHelpTest.Run closed = run("incidents", "resolve", FixtureInvestigation.INCIDENT_ID, "--note", "late", "--url", url);
        assertEquals(1, closed.exitCode());
        assertEquals("error: HTTP 400: incident " + FixtureInvestigation.INCIDENT_ID + " is closed (FALSE_POSITIVE)",
                closed.err().trim());
        CliHelpTest.Run noNote = run("incidents", "contain", FixtureInvestigation.OTHER_INCIDENT_ID, "--url", url);
        assertEquals(2, noNote.exitCode());
        assertTrue(noNote.err().contains("--note"), noNote.err());
    }

    @Test
    void ackTakesADefaultNote() {
        CliHelpTest.Run ack = run("incidents", "ack", FixtureInvestigation.INCIDENT_ID, "--url", url, "--user", "alice");
        assertEquals(0, ack.exitCode(), ack.err());
        assertEquals(List.of(new FixtureInvestigation.StatusChange(FixtureInvestigation.INCIDENT_ID,
                IncidentStatus.ACKNOWLEDGED, "local:alice", "acknowledged")), FIXTURE.statusChanges());
    }

    @Test
    void stepsAndObligationsOfThePlanGoToTheirEndpoints() {
        CliHelpTest.Run step = run("incidents", "step", FixtureInvestigation.INCIDENT_ID, "rotate", "--url", url,
                "--user", "alice");
        assertEquals(0, step.exitCode(), step.err());
        assertEquals(FixtureInvestigation.INCIDENT_ID + ": step rotate is now done", step.out().trim());
        CliHelpTest.Run skipped = run("incidents", "step", FixtureInvestigation.INCIDENT_ID, "preserve", "--status",
                "skipped", "--note", "no disk", "--url", url, "--user", "bob");
        assertEquals(0, skipped.exitCode(), skipped.err());
        CliHelpTest.Run met = run("incidents", "obligation", FixtureInvestigation.INCIDENT_ID, "breach-72h", "--status",
                "met", "--note", "ref 2026-118", "--url", url, "--user", "carol");
        assertEquals(0, met.exitCode(), met.err());
        assertEquals(FixtureInvestigation.INCIDENT_ID + ": obligation breach-72h is now met", met.out().trim());
        assertEquals(List.of(
                new FixtureInvestigation.PlanChange(FixtureInvestigation.INCIDENT_ID, "step", "rotate", "done",
                        "local:alice", null),
                new FixtureInvestigation.PlanChange(FixtureInvestigation.INCIDENT_ID, "step", "preserve", "skipped",
                        "local:bob", "no disk"),
                new FixtureInvestigation.PlanChange(FixtureInvestigation.INCIDENT_ID, "obligation", "breach-72h", "met",
                        "local:carol", "ref 2026-118")), FIXTURE.planChanges());
        CliHelpTest.Run unknown = run("incidents", "step", FixtureInvestigation.INCIDENT_ID, "nope", "--url", url,
                "--user", "alice");
        assertEquals(1, unknown.exitCode());
        assertEquals("error: HTTP 404: no step 'nope'", unknown.err().trim());
        CliHelpTest.Run noStatus = run("incidents", "obligation", FixtureInvestigation.INCIDENT_ID, "breach-72h", "--url",
                url);
        assertEquals(2, noStatus.exitCode());
    }

    @Test
    void showPrintsThePlanAsText() {
        CliHelpTest.Run show = run("incidents", "show", FixtureInvestigation.INCIDENT_ID, "--url", url);
        assertEquals(0, show.exitCode(), show.err());
        String out = show.out();
        assertTrue(out.contains("Class     credential-tampering (Credentials changed in a container)"), out);
        assertTrue(out.contains("Lead      secops-oncall (Alice Ng)"), out);
        assertTrue(out.contains("Ack       not acknowledged"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("  [pending]") && l.contains("rotate")
                && l.contains(FixtureInvestigation.HOSTILE_STEP_TITLE)), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("  tier 1") && l.contains("sent")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("  tier 2") && l.contains("due")), out);
        assertTrue(out.contains("breach-72h"), out);
        assertTrue(out.lines().anyMatch(l -> l.contains("pager") && l.contains("failed")), out);
    }

    @Test
    void captureGetWritesJsonLinesThatReplayReads() throws Exception {
        CliHelpTest.Run stdout = run("capture", "get", FixtureInvestigation.CAPTURE_ID, "--url", url);
        assertEquals(0, stdout.exitCode(), stdout.err());
        Capture capture = CaptureLines.read(new BufferedReader(new StringReader(stdout.out())), "stdout");
        assertEquals(FixtureInvestigation.ALERT_PASSWD, capture.getAlertId());
        assertEquals(7, capture.getEvents().size());

        Path file = dir.resolve("capture.jsonl");
        CliHelpTest.Run toFile = run("capture", "get", FixtureInvestigation.CAPTURE_ID, "-o", file.toString(), "--url", url);
        assertEquals(0, toFile.exitCode(), toFile.err());
        assertEquals(stdout.out(), Files.readString(file));
        assertTrue(toFile.err().startsWith("Wrote " + file + " (10 lines)"), toFile.err());

        CliHelpTest.Run missing = run("capture", "get", "nope", "--url", url);
        assertEquals(1, missing.exitCode());
        assertEquals("error: HTTP 404: no capture 'nope'", missing.err().trim());
    }

    @Test
    void aTokenFromTheTokenFileAuthenticatesAndNamesTheUser() throws Exception {
        String token = "0123456789abcdef0123456789abcdef";
        Path serverTokens = Files.writeString(dir.resolve("tokens"), "carol " + token + "\n");
        Path mine = Files.writeString(dir.resolve("my-token"), "# for the console\ncarol " + token + "\n");
        FixtureInvestigation fixture = new FixtureInvestigation();
        try (ConsoleServer guarded = ConsoleServer.start(new ConsoleSettings(0, "127.0.0.1", serverTokens, null), fixture,
                fixture)) {
            CliHelpTest.Run refused = run("incidents", "list", "--url", guarded.url());
            assertEquals(1, refused.exitCode());
            assertTrue(refused.err().startsWith("error: HTTP 401: authentication required"), refused.err());
            assertEquals(0, run("incidents", "list", "--url", guarded.url(), "--token-file", mine.toString()).exitCode());
            assertEquals(0, run("trail", "--url", guarded.url(), "--token-file", mine.toString()).exitCode());
            CliHelpTest.Run ack = run("incidents", "ack", FixtureInvestigation.INCIDENT_ID, "--note", "mine", "--url",
                    guarded.url(), "--token-file", mine.toString(), "--user", "mallory");
            assertEquals(0, ack.exitCode(), ack.err());
            assertEquals("carol", fixture.statusChanges().get(0).user(), "the token's user, whatever --user says");
        }
        CliHelpTest.Run noFile = run("incidents", "list", "--url", url, "--token-file", dir.resolve("none").toString());
        assertEquals(1, noFile.exitCode());
        assertTrue(noFile.err().contains("does not exist"), noFile.err());
    }
}
