package io.driftwatch.app.topology;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** The real topology on TopologyTestDriver with an in-memory registry: fast tests of the flow. */
final class TestPipeline implements AutoCloseable {
    static final RuleSet RULES = RuleSet.builtIn();

    final Topics topics;
    final TopologyTestDriver driver;
    /** The app's registry type, so that every topology test also exercises the meters and their Prometheus names. */
    final io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry = new io.micrometer.prometheusmetrics
            .PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    final EnrichmentCounters counters = new EnrichmentCounters(registry);
    final TestInputTopic<String, byte[]> fileEvents;
    final TestInputTopic<String, byte[]> metadata;
    final TestInputTopic<String, byte[]> sessions;
    final TestInputTopic<String, byte[]> imageBaselines;
    final TestOutputTopic<String, EnrichedEvent> enriched;
    final TestOutputTopic<String, Alert> alerts;
    final TestOutputTopic<String, ResponseCommand> commands;
    final TestOutputTopic<byte[], byte[]> deadLetter;

    TestPipeline(Path stateDir, Map<String, String> settings, long startMillis) {
        this(stateDir, settings, startMillis, null);
    }

    /** As above; with {@code nodeCommands}, commands also go to per-node topics. */
    TestPipeline(Path stateDir, Map<String, String> settings, long startMillis, NodeCommands nodeCommands) {
        Map<String, String> values = new HashMap<>();
        // Evaluate each event as it comes unless a test asks for the reorder buffer.
        values.put(PipelineSettings.RULE_REORDER_MS, "0");
        // The driver's wall clock stands still unless a test moves it: clock-skew checks only where a test asks.
        values.put(PipelineSettings.CLOCK_SKEW_AHEAD_MS, "off");
        values.put(PipelineSettings.CLOCK_SKEW_BEHIND_MS, "off");
        values.putAll(settings);
        values.put(DriftwatchConfig.SCHEMA_REGISTRY_URL, "mock://topology-test-" + UUID.randomUUID());
        DriftwatchConfig config = DriftwatchConfig.of(values);
        topics = new Topics(config, SchemaRegistryClient.fromConfigs(config.clientProperties()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(DriftwatchTopology.build(topics, PipelineSettings.from(config), () -> RULES, counters,
                CommandSigning.fromConfig(config), TrailSettings.from(config).enabled() && "true".equals(
                        values.get(TrailSettings.ENABLED)) ? TrailSettings.from(config) : TrailSettings.disabled(), null,
                nodeCommands),
                props, Instant.ofEpochMilli(startMillis));
        fileEvents = driver.createInputTopic(topics.fileEvents.name(), new StringSerializer(), new ByteArraySerializer());
        metadata = driver.createInputTopic(topics.containerMetadata.name(), new StringSerializer(), new ByteArraySerializer());
        sessions = driver.createInputTopic(topics.execSessions.name(), new StringSerializer(), new ByteArraySerializer());
        imageBaselines = driver.createInputTopic(topics.imageBaselines.name(), new StringSerializer(),
                new ByteArraySerializer());
        enriched = driver.createOutputTopic(topics.enrichedEvents.name(), new StringDeserializer(),
                topics.avro(EnrichedEvent.class).deserializer());
        alerts = driver.createOutputTopic(topics.alerts.name(), new StringDeserializer(), topics.avro(Alert.class).deserializer());
        commands = driver.createOutputTopic(topics.responseCommands.name(), new StringDeserializer(),
                topics.avro(ResponseCommand.class).deserializer());
        deadLetter = driver.createOutputTopic(topics.deadLetter.name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    void pipe(ContainerMetadata m, long time) {
        metadata.pipeInput(m.getContainerId(), topics.containerMetadataSerde().serializer()
                .serialize(topics.containerMetadata.name(), m), time);
    }

    void pipe(ExecSession s) {
        sessions.pipeInput(s.getContainerId(), topics.execSessionSerde().serializer()
                .serialize(topics.execSessions.name(), s), s.getEndedAt() != null ? s.getEndedAt() : s.getStartedAt());
    }

    /** A baseline keyed by its image digest, as {@code scan --publish} writes it. */
    void pipe(io.driftwatch.model.ImageBaseline baseline, long time) {
        imageBaselines.pipeInput(baseline.getImageDigest(), topics.imageBaselineSerde().serializer()
                .serialize(topics.imageBaselines.name(), baseline), time);
    }

    void pipe(FileEvent e) {
        fileEvents.pipeInput(e.getContainerId(), topics.fileEventSerde().serializer().serialize(topics.fileEvents.name(), e),
                e.getTimestamp());
    }

    void advanceWallClock(Duration duration) {
        driver.advanceWallClockTime(duration);
    }

    @Override
    public void close() {
        driver.close();
    }
}
