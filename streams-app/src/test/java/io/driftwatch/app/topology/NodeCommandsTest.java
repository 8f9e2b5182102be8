package io.driftwatch.app.topology;

import static io.driftwatch.app.topology.Fixtures.T0;
import static io.driftwatch.app.topology.Fixtures.container;
import static io.driftwatch.app.topology.Fixtures.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.schemas.sign.CommandSignatures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With per-node command topics, each command also goes to its node's own topic; the shared topic keeps them all. */
class NodeCommandsTest {
    private static final String COMMANDS = "driftwatch.response-commands";
    private static final String SECRET = "a-shared-secret-of-32-characters";

    @TempDir
    Path tmp;

    /** An attack (overwriting a package manager binary) in a container on {@code node}; the commands it brings. */
    private static void attackOn(TestPipeline p, String node) {
        p.pipe(ContainerMetadata.newBuilder(container("c1", T0)).setNode(node).build(), T0);
        FileEvent attack = event("overwrite", "c1", T0 + 3000, EventType.MODIFY, "/usr/bin/dpkg", 901, 900, "cp");
        p.pipe(FileEvent.newBuilder(attack).setNode(node).build());
    }

    private static List<ResponseCommand> read(TestPipeline p, String topic) {
        return p.driver.createOutputTopic(topic, new StringDeserializer(),
                p.topics.avro(ResponseCommand.class).deserializer()).readValuesToList();
    }

    @Test
    void aCommandGoesToItsNodesTopicAsWellAsToTheSharedOne() {
        List<String> created = new ArrayList<>();
        NodeCommands routing = new NodeCommands(COMMANDS, topic -> created.add(topic));
        try (TestPipeline p = new TestPipeline(tmp.resolve("a"), Map.of(CommandSigning.KEY, SECRET), T0, routing)) {
            attackOn(p, "worker-3");
            List<ResponseCommand> audit = p.commands.readValuesToList();
            List<ResponseCommand> own = read(p, COMMANDS + ".worker-3");
            assertFalse(audit.isEmpty(), "the attack brings response commands");
            assertEquals(audit, own, "the node's topic gets the same (signed) commands");
            CommandSignatures responder = CommandSignatures.of(List.of(SECRET.getBytes(StandardCharsets.UTF_8)));
            own.forEach(c -> assertNull(responder.problem(c), "signed: " + c));
            assertTrue(created.stream().allMatch((COMMANDS + ".worker-3")::equals) && !created.isEmpty(), created.toString());
            assertEquals(audit.size(), routing.routed.get());
            assertEquals(0, routing.notRouted.get());
        }
    }

    @Test
    void aNodeNameThatCannotBeATopicNameKeepsItsCommandsOnTheSharedTopicOnly() {
        List<String> created = new ArrayList<>();
        NodeCommands routing = new NodeCommands(COMMANDS, topic -> created.add(topic));
        try (TestPipeline p = new TestPipeline(tmp.resolve("b"), Map.of(), T0, routing)) {
            attackOn(p, "../evil_node");
            List<ResponseCommand> audit = p.commands.readValuesToList();
            assertFalse(audit.isEmpty());
            assertTrue(created.isEmpty(), "no topic is made from the name: " + created);
            assertEquals(audit.size(), routing.notRouted.get());
            assertEquals(0, routing.routed.get());
            assertTrue(p.driver.producedTopicNames().stream().noneMatch(t -> t.startsWith(COMMANDS + ".")),
                    p.driver.producedTopicNames().toString());
        }
    }

    @Test
    void aTopicThatCannotBeCreatedKeepsTheCommandOnTheSharedTopic() {
        NodeCommands routing = new NodeCommands(COMMANDS, topic -> false);
        try (TestPipeline p = new TestPipeline(tmp.resolve("c"), Map.of(), T0, routing)) {
            attackOn(p, "worker-4");
            int audit = p.commands.readValuesToList().size();
            assertTrue(audit > 0);
            assertEquals(audit, routing.notRouted.get());
            assertFalse(p.driver.producedTopicNames().contains(COMMANDS + ".worker-4"));
        }
    }

    @Test
    void withoutTheSettingThereAreNoNodeTopics() {
        try (TestPipeline p = new TestPipeline(tmp.resolve("d"), Map.of(), T0)) {
            attackOn(p, "worker-5");
            assertFalse(p.commands.readValuesToList().isEmpty());
            Set<String> produced = p.driver.producedTopicNames();
            assertTrue(produced.stream().noneMatch(t -> t.startsWith(COMMANDS + ".")), produced.toString());
        }
        assertFalse(NodeCommands.enabled(DriftwatchConfig.of(Map.of())), "off by default");
        assertTrue(NodeCommands.enabled(DriftwatchConfig.of(Map.of(NodeCommands.PER_NODE, "true"))));
        assertThrows(IllegalArgumentException.class,
                () -> NodeCommands.enabled(DriftwatchConfig.of(Map.of(NodeCommands.PER_NODE, "yes"))));
    }
}
