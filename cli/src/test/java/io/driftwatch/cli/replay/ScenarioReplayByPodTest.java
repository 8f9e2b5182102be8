package io.driftwatch.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ExecSession;
import io.driftwatch.rules.RuleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every scenario replayed with its exec sessions as the Kubernetes audit adapter gives them: no
 * container id, so replay keys them {@code namespace/pod} and the topology resolves the container
 * through the pod (the re-key path). The users must come out exactly as with container-keyed
 * sessions, and expected.json (which checks alert users) must still hold.
 */
class ScenarioReplayByPodTest {
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
    void sessionsKeyedByPodGiveTheSameUsers(Path scenario) throws Exception {
        ReplayInput input = ReplayInput.read(scenario.resolve("events.jsonl"), existing(scenario.resolve("containers.jsonl")),
                existing(scenario.resolve("exec-sessions.jsonl")));
        ReplayInput byPod = new ReplayInput(input.events(), input.metadata(), input.sessions().stream()
                .map(s -> ExecSession.newBuilder(s).setContainerId(null).build()).toList());

        List<io.driftwatch.model.ImageBaseline> baselines = ScenarioReplayTest.baselines(scenario);
        ReplayOutput keyedByContainer = Replay.run(input, baselines, RULES, work, Map.of());
        ReplayOutput keyedByPod = Replay.run(byPod, baselines, RULES, work, Map.of());

        assertEquals(input.events().size(), keyedByPod.enriched().size(), "every event reaches the audit trail");
        assertEquals(users(keyedByContainer.enriched()), users(keyedByPod.enriched()));
        List<String> failures = ScenarioExpectations.read(scenario.resolve("expected.json"))
                .failures(keyedByPod.alerts(), keyedByPod.commands());
        assertTrue(failures.isEmpty(), () -> scenario.getFileName() + ":\n" + String.join("\n", failures));
    }

    @Test
    void theScenariosExerciseAttribution() throws Exception {
        Path seed = SCENARIOS.resolve("seed-malware-copy");
        ReplayInput input = ReplayInput.read(seed.resolve("events.jsonl"), seed.resolve("containers.jsonl"),
                seed.resolve("exec-sessions.jsonl"));
        ReplayInput byPod = new ReplayInput(input.events(), input.metadata(), input.sessions().stream()
                .map(s -> ExecSession.newBuilder(s).setContainerId(null).build()).toList());
        Map<String, List<String>> users = users(Replay.run(byPod, RULES, work).enriched());
        assertEquals(List.of("JohnDoe"), users.get("seed-malware-copy-003"), users.toString());
        assertEquals(List.of(), users.get("seed-malware-copy-005"), "the workload's event carries no user");
    }

    private static Map<String, List<String>> users(List<EnrichedEvent> enriched) {
        return enriched.stream().collect(Collectors.toMap(e -> e.getEvent().getEventId(), EnrichedEvent::getUsers,
                (a, b) -> a, TreeMap::new));
    }

    private static Path existing(Path file) {
        return Files.exists(file) ? file : null;
    }
}
