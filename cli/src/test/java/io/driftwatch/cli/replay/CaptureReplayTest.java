package io.driftwatch.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.query.CaptureLines;
import io.driftwatch.cli.CliHelpTest;
import io.driftwatch.model.Alert;
import io.driftwatch.model.Capture;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.CaptureRequest;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A capture replays unchanged: the trail of a replayed scenario, written as the capture download is, gives the
 * same alerts (same ids) and commands when replayed again, through the API and through the command line.
 */
class CaptureReplayTest {
    private static final Path SCENARIOS = Path.of("../scenarios");
    /** The demo's seed scenario. */
    private static final Path SEED = Path.of("../streams-app/src/main/resources/io/driftwatch/app/demo");
    private static final long FIVE_MINUTES = 5 * 60_000L;
    private static final RuleSet RULES = RuleSet.builtIn();

    @TempDir
    Path work;

    static Stream<Path> scenarios() throws IOException {
        List<Path> all = new ArrayList<>();
        all.add(SEED);
        try (Stream<Path> dirs = Files.list(SCENARIOS)) {
            dirs.filter(d -> Files.exists(d.resolve("events.jsonl"))).sorted().forEach(all::add);
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void aCaptureOfTheTrailGivesTheSameAlerts(Path scenario) throws Exception {
        ReplayInput original = ReplayInput.read(scenario.resolve("events.jsonl"), existing(scenario.resolve("containers.jsonl")),
                existing(scenario.resolve("exec-sessions.jsonl")));
        ReplayOutput first = Replay.run(original, RULES, work);
        assertFalse(first.alerts().isEmpty(), "the scenario raises alerts");

        Path file = work.resolve("capture.jsonl");
        writeCapture(file, sealed(original, first));
        assertTrue(ReplayInput.isCapture(file));

        ReplayInput fromCapture = ReplayInput.read(file, null, null);
        assertEquals(original.events().size(), fromCapture.events().size());
        assertEquals(original.metadata().size(), fromCapture.metadata().size());
        assertEquals(original.sessions().size(), fromCapture.sessions().size());
        ReplayOutput again = Replay.run(fromCapture, RULES, work);
        assertEquals(alertIds(first.alerts()), alertIds(again.alerts()));
        assertEquals(first.commands().stream().map(ResponseCommand::getCommandId).sorted().toList(),
                again.commands().stream().map(ResponseCommand::getCommandId).sorted().toList());
        assertEquals(first.enriched().stream().map(e -> JsonRecords.write(e)).sorted().toList(),
                again.enriched().stream().map(e -> JsonRecords.write(e)).sorted().toList(), "enriched alike");
    }

    @Test
    void theCommandLineTakesACaptureAsEventsOrAsCapture() throws Exception {
        ReplayInput original = ReplayInput.read(SEED.resolve("events.jsonl"), SEED.resolve("containers.jsonl"),
                SEED.resolve("exec-sessions.jsonl"));
        ReplayOutput first = Replay.run(original, RULES, work);
        Path file = work.resolve("cap.jsonl");
        writeCapture(file, sealed(original, first));

        for (String option : List.of("--events", "--capture")) {
            Path alerts = work.resolve("alerts" + option + ".jsonl");
            CliHelpTest.Run run = CliHelpTest.run("replay", option, file.toString(), "--alerts", alerts.toString());
            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.err().contains("replayed 6 events from capture " + file + " (1 container records, 1 exec-session"),
                    run.err());
            List<String> ids = new ArrayList<>();
            for (String line : Files.readAllLines(alerts)) {
                ids.add(JsonRecords.read(line, Alert.class).getAlertId());
            }
            assertEquals(alertIds(first.alerts()), ids.stream().sorted().toList(), option);
        }

        CliHelpTest.Run notACapture = CliHelpTest.run("replay", "--capture", SEED.resolve("events.jsonl").toString(),
                "--alerts", work.resolve("x.jsonl").toString());
        assertEquals(1, notACapture.exitCode());
        assertTrue(notACapture.err().contains("not a capture"), notACapture.err());

        CliHelpTest.Run neither = CliHelpTest.run("replay", "--alerts", work.resolve("x.jsonl").toString());
        assertEquals(2, neither.exitCode());

        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.set(3, lines.get(3).replace("\"eventId\"", "\"eventID\""));
        Path broken = work.resolve("broken.jsonl");
        Files.write(broken, lines);
        CliHelpTest.Run bad = CliHelpTest.run("replay", "--events", broken.toString(), "--alerts", work.resolve("y.jsonl").toString());
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains(broken + ":4: missing required field 'event.eventId'"), bad.err());
    }

    /**
     * The capture the streams app would seal for the first alert: the container's trail from five minutes before
     * the first event to five after the last, with the container's metadata and exec sessions.
     */
    static Capture sealed(ReplayInput input, ReplayOutput output) {
        Alert alert = output.alerts().get(0);
        long first = input.events().stream().mapToLong(FileEvent::getTimestamp).min().orElseThrow();
        long last = input.events().stream().mapToLong(FileEvent::getTimestamp).max().orElseThrow();
        List<EnrichedEvent> trail = output.enriched().stream()
                .filter(e -> e.getEvent().getContainerId().equals(alert.getContainerId()))
                .sorted(Comparator.comparingLong(e -> e.getEvent().getTimestamp())).toList();
        return Capture.newBuilder()
                .setCaptureId(CaptureRequest.idFor(alert.getAlertId()))
                .setAlertId(alert.getAlertId())
                .setRuleId(alert.getRuleId())
                .setContainerId(alert.getContainerId())
                .setFrom(first - FIVE_MINUTES)
                .setTo(last + FIVE_MINUTES)
                .setSealedAt(last + FIVE_MINUTES + 1)
                .setMetadata(input.metadata().stream().filter(m -> m.getContainerId().equals(alert.getContainerId())).toList())
                .setExecSessions(input.sessions())
                .setEvents(trail)
                .setTruncated(false)
                .setDroppedEvents(0)
                .build();
    }

    static void writeCapture(Path file, Capture capture) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            CaptureLines.write(capture, out);
        }
    }

    private static List<String> alertIds(List<Alert> alerts) {
        return alerts.stream().map(Alert::getAlertId).sorted().toList();
    }

    private static Path existing(Path file) {
        return Files.exists(file) ? file : null;
    }
}
