package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.ExecSession;
import io.driftwatch.schemas.json.JsonRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ingest k8s-audit} without a broker: --dry-run prints what it would produce. */
class IngestCommandTest {
    private static final Path AUDIT = Path.of("../adapters/src/test/resources/k8s-audit");

    @TempDir
    Path dir;

    private static List<ExecSession> sessions(String out) throws Exception {
        List<ExecSession> sessions = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                sessions.add(JsonRecords.read(line, ExecSession.class));
            }
        }
        return sessions;
    }

    @Test
    void dryRunPrintsExecSessionsAsReplayReadsThemAndASummary() throws Exception {
        Path log = dir.resolve("audit.log");
        for (String name : List.of("exec-websocket.jsonl", "refused-403.jsonl", "non-exec.jsonl", "malformed.jsonl")) {
            Files.write(log, Files.readAllLines(AUDIT.resolve(name)), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        CliHelpTest.Run run = CliHelpTest.run("ingest", "k8s-audit", "--file", log.toString(), "--dry-run");
        assertEquals(0, run.exitCode(), run.err());
        List<ExecSession> sessions = sessions(run.out());
        assertEquals(4, sessions.size(), run.out());
        assertEquals("jane@example.com", sessions.get(0).getUser());
        assertEquals(null, sessions.get(0).getEndedAt());
        assertTrue(sessions.get(1).getEndedAt() != null);
        // malformed.jsonl starts at line 3 + 3 + 4 + 1 = 11 of the combined log
        assertTrue(run.err().contains("skipped " + log + ":12: not valid JSON"), run.err());
        assertTrue(run.err().contains("skipped " + log + ":15: not an audit event (kind 'Status')"), run.err());
        assertTrue(run.err().contains("2 exec requests refused or failed"), run.err());
        assertTrue(run.err().contains("sessions opened, ") && run.err().contains("5 malformed lines")
                && run.err().contains("1 pods/attach events") && run.err().contains("4 records printed"), run.err());
    }

    @Test
    void aMissingFileIsAnErrorAndWithoutDryRunTheBrokerIsRequired() throws Exception {
        CliHelpTest.Run missing = CliHelpTest.run("ingest", "k8s-audit", "--file", dir.resolve("nope.log").toString());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("nope.log") && missing.err().contains("audit log not found"), missing.err());
        CliHelpTest.Run noBroker = CliHelpTest.run("ingest", "k8s-audit", "--file",
                AUDIT.resolve("exec-websocket.jsonl").toString());
        assertEquals(1, noBroker.exitCode());
        assertTrue(noBroker.err().startsWith("error: Missing configuration 'bootstrap.servers'"), noBroker.err());
        CliHelpTest.Run badHold = CliHelpTest.run("ingest", "k8s-audit", "--dry-run", "--file",
                AUDIT.resolve("exec-websocket.jsonl").toString(), "-Ddriftwatch.k8saudit.start.hold.ms=soon");
        assertEquals(1, badHold.exitCode());
        assertTrue(badHold.err().contains("driftwatch.k8saudit.start.hold.ms"), badHold.err());
    }

    @Test
    void followTailsTheFileThroughRotationAndStopsCleanly() throws Exception {
        Path log = dir.resolve("kube-apiserver-audit.log");
        List<String> websocket = Files.readAllLines(AUDIT.resolve("exec-websocket.jsonl"));
        List<String> spdy = Files.readAllLines(AUDIT.resolve("exec-spdy-create.jsonl"));
        Files.writeString(log, websocket.get(0) + "\n" + websocket.get(1) + "\n");
        CompletableFuture<CliHelpTest.Run> running = CompletableFuture.supplyAsync(() -> CliHelpTest.run("ingest",
                "k8s-audit", "--file", log.toString(), "--follow", "--from-start", "--dry-run", "--duration", "4",
                "--progress", "1", "-Ddriftwatch.exec.session.idle.ms=" + java.time.Duration.ofDays(3650).toMillis()));
        Thread.sleep(1200);
        // The API server's log backend rotates: the file is renamed and a new one started.
        Files.writeString(log, websocket.get(2) + "\n" + spdy.get(0).substring(0, 100), StandardOpenOption.APPEND);
        Files.move(log, dir.resolve("kube-apiserver-audit-2026-11-19T10-03-00.000.log"));
        Thread.sleep(600);
        Files.writeString(log, spdy.get(0) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
        Thread.sleep(600);
        Files.writeString(log, spdy.get(1) + "\n" + spdy.get(1).substring(0, 50), StandardOpenOption.APPEND);
        CliHelpTest.Run run = running.get();
        assertEquals(0, run.exitCode(), run.err());
        List<ExecSession> sessions = sessions(run.out());
        assertEquals(4, sessions.size(), run.out() + run.err());
        assertEquals(List.of("jane@example.com", "jane@example.com", "kubernetes-admin", "kubernetes-admin"),
                sessions.stream().map(ExecSession::getUser).toList());
        assertTrue(run.err().contains("following " + log), run.err());
        assertTrue(run.err().contains("progress: "), run.err());
        assertTrue(run.err().contains("file rotated 1x"), run.err());
        // The half-written line left in the rotated file is reported where it was, not taken for an event.
        assertTrue(run.err().contains("skipped " + log + ":4: not valid JSON"), run.err());
        assertTrue(run.err().contains("2 sessions opened, 2 closed, 0 still open"), run.err());
    }
}
