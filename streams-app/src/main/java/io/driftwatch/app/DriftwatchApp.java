package io.driftwatch.app;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.console.Monitoring;
import io.driftwatch.metrics.ProcessMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.driftwatch.app.errors.PipelineErrorHandlers;
import io.driftwatch.app.incidents.IncidentPlans;
import io.driftwatch.app.plan.PlanManager;
import io.driftwatch.app.plan.PlanSettings;
import io.driftwatch.rules.plan.PlanException;
import io.driftwatch.rules.plan.ResponsePlan;
import io.driftwatch.app.rules.RulesManager;
import io.driftwatch.app.rules.RulesSettings;
import io.driftwatch.app.topology.DriftwatchTopology;
import io.driftwatch.app.topology.EnrichmentCounters;
import io.driftwatch.app.topology.NodeCommands;
import io.driftwatch.app.topology.PipelineSettings;
import io.driftwatch.app.topology.Topics;
import io.driftwatch.rules.RuleCompilationException;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/** The streaming application: configuration in, a running KafkaStreams out. */
public final class DriftwatchApp implements AutoCloseable {
    public static final String RULES_DIR = RulesSettings.DIR;
    public static final String INCIDENTS_ENABLED = "driftwatch.incidents.enabled";

    private final KafkaStreams streams;
    private final EnrichmentCounters counters;
    private final RulesManager rules;
    private PlanManager plan;
    private final ProcessMetrics metrics;
    private final StreamsHealth health;
    private Investigation investigation;
    private NodeCommands nodeCommands;
    private NodeCommandTopicAdmin topicAdmin;

    private DriftwatchApp(KafkaStreams streams, EnrichmentCounters counters, RulesManager rules, ProcessMetrics metrics,
                          StreamsHealth health) {
        this.streams = streams;
        this.counters = counters;
        this.rules = rules;
        this.metrics = metrics;
        this.health = health;
    }

