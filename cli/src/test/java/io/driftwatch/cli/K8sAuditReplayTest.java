package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.schemas.json.JsonRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code replay --k8s-audit}: a recorded audit log gives the exec sessions the events are attributed to. */
class K8sAuditReplayTest {
    private static final Path SEED = Path.of("../scenarios/seed-malware-copy");
    /** jane's shell (WebSocket, 10:00:00-10:02:00), mallory's refused exec, other requests, a later exec of admin. */
    private static final Path AUDIT = Path.of("../adapters/src/test/resources/k8s-audit/seed-scenario.jsonl");

    @TempDir
    Path out;

    private CliHelpTest.Run replay(Path alerts, Path enriched, String... extra) {
        List<String> args = new ArrayList<>(List.of("replay", "--events", SEED.resolve("events.jsonl").toString(),
                "--metadata", SEED.resolve("containers.jsonl").toString(), "--alerts", alerts.toString(),
                "--enriched", enriched.toString()));
        args.addAll(List.of(extra));
        return CliHelpTest.run(args.toArray(String[]::new));
    }

    private static <T extends SpecificRecord> List<T> read(Path file, Class<T> type) throws Exception {
        List<T> records = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            records.add(JsonRecords.read(line, type));
        }
        return records;
    }

    private static Alert alertFor(List<Alert> alerts, String eventId) {
        return alerts.stream().filter(a -> a.getEventIds().contains(eventId)).findFirst()
                .orElseThrow(() -> new AssertionError("no alert names " + eventId + ": " + alerts));
    }

    @Test
    void theAuditLogsExecUserIsOnTheAlertsOfTheShellsWrites() throws Exception {
        Path alerts = out.resolve("alerts.jsonl");
        Path enriched = out.resolve("enriched.jsonl");
        CliHelpTest.Run run = replay(alerts, enriched, "--k8s-audit", AUDIT.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("(1 container records, 4 exec-session records, 4 of them from the k8s audit log)"),
                run.err());
        List<Alert> raised = read(alerts, Alert.class);
        assertEquals(List.of("jane@example.com"), alertFor(raised, "seed-malware-copy-003").getUsers());
        assertEquals(List.of("jane@example.com"), alertFor(raised, "seed-malware-copy-004").getUsers());
        for (EnrichedEvent event : read(enriched, EnrichedEvent.class)) {
            boolean workload = event.getEvent().getPid() == 1;
            assertEquals(workload ? List.of() : List.of("jane@example.com"), event.getUsers(),
                    "workload events carry no users; mallory was refused; admin's exec came later: " + event);
        }
    }

    @Test
    void auditLogSessionsAndRecordedSessionsAreReplayedTogether() throws Exception {
        Path alerts = out.resolve("alerts.jsonl");
        CliHelpTest.Run run = replay(alerts, out.resolve("enriched.jsonl"), "--k8s-audit", AUDIT.toString(),
                "--exec-sessions", SEED.resolve("exec-sessions.jsonl").toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of("JohnDoe", "jane@example.com"), alertFor(read(alerts, Alert.class), "seed-malware-copy-003")
                .getUsers());
    }

    @Test
    void withoutTheAuditLogTheShellIsNobodys() throws Exception {
        Path alerts = out.resolve("alerts.jsonl");
        assertEquals(0, replay(alerts, out.resolve("enriched.jsonl")).exitCode());
        assertEquals(List.of(), alertFor(read(alerts, Alert.class), "seed-malware-copy-003").getUsers());
    }

    @Test
    void aLineOfTheAuditLogThatIsNoEventFailsTheReplayWithFileAndLine() throws Exception {
        Path broken = out.resolve("audit.log");
        List<String> lines = new ArrayList<>(Files.readAllLines(AUDIT));
        lines.set(2, lines.get(2).substring(0, 120));
        Files.write(broken, lines);
        CliHelpTest.Run run = replay(out.resolve("alerts.jsonl"), out.resolve("enriched.jsonl"), "--k8s-audit",
                broken.toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("error: " + broken + ":3: not valid JSON"), run.err());
        assertFalse(Files.exists(out.resolve("alerts.jsonl")));
    }
}
