package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.cli.CliHelpTest.Run;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code replay --format tetragon} and {@code ingest tetragon --dry-run}. */
class TetragonCliTest {
    /** The adapter module's sample and the container it names (see TetragonAdapterTest there). */
    static final Path TETRAGON_SAMPLE = Path.of("../adapters/src/test/resources/adapters/tetragon/file-monitoring.jsonl");
    static final String TETRAGON_POD_CONTAINER = "6b742e38ee3a212239e6d48b2954435a407af44b9a354bdf540db22f460ab40e";

    @TempDir
    Path dir;

    @Test
    void replayTakesTheContainersFromTheEventsAndGoesOnPastMalformedLines() throws Exception {
        Path export = dir.resolve("tetragon.log");
        List<String> lines = new ArrayList<>(Files.readAllLines(TETRAGON_SAMPLE));
        lines.add(2, "{\"process_kprobe\": not json");
        Files.write(export, lines);
        Path alerts = dir.resolve("alerts.jsonl");
        Path enriched = dir.resolve("enriched.jsonl");
        Run run = CliHelpTest.run("replay", "--format", "tetragon", "--events", export.toString(),
                "--alerts", alerts.toString(), "--enriched", enriched.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("skipped " + export + ":3: not valid JSON"), run.err());
        assertTrue(run.err().contains("replayed 21 events from the tetragon adapter (3 container records"), run.err());
        List<EnrichedEvent> trail = new ArrayList<>();
        for (String line : Files.readAllLines(enriched)) {
            trail.add(JsonRecords.read(line, EnrichedEvent.class));
        }
        assertEquals(21, trail.size());
        EnrichedEvent write = trail.stream().filter(e -> e.getEvent().getPath().equals("/etc/passwd")
                && e.getEvent().getType().toString().equals("MODIFY")).findFirst().orElseThrow();
        assertEquals(Enrichment.COMPLETE, write.getEnrichment());
        assertEquals("file-access", write.getContainer().getPodName());
        assertEquals("docker.io/library/busybox:latest", write.getContainer().getImage());
        List<String> fired = new ArrayList<>();
        for (String line : Files.readAllLines(alerts)) {
            Alert alert = JsonRecords.read(line, Alert.class);
            fired.add(alert.getRuleId() + " " + alert.getPath() + " " + alert.getPodName());
        }
        assertTrue(fired.stream().anyMatch(f -> f.contains(" /etc/passwd file-access")), fired.toString());
        assertTrue(fired.stream().anyMatch(f -> f.contains(" /usr/bin/kubectl file-access")), fired.toString());
    }

    @Test
    void ingestDryRunPrintsEventsAndWritesTheContainers() throws Exception {
        Path containers = dir.resolve("containers.jsonl");
        Run run = CliHelpTest.run("ingest", "tetragon", "--file", TETRAGON_SAMPLE.toString(), "--dry-run",
                "--metadata-out", containers.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(21, run.out().split("\n").length);
        JsonRecords.read(run.out().split("\n")[0], FileEvent.class);
        List<String> metadata = Files.readAllLines(containers);
        assertEquals(3, metadata.size());
        assertEquals(TETRAGON_POD_CONTAINER, JsonRecords.read(metadata.get(0), ContainerMetadata.class)
                .getContainerId());
        assertTrue(run.err().contains("21 events printed, 3 container records written to " + containers), run.err());
    }
}
