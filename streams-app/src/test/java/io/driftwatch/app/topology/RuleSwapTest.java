package io.driftwatch.app.topology;

import static io.driftwatch.app.topology.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.rules.RuleBundles;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluate step follows its rule-set supplier: a new version takes over between two events, keeping state. */
class RuleSwapTest {
    private static final String ACME_RULE = """
            package acme.opt;

            import io.driftwatch.model.FileEvent;
            global io.driftwatch.rules.Detections detections;

            rule "Acme file changed"
                @id( "ACME-OPT-001" ) @severity( "LOW" ) @mitre( "T1565" ) @tags( "acme" ) @maturity( "stable" )
                @description( "A file under /opt/acme changed." ) @falsePositives( "Deploys." )
                @Propagation( EAGER )
            when
                $e : FileEvent( path str[startsWith] "/opt/acme/" )
            then
                detections.alert( drools, "acme file changed: " + $e.getPath(), $e );
            end
            """;

    @TempDir
    Path stateDir;

    @Test
    void aNewVersionTakesOverBetweenEventsAndKeepsWhatTheSessionRemembered() throws Exception {
        RuleSet before = RuleSet.builtIn();
        RuleSet after = RuleBundles.compile(Map.of("acme/opt.drl", ACME_RULE));
        assertNotEquals(before.version(), after.version());
        AtomicReference<RuleSet> rules = new AtomicReference<>(before);

        DriftwatchConfig config = DriftwatchConfig.of(Map.of(DriftwatchConfig.SCHEMA_REGISTRY_URL,
                "mock://rule-swap-" + UUID.randomUUID(), PipelineSettings.RULE_REORDER_MS, "0"));
        Topics topics = new Topics(config, SchemaRegistryClient.fromConfigs(config.clientProperties()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "rule-swap-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(DriftwatchTopology.build(topics, PipelineSettings.from(config),
                rules::get, new EnrichmentCounters()), props, Instant.ofEpochMilli(T0))) {
            TestInputTopic<String, byte[]> metadata = driver.createInputTopic(topics.containerMetadata.name(),
                    new StringSerializer(), new ByteArraySerializer());
            TestInputTopic<String, byte[]> events = driver.createInputTopic(topics.fileEvents.name(), new StringSerializer(),
                    new ByteArraySerializer());
            TestOutputTopic<String, EnrichedEvent> enriched = driver.createOutputTopic(topics.enrichedEvents.name(),
                    new StringDeserializer(), topics.avro(EnrichedEvent.class).deserializer());
            TestOutputTopic<String, Alert> alerts = driver.createOutputTopic(topics.alerts.name(), new StringDeserializer(),
                    topics.avro(Alert.class).deserializer());
            metadata.pipeInput("c1", topics.containerMetadataSerde().serializer()
                    .serialize(topics.containerMetadata.name(), Fixtures.container("c1", T0)), T0);
            List<FileEvent> beforeSwap = List.of(
                    Fixtures.event("e1", "c1", T0 + 1000, EventType.MODIFY, "/usr/bin/tool", 50, 1, "cp"),
                    Fixtures.event("e2", "c1", T0 + 2000, EventType.OPEN_WRITE, "/tmp/payload", 51, 1, "curl"),
                    Fixtures.event("e3", "c1", T0 + 3000, EventType.MODIFY, "/opt/acme/data/a", 52, 1, "cp"));
            beforeSwap.forEach(e -> events.pipeInput("c1", topics.fileEventSerde().serializer()
                    .serialize(topics.fileEvents.name(), e), e.getTimestamp()));

            rules.set(after);
            List<FileEvent> afterSwap = List.of(
                    Fixtures.event("e4", "c1", T0 + 4000, EventType.EXEC, "/tmp/payload", 53, 1, "payload"),
                    Fixtures.event("e5", "c1", T0 + 5000, EventType.MODIFY, "/opt/acme/data/b", 54, 1, "cp"));
            afterSwap.forEach(e -> events.pipeInput("c1", topics.fileEventSerde().serializer()
                    .serialize(topics.fileEvents.name(), e), e.getTimestamp()));
            driver.advanceWallClockTime(Duration.ofSeconds(2));

            assertEquals(List.of("e1", "e2", "e3", "e4", "e5"), enriched.readValuesToList().stream()
                    .map(e -> e.getEvent().getEventId()).toList(), "every event once, in order");
            List<Alert> raised = alerts.readValuesToList();
            assertEquals(before.version(), alert(raised, "DW-FIM-001", "e1").getRuleVersion());
            // The write was remembered by the old session; the exec, after the swap, completes the match in the new one.
            Alert dropExecute = alert(raised, "DW-EXE-001", "e4");
            assertEquals(after.version(), dropExecute.getRuleVersion());
            assertTrue(dropExecute.getEventIds().contains("e2"), dropExecute.toString());
            assertEquals(after.version(), alert(raised, "ACME-OPT-001", "e5").getRuleVersion());
            assertTrue(raised.stream().noneMatch(a -> a.getEventIds().contains("e3")), "the old set has no /opt/acme rule");
            assertEquals(raised.size(), raised.stream().map(Alert::getAlertId).distinct().count(), "no alert twice: " + raised);
        }
    }

    private static Alert alert(List<Alert> alerts, String ruleId, String eventId) {
        return alerts.stream().filter(a -> a.getRuleId().equals(ruleId) && a.getEventIds().contains(eventId)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + ruleId + " alert for " + eventId + " in " + alerts));
    }
}
