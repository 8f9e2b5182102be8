package io.driftwatch.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.rules.RuleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every folder of scenarios/ through replay, held to its expected.json. */
class ScenarioReplayTest {
    private static final Path SCENARIOS = Path.of("../scenarios");
    private static final RuleSet RULES = RuleSet.builtIn();

    @TempDir
    Path work;

    static Stream<Path> scenarios() throws IOException {
        try (Stream<Path> dirs = Files.list(SCENARIOS)) {
            List<Path> all = dirs.filter(d -> Files.exists(d.resolve("expected.json"))).sorted().toList();
            assertFalse(all.isEmpty(), "no scenarios under " + SCENARIOS.toAbsolutePath());
            return all.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void holdsItsExpectations(Path scenario) throws Exception {
        ReplayInput input = ReplayInput.read(scenario.resolve("events.jsonl"), existing(scenario.resolve("containers.jsonl")),
                existing(scenario.resolve("exec-sessions.jsonl")));
        ReplayOutput output = Replay.run(input, baselines(scenario), RULES, work, java.util.Map.of());
        assertEquals(input.events().size(), output.enriched().size(), "every event reaches the audit trail");
        List<String> failures = ScenarioExpectations.read(scenario.resolve("expected.json"))
                .failures(output.alerts(), output.commands());
        assertTrue(failures.isEmpty(), () -> scenario.getFileName() + ":\n" + String.join("\n", failures));
    }

    /** The scenario's image baselines (image-baselines.jsonl), none when it has no such file. */
    static List<io.driftwatch.model.ImageBaseline> baselines(Path scenario) throws Exception {
        Path file = scenario.resolve("image-baselines.jsonl");
        return Files.exists(file) ? io.driftwatch.schemas.json.BaselineFiles.read(file) : List.of();
    }

    private static Path existing(Path file) {
        return Files.exists(file) ? file : null;
    }
}
