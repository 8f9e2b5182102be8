package io.driftwatch.app;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.topology.DriftwatchTopology;
import io.driftwatch.app.topology.EnrichmentCounters;
import io.driftwatch.app.topology.PipelineSettings;
import io.driftwatch.app.topology.Topics;
import io.driftwatch.rules.RuleCompilationException;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/** The streaming application: configuration in, a running KafkaStreams out. */
public final class DriftwatchApp implements AutoCloseable {
    public static final String RULES_DIR = "driftwatch.rules.dir";

    private final KafkaStreams streams;
    private final EnrichmentCounters counters;
    private final RuleSet rules;

    private DriftwatchApp(KafkaStreams streams, EnrichmentCounters counters, RuleSet rules) {
        this.streams = streams;
        this.counters = counters;
        this.rules = rules;
    }

    /** Kafka Streams settings: Driftwatch's defaults, overridden by every non-driftwatch key of the configuration. */
    public static Properties streamsProperties(DriftwatchConfig config) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "driftwatch");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, Path.of(".driftwatch", "state").toAbsolutePath().toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        props.put("processing.exception.handler.global.enabled", "true");
        props.putAll(config.clientProperties());
        config.require(DriftwatchConfig.BOOTSTRAP_SERVERS);
        config.require(DriftwatchConfig.SCHEMA_REGISTRY_URL);
        return props;
    }

    /** The rule set: the built-in pack plus, when {@code driftwatch.rules.dir} is set, the user's rules. */
    public static RuleSet rules(DriftwatchConfig config) throws RuleCompilationException {
        String dir = config.get(RULES_DIR);
        return dir == null || dir.isBlank() ? RuleSet.builtIn() : RuleSet.load(Path.of(dir));
    }

    public static Topology topology(DriftwatchConfig config, RuleSet rules, EnrichmentCounters counters) {
        SchemaRegistryClient registry = SchemaRegistryClient.fromConfigs(config.clientProperties());
        return DriftwatchTopology.build(new Topics(config, registry), PipelineSettings.from(config), () -> rules, counters);
    }

    public static DriftwatchApp start(DriftwatchConfig config) throws RuleCompilationException {
        RuleSet rules = rules(config);
        EnrichmentCounters counters = new EnrichmentCounters();
        KafkaStreams streams = new KafkaStreams(topology(config, rules, counters), streamsProperties(config));
        streams.start();
        return new DriftwatchApp(streams, counters, rules);
    }

    /** Waits until the streams app is RUNNING; fails when it reaches ERROR or the timeout passes. */
    public static void awaitRunning(KafkaStreams streams, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (streams.state() == KafkaStreams.State.ERROR || System.nanoTime() > deadline) {
                throw new IllegalStateException("the streams app did not start (state " + streams.state()
                        + "); see the log above");
            }
            Thread.sleep(20);
        }
    }

    public KafkaStreams streams() {
        return streams;
    }

    public EnrichmentCounters counters() {
        return counters;
    }

    public RuleSet rules() {
        return rules;
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }
}