    /** Kafka Streams settings: Driftwatch's defaults, overridden by every non-driftwatch key of the configuration. */
    public static Properties streamsProperties(DriftwatchConfig config) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "driftwatch");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, Directories.home().resolve("state").toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        props.put("processing.exception.handler.global.enabled", "true");
        // Do not wait for empty input partitions before processing a task's records. Kafka Streams 4.3.1 formats a log
        // line with String.format for every empty partition on every record while it may wait (6% of the stream thread
        // in a profile: each task reads five topics, most of them quiet); events that overtake their container's
        // metadata this way are held for it (driftwatch.metadata.grace.ms), as they are when the metadata comes late.
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        props.putAll(config.clientProperties());
        config.require(DriftwatchConfig.BOOTSTRAP_SERVERS);
        config.require(DriftwatchConfig.SCHEMA_REGISTRY_URL);
        Investigation.advertise(config, props);
        return props;
    }

    /** The rule set: the built-in pack plus, when {@code driftwatch.rules.dir} is set, the user's rules. */
    public static RuleSet rules(DriftwatchConfig config) throws RuleCompilationException {
        String dir = config.get(RULES_DIR);
        return dir == null || dir.isBlank() ? RuleSet.builtIn() : RuleSet.load(Path.of(dir));
    }

    public static Topology topology(DriftwatchConfig config, RuleSet rules, EnrichmentCounters counters) {
        return topology(config, () -> rules, counters);
    }

    /** The topology with a rule set that may change while it runs: each task follows the supplier's set. */
    public static Topology topology(DriftwatchConfig config, Supplier<RuleSet> rules, EnrichmentCounters counters) {
        return topology(config, rules, counters, null);
    }

    /** As above; with {@code nodeCommands} (not null) commands also go to per-node topics. */
    public static Topology topology(DriftwatchConfig config, Supplier<RuleSet> rules, EnrichmentCounters counters,
                                    NodeCommands nodeCommands) {
        return topology(config, rules, counters, nodeCommands, null);
    }

    /**
     * As above; with {@code plan} (not null) incidents get the response plan it supplies (it may answer null until a
     * plan runs). Without one, incidents get no plan and the topology has no plan timers.
     */
    public static Topology topology(DriftwatchConfig config, Supplier<RuleSet> rules, EnrichmentCounters counters,
                                    NodeCommands nodeCommands, Supplier<ResponsePlan> plan) {
        SchemaRegistryClient registry = SchemaRegistryClient.fromConfigs(config.clientProperties());
        PlanSettings planSettings = PlanSettings.from(config);
        IncidentPlans plans = plan == null ? null
                : new IncidentPlans(plan, rules, planSettings.tick(), planSettings.maxNotices(),
                        io.driftwatch.app.incidents.PlanSteps.from(config));
        return DriftwatchTopology.build(new Topics(config, registry), PipelineSettings.from(config), rules, counters,
                io.driftwatch.app.topology.CommandSigning.fromConfig(config),
                io.driftwatch.app.topology.TrailSettings.from(config), incidents(config), nodeCommands, plans);
    }

    /** Incidents are folded unless {@code driftwatch.incidents.enabled=false}; null when off. */
    static io.driftwatch.app.incidents.IncidentSettings incidents(DriftwatchConfig config) {
        String enabled = config.get(INCIDENTS_ENABLED, "true").trim();
        if (!enabled.equals("true") && !enabled.equals("false")) {
            throw new IllegalArgumentException("Configuration '" + INCIDENTS_ENABLED + "' must be true or false, was '"
                    + enabled + "'");
        }
        return enabled.equals("true") ? io.driftwatch.app.incidents.IncidentSettings.from(config) : null;
    }

    /**
     * Loads the rule set (the directory, and the rules topic unless {@code driftwatch.rules.topic.enabled=false};
     * see {@link RulesManager}), then starts the streams app, which follows rule set changes while it runs.
     */
    public static DriftwatchApp start(DriftwatchConfig config) throws RuleCompilationException {
        Properties streamsProperties = streamsProperties(config);
        PlanSettings planSettings = PlanSettings.from(config);
        PlanManager plan;
        try {
            plan = PlanManager.start(planSettings);
        } catch (PlanException e) {
            throw new IllegalArgumentException("the response plan " + planSettings.file() + " does not load:\n"
                    + e.getMessage(), e);
        }
        RulesManager rules;
        try {
            rules = RulesManager.start(config);
        } catch (RuleCompilationException | RuntimeException e) {
            plan.close();
            throw e;
        }
        ProcessMetrics metrics = ProcessMetrics.start();
        try {
            EnrichmentCounters counters = new EnrichmentCounters(metrics.registry());
            bindRules(metrics.registry(), rules.metrics());
            if (planSettings.enabled()) {
                bindPlan(metrics.registry(), plan);
            }
            PipelineErrorHandlers.configure(streamsProperties, counters,
                    io.driftwatch.app.config.TopicCatalog.builtIn().name("dead-letter", config));
            NodeCommandTopicAdmin topicAdmin = NodeCommands.enabled(config) ? new NodeCommandTopicAdmin(config) : null;
            NodeCommands nodeCommands = topicAdmin == null ? null : new NodeCommands(
                    io.driftwatch.app.config.TopicCatalog.builtIn().name("response-commands", config), topicAdmin);
            KafkaStreams streams = new KafkaStreams(topology(config, rules::current, counters, nodeCommands,
                    planSettings.enabled() && incidents(config) != null ? plan::current : null), streamsProperties);
            PipelineErrorHandlers.install(streams, counters);
            StreamsHealth health = StreamsHealth.of(streams);
            Gauge.builder("driftwatch.stream.ready", health, h -> h.ready().up() ? 1 : 0)
                    .description("1 when Kafka Streams is RUNNING with its stores restored (as /health/ready), else 0")
                    .register(metrics.registry());
            Gauge.builder("driftwatch.stream.restoring.stores", health, StreamsHealth::restoring)
                    .description("Store partitions of active tasks restoring now").register(metrics.registry());
            // Every client of the app (consumers with their lag, producers, admin) and Kafka Streams' own metrics.
            metrics.bind(new KafkaStreamsMetrics(streams));
            streams.start();
            DriftwatchApp app = new DriftwatchApp(streams, counters, rules, metrics, health);
            app.plan = plan;
            app.nodeCommands = nodeCommands;
            app.topicAdmin = topicAdmin;
            try {
                app.investigation = Investigation.start(config, streams, new Monitoring(metrics, health::live,
                        health::ready));
            } catch (RuntimeException e) {
                app.close();
                throw e;
            }
            return app;
        } catch (RuntimeException e) {
            metrics.close();
            rules.close();
            plan.close();
            throw e;
        }
    }

    /** Plan reloads applied and refused. */
    static void bindPlan(MeterRegistry registry, PlanManager plan) {
        FunctionCounter.builder("driftwatch.plan.reloads", plan, PlanManager::reloads).tag("result", "applied")
                .description("Response plans loaded while running (driftwatch.plan.file changed), by result")
                .register(registry);
        FunctionCounter.builder("driftwatch.plan.reloads", plan, PlanManager::failedReloads).tag("result", "refused")
                .register(registry);
    }

    /** Rule reloads applied and refused, and the size of the running set. */
    static void bindRules(MeterRegistry registry, io.driftwatch.app.rules.RulesMXBean rules) {
        FunctionCounter.builder("driftwatch.rule.reloads", rules, r -> r.getReloads()).tag("result", "applied")
                .description("Rule sets loaded while running (directory or rules topic), by result").register(registry);
        FunctionCounter.builder("driftwatch.rule.reloads", rules, r -> r.getFailedReloads()).tag("result", "refused")
                .register(registry);
        Gauge.builder("driftwatch.rules.loaded", rules, r -> r.getRuleCount())
                .description("Rules in the running rule set").register(registry);
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

    /** The app's meters (what {@code /metrics} serves). */
    public ProcessMetrics metrics() {
        return metrics;
    }

    /** Liveness and readiness, as {@code /health/live} and {@code /health/ready} answer them. */
    public StreamsHealth health() {
        return health;
    }

    public EnrichmentCounters counters() {
        return counters;
    }

    /** The rule set running now (it changes on hot reload). */
    public RuleSet rules() {
        return rules.current();
    }

    /** Where rule sets come from, and the reload counters. */
    public RulesManager rulesManager() {
        return rules;
    }

    /** The response plan and its reload counters (its plan is null without {@code driftwatch.plan.file}). */
    public PlanManager planManager() {
        return plan;
    }

    /** Per-node command routing and its counters; null unless {@code driftwatch.response.commands.per.node=true}. */
    public NodeCommands nodeCommands() {
        return nodeCommands;
    }

    /** The console's address (its API under /api/v1), or null when {@code driftwatch.http.port} is 0. */
    public String consoleUrl() {
        return investigation == null ? null : investigation.url();
    }

    @Override
    public void close() {
        try {
            if (investigation != null) {
                investigation.close();
            }
        } finally {
            try {
                streams.close(Duration.ofSeconds(30));
            } finally {
                try {
                    rules.close();
                    if (plan != null) {
                        plan.close();
                    }
                } finally {
                    try {
                        metrics.close();
                    } finally {
                        if (topicAdmin != null) {
                            topicAdmin.close();
                        }
                    }
                }
            }
        }
    }
}
