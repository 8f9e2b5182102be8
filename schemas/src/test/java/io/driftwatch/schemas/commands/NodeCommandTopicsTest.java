package io.driftwatch.schemas.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodeCommandTopicsTest {
    private static final String COMMANDS = "driftwatch.response-commands";

    @ParameterizedTest
    @ValueSource(strings = {"worker-3", "ip-10-0-1-17.eu-west-1.compute.internal", "N1", "a"})
    void nodeNamesOfKubernetesAndHostsGetATopic(String node) {
        assertEquals(Optional.of(COMMANDS + "." + node), NodeCommandTopics.topicIfValid(COMMANDS, node));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-lead", ".hidden", "a_b", "a/b", "node 1", "node\n1", "../x", "nöde", "a*"})
    void namesThatCannotBeATopicNameHaveNone(String node) {
        assertEquals(Optional.empty(), NodeCommandTopics.topicIfValid(COMMANDS, node));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> NodeCommandTopics.topic(COMMANDS, node));
        assertTrue(!refused.getMessage().contains("\n"), "control characters are escaped in the reason");
    }

    @Test
    void theTopicNameStaysWithinKafkasLimit() {
        String longest = "n".repeat(NodeCommandTopics.MAX_TOPIC_LENGTH - COMMANDS.length() - 1);
        assertEquals(NodeCommandTopics.MAX_TOPIC_LENGTH, NodeCommandTopics.topic(COMMANDS, longest).length());
        assertTrue(NodeCommandTopics.problem(COMMANDS, longest + "n").contains("249"));
        assertEquals(Optional.empty(), NodeCommandTopics.topicIfValid(COMMANDS, null));
    }
}
