package io.driftwatch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.topology.NodeCommands;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.testkit.RealKafka;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/**
 * Node names come from records: the app creates at most {@code driftwatch.response.commands.node.max.new.per.hour}
 * node topics an hour, so a producer naming a new node in every event cannot make it create topics without end, while
 * the topics that exist are still used.
 */
@RealKafka
class NodeCommandTopicAdminIT {
    private final KafkaBroker kafka;

    NodeCommandTopicAdminIT(KafkaBroker kafka) {
        this.kafka = kafka;
    }

    @Test
    void createsAtMostTheLimitOfNewTopicsAnHourAndStillUsesExistingOnes() throws Exception {
        String prefix = "ncta" + UUID.randomUUID().toString().substring(0, 8) + ".response-commands.";
        kafka.createTopics(1, prefix + "existing");
        AtomicLong now = new AtomicLong(1_000_000_000L);
        DriftwatchConfig config = DriftwatchConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                NodeCommands.MAX_NEW_PER_HOUR, "2", NodeCommands.REPLICATION_FACTOR, "1"));
        try (NodeCommandTopicAdmin admin = new NodeCommandTopicAdmin(config, now::get); Admin check = kafka.admin()) {
            assertTrue(admin.ensure(prefix + "a"));
            assertTrue(admin.ensure(prefix + "b"));
            assertFalse(admin.ensure(prefix + "c"), "a third new topic within the hour is refused");
            assertTrue(admin.ensure(prefix + "existing"), "a topic that exists is used whatever the count");
            assertTrue(admin.ensure(prefix + "a"), "a known topic is used whatever the count");
            Set<String> names = topicsOnceListed(check, prefix + "a", prefix + "b");
            assertTrue(names.contains(prefix + "a") && names.contains(prefix + "b"), names.toString());
            assertFalse(names.contains(prefix + "c"), "the refused topic was not created");

            now.addAndGet(TimeUnit.MINUTES.toMillis(61));
            assertTrue(admin.ensure(prefix + "c"), "an hour later there is room again");
            assertTrue(topicsOnceListed(check, prefix + "c").contains(prefix + "c"));
        }
    }

    /**
     * The topics the broker lists, once it lists {@code expected} or after 10 s: a topic just created is in the
     * controller's metadata before the broker's cache that answers listTopics has caught up.
     */
    private static Set<String> topicsOnceListed(Admin check, String... expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Set<String> names = check.listTopics().names().get(30, TimeUnit.SECONDS);
            if (names.containsAll(Set.of(expected)) || System.nanoTime() > deadline) {
                return names;
            }
            Thread.sleep(50);
        }
    }

    @Test
    void aLimitThatIsNotANumberIsRefusedWithTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NodeCommandTopicAdmin(
                DriftwatchConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(), NodeCommands.MAX_NEW_PER_HOUR, "many"))));
        assertTrue(e.getMessage().contains(NodeCommands.MAX_NEW_PER_HOUR), e.getMessage());
        assertEquals(IllegalArgumentException.class, assertThrows(IllegalArgumentException.class, () -> new NodeCommandTopicAdmin(
                DriftwatchConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(), NodeCommands.MAX_NEW_PER_HOUR, "-1"))))
                .getClass());
    }
}
