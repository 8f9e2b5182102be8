package io.driftwatch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.topology.EnrichmentCounters;
import io.driftwatch.rules.RuleSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/**
 * Task ids are {@code <subtopology>_<partition>}, and an instance keeps each task's state in a directory named after
 * it. Kafka Streams numbers subtopologies in the order their nodes were added, so a new part of the topology added in
 * the middle renumbers the ones after it: an upgraded instance then opens the previous release's task directories as
 * the wrong subtopologies and fails to start ("Metrics recorder is re-initialised with different task" when a global
 * store took an old number). The app's subtopologies keep the numbers release 0.1.0 gave them; new ones come after.
 */
class SubtopologyIdsTest {

    /** The subtopologies of release 0.1.0 (commit db3df1a), by the sources that start them. */
    private static final Map<Integer, String> RELEASED = Map.of(
            0, "read-container-metadata<driftwatch.container-metadata> read-exec-sessions-by-container<driftwatch.exec-sessions-by-container>"
                    + " read-exec-sessions<driftwatch.exec-sessions> read-file-events-by-container<driftwatch.file-events-by-container>"
                    + " read-file-events<driftwatch.file-events>",
            1, "read-captures<driftwatch.captures>",
            2, "read-alerts-for-incidents<driftwatch.alerts>",
            3, "read-response-commands<driftwatch.response-commands> read-response-results<driftwatch.response-results>",
            4, "read-incident-inputs<driftwatch.incident-inputs>");

    @Test
    void theReleasedSubtopologiesKeepTheirNumbers() {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(DriftwatchConfig.SCHEMA_REGISTRY_URL, "mock://subtopology-ids"));
        Map<Integer, String> now = ids(config);
        for (Map.Entry<Integer, String> released : RELEASED.entrySet()) {
            assertEquals(released.getValue(), now.get(released.getKey()), "subtopology " + released.getKey() + " in " + now);
        }
    }

    /**
     * A plan that issues its automated steps, with per-node command topics: its command sinks hang off fold-incidents,
     * inside the incidents sub-topology, so no sub-topology merges or moves.
     */
    @Test
    void aPlanIssuingStepsWithNodeTopicsKeepsTheNumbers() {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(DriftwatchConfig.SCHEMA_REGISTRY_URL, "mock://subtopology-ids-plan",
                io.driftwatch.app.incidents.PlanSteps.ISSUE, "true"));
        RuleSet rules = RuleSet.builtIn();
        io.driftwatch.app.topology.NodeCommands nodes = new io.driftwatch.app.topology.NodeCommands(
                "driftwatch.response-commands", topic -> true);
        TopologyDescription description = DriftwatchApp.topology(config, () -> rules, new EnrichmentCounters(), nodes,
                () -> null).describe();
        Map<Integer, String> now = ids(description);
        for (Map.Entry<Integer, String> released : RELEASED.entrySet()) {
            assertEquals(released.getValue(), now.get(released.getKey()), "subtopology " + released.getKey() + " in " + now);
        }
        String incidents = description.subtopologies().stream().filter(s -> s.id() == 4).findFirst().orElseThrow()
                .nodes().stream().map(TopologyDescription.Node::name).sorted().toList().toString();
        org.junit.jupiter.api.Assertions.assertTrue(incidents.contains("route-plan-response-commands")
                && incidents.contains("to-plan-response-commands") && incidents.contains("to-plan-node-response-commands"),
                incidents);
    }

    private static Map<Integer, String> ids(DriftwatchConfig config) {
        RuleSet rules = RuleSet.builtIn();
        return ids(DriftwatchApp.topology(config, () -> rules, new EnrichmentCounters()).describe());
    }

    private static Map<Integer, String> ids(TopologyDescription description) {
        Map<Integer, String> ids = new TreeMap<>();
        for (TopologyDescription.Subtopology s : description.subtopologies()) {
            TreeSet<String> sources = new TreeSet<>();
            for (TopologyDescription.Node n : s.nodes()) {
                if (n instanceof TopologyDescription.Source source) {
                    sources.add(n.name() + "<" + String.join(",", new TreeSet<>(source.topicSet())) + ">");
                }
            }
            ids.put(s.id(), String.join(" ", sources));
        }
        return ids;
    }
}
