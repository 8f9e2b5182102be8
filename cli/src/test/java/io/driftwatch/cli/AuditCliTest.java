package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.cli.CliHelpTest.Run;
import io.driftwatch.model.Alert;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code replay --format audit} and {@code ingest audit --dry-run} over the recorded runc session. */
class AuditCliTest {
    /** The adapter module's recorded samples (see LinuxAuditAdapterTest there). */
    private static final Path SAMPLES = Path.of("../adapters/src/test/resources/adapters/audit");
    private static final Path ENRICHED = SAMPLES.resolve("runc-busybox.log");
    private static final Path RAW = SAMPLES.resolve("runc-busybox-raw.log");

    @TempDir
    Path dir;

    @Test
    void replayRunsTheAuditLogThroughTheRulesAndReportsWhatItCouldNotRead() throws Exception {
        Path log = dir.resolve("audit.log");
        List<String> lines = new ArrayList<>(Files.readAllLines(ENRICHED));
        lines.add(5, "type=SYSCALL msg=audit(garbage");
        Files.write(log, lines);
        Path keys = dir.resolve("keys");
        Files.writeString(keys, "dw-dwaudit-rt1* rt1  # the watch keys of the container\n");
        Path alerts = dir.resolve("alerts.jsonl");
        Path enriched = dir.resolve("enriched.jsonl");
        Run run = CliHelpTest.run("replay", "--format", "audit", "--events", log.toString(),
                "--audit-keys", keys.toString(), "--audit-rootfs", "/tmp/rt1/bundle/rootfs=rt1", "--node", "node-a",
                "--alerts", alerts.toString(), "--enriched", enriched.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("28 file events"), run.err());
        assertTrue(run.err().contains("skipped " + log + ":6: not an audit record: 'msg=audit(' is not closed"), run.err());
        assertTrue(run.err().contains("replayed 28 events from the audit adapter"), run.err());
        assertEquals(28, Files.readAllLines(enriched).size());
        List<String> rules = new ArrayList<>();
        for (String line : Files.readAllLines(alerts)) {
            Alert alert = JsonRecords.read(line, Alert.class);
            assertEquals("rt1", alert.getContainerId());
            rules.add(alert.getRuleId() + " " + alert.getPath());
        }
        // What a shell in the container did is what the shipped rules are about.
        assertTrue(rules.stream().anyMatch(r -> r.endsWith(" /etc/passwd")), rules.toString());
        assertTrue(rules.stream().anyMatch(r -> r.endsWith(" /usr/bin/tool")), rules.toString());
        assertTrue(rules.stream().anyMatch(r -> r.endsWith(" /tmp/whoami")), rules.toString());

        Run mixed = CliHelpTest.run("replay", "--events", log.toString(), "--audit-key", "x=y",
                "--alerts", alerts.toString());
        assertEquals(2, mixed.exitCode());
        assertTrue(mixed.err().contains("go with --format audit"), mixed.err());
        Run unknown = CliHelpTest.run("replay", "--format", "falco", "--events", log.toString(),
                "--alerts", alerts.toString());
        assertEquals(2, unknown.exitCode());
    }

    @Test
    void ingestDryRunPrintsTheFileEventsAsReplayReadsThem() throws Exception {
        Run run = CliHelpTest.run("ingest", "audit", "--file", RAW.toString(), "--dry-run",
                "--audit-key", "dw-dwaudit-rt1-raw*=rt1raw");
        assertEquals(0, run.exitCode(), run.err());
        List<FileEvent> events = new ArrayList<>();
        for (String line : run.out().split("\n")) {
            events.add(JsonRecords.read(line, FileEvent.class));
        }
        assertEquals(28, events.size());
        assertTrue(events.stream().allMatch(e -> e.getContainerId().equals("rt1raw")));
        // The host's write into the container's root matched the same watch: without --audit-rootfs its path stays
        // the host's (src/adapters.md says to give both).
        assertEquals("/tmp/rt1-raw/bundle/rootfs/etc/shadow", events.get(0).getPath());
        assertTrue(run.err().contains("28 file events") && run.err().contains("28 events printed"), run.err());

        Run none = CliHelpTest.run("ingest", "audit", "--file", RAW.toString(), "--dry-run");
        assertEquals(0, none.exitCode(), none.err());
        assertTrue(none.err().contains("every event is a host event"), none.err());
        Run noBroker = CliHelpTest.run("ingest", "audit", "--file", RAW.toString());
        assertEquals(1, noBroker.exitCode());
        assertTrue(noBroker.err().contains("bootstrap.servers"), noBroker.err());
    }
}
