package io.driftwatch.cli.replay;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.Directories;
import io.driftwatch.app.topology.DriftwatchTopology;
import io.driftwatch.app.topology.EnrichmentCounters;
import io.driftwatch.app.topology.PipelineSettings;
import io.driftwatch.app.topology.Topics;
import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ImageBaseline;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.schemas.registry.InMemorySchemaRegistry;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * Offline replay (DESIGN.md "Offline replay"): the recorded inputs, merged by event time, go
 * through the same topology and rules as the streaming app, on Kafka Streams' in-memory driver
 * with an in-memory schema registry; no broker, no registry server. At the end of input, time is
 * moved past every grace and window so that nothing held is lost. Records the topology writes to
 * a topic it also reads (exec sessions re-keyed by container) are fed back in by the driver, at once.
 */
public final class Replay {
    /** Far enough past the last event for every grace, idle bound and rule window to end. */
    private static final Duration END_OF_INPUT = Duration.ofDays(1);

    private Replay() {
    }

    private record Timed(long time, int kind, int sequence, String topic, String key, SpecificRecord value) {
    }

    public static ReplayOutput run(ReplayInput input, RuleSet rules, Path workDir) {
        return run(input, rules, workDir, Map.of());
    }

    /** @param pipelineKeys driftwatch.* keys for the pipeline (e.g. driftwatch.rules.maturity) */
    public static ReplayOutput run(ReplayInput input, RuleSet rules, Path workDir, Map<String, String> pipelineKeys) {
        return run(input, List.of(), rules, workDir, pipelineKeys);
    }

    /**
     * As above, with image baselines (for the image drift rules): a table, loaded before the first event onto the
     * image-baselines topic, keyed by image digest, as {@code scan --publish} writes it.
     */
    public static ReplayOutput run(ReplayInput input, List<ImageBaseline> baselines, RuleSet rules, Path workDir,
                                   Map<String, String> pipelineKeys) {
        String registryScope = "replay-" + UUID.randomUUID();
        Map<String, String> values = new HashMap<>();
        // Replay's clock is the recording's: there is no wall clock an event could run ahead of.
        values.put(PipelineSettings.CLOCK_SKEW_AHEAD_MS, "off");
        values.put(PipelineSettings.CLOCK_SKEW_BEHIND_MS, "off");
        values.putAll(pipelineKeys);
        values.put(DriftwatchConfig.SCHEMA_REGISTRY_URL, "mock://" + registryScope);
        DriftwatchConfig config = DriftwatchConfig.of(values);
        SchemaRegistryClient registry = SchemaRegistryClient.fromConfigs(config.clientProperties());
        Topics topics = new Topics(config, registry);
        PipelineSettings settings = PipelineSettings.from(config);
        Path stateDir = workDir.resolve("replay-" + UUID.randomUUID());

        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "driftwatch-replay");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "replay:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());

        // Everything derives from the events: the driver's wall clock starts at the first record's time.
        List<Timed> timeline = timeline(input, topics);
        Instant start = Instant.ofEpochMilli(timeline.isEmpty() ? 0 : timeline.get(0).time());
        EnrichmentCounters counters = new EnrichmentCounters();
        var topology = DriftwatchTopology.build(topics, settings, () -> rules, counters);
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, start)) {
            // The baselines are a table the events are looked up in: all of them first (a global store, read at once).
            TestInputTopic<String, byte[]> baselineTopic = driver.createInputTopic(topics.imageBaselines.name(),
                    new StringSerializer(), new ByteArraySerializer());
            Serde<ImageBaseline> baselineSerde = topics.imageBaselineSerde();
            for (ImageBaseline baseline : baselines) {
                baselineTopic.pipeInput(baseline.getImageDigest(),
                        baselineSerde.serializer().serialize(topics.imageBaselines.name(), baseline), start);
            }
            Map<String, TestInputTopic<String, byte[]>> inputs = new HashMap<>();
            for (String name : List.of(topics.fileEvents.name(), topics.containerMetadata.name(), topics.execSessions.name())) {
                inputs.put(name, driver.createInputTopic(name, new StringSerializer(), new ByteArraySerializer()));
            }
            Map<Class<?>, Serde<SpecificRecord>> serdes = new HashMap<>();
            for (Timed record : timeline) {
                @SuppressWarnings("unchecked")
                Serde<SpecificRecord> serde = serdes.computeIfAbsent(record.value().getClass(),
                        type -> (Serde<SpecificRecord>) (Serde<?>) topics.avro((Class<? extends SpecificRecord>) type));
                byte[] bytes = serde.serializer().serialize(record.topic(), record.value());
                inputs.get(record.topic()).pipeInput(record.key(), bytes, record.time());
            }
            // First let held events go (wall-clock bound), then close every rule window.
            driver.advanceWallClockTime(settings.metadataWallClock().plusSeconds(1));
            driver.advanceWallClockTime(END_OF_INPUT);

            return new ReplayOutput(
                    read(driver, topics.alerts.name(), topics.avro(Alert.class)),
                    read(driver, topics.responseCommands.name(), topics.avro(ResponseCommand.class)),
                    read(driver, topics.enrichedEvents.name(), topics.avro(EnrichedEvent.class)),
                    counters.imageBaselinesMissingCount());
        } finally {
            InMemorySchemaRegistry.forget(registryScope);
            try {
                Directories.deleteRecursively(stateDir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static <T> List<T> read(TopologyTestDriver driver, String topic, Serde<T> serde) {
        return driver.createOutputTopic(topic, new StringDeserializer(), serde.deserializer()).readValuesToList();
    }

    /**
     * Inputs in event-time order. A container's first record counts from startedAt and a later one
     * from stoppedAt; likewise a session's first record from startedAt and its closing update from
     * endedAt. At equal times metadata goes first, then sessions, then events (tables before streams).
     */
    static List<Timed> timeline(ReplayInput input, Topics topics) {
        List<Timed> timeline = new ArrayList<>();
        int sequence = 0;
        // Keyed and stamped as a producer writes them; the topology re-keys what is not keyed by container.
        List<List<InputRecords.Keyed>> kinds = List.of(InputRecords.metadata(input.metadata(), 0),
                InputRecords.sessions(input.sessions()), InputRecords.events(input.events()));
        List<String> kindTopics = List.of(topics.containerMetadata.name(), topics.execSessions.name(), topics.fileEvents.name());
        for (int kind = 0; kind < kinds.size(); kind++) {
            for (InputRecords.Keyed record : kinds.get(kind)) {
                timeline.add(new Timed(record.time(), kind, sequence++, kindTopics.get(kind), record.key(), record.value()));
            }
        }
        timeline.sort(Comparator.comparingLong(Timed::time).thenComparingInt(Timed::kind).thenComparingInt(Timed::sequence));
        return timeline;
    }
}
