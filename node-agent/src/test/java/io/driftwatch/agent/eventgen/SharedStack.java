package io.driftwatch.agent.eventgen;

import io.driftwatch.agent.AgentFiles;
import io.driftwatch.agent.redteam.StackProcess;
import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The one streams app the event-generator suite's test classes share ({@link EventGeneratorIT},
 * {@link BenignWorkloadIT}): {@code run --embedded} in a JVM of its own (as for {@code redteam}), started when the first
 * of them asks for it, and a reader of {@code driftwatch.alerts} and {@code driftwatch.enriched-events} (committed
 * records, from the end of each topic at start) that keeps what arrives for the containers the tests register.
 *
 * <p>Alert collapsing is off ({@code driftwatch.rules.repeat.window.ms=0}): the suite repeats actions on the same
 * path within a minute (five rounds; three readers of /etc/shadow per round) and asks each one for an alert of its
 * own, which with the default 60 s window would be one alert plus a summary a minute later.
 *
 * <p>The stack stops as soon as every class in {@link #USERS} has finished, so it does not idle through other tests of
 * the module; if only some of them run, JUnit closes it with the root store at the end of the run.
 */
public final class SharedStack implements AutoCloseable {
    /** The test classes that share the stack. */
    static final Set<String> USERS = Set.of("io.driftwatch.agent.eventgen.EventGeneratorIT",
            "io.driftwatch.agent.eventgen.BenignWorkloadIT");

    /** A record and when this JVM read it (wall clock, ms). */
    public record Received<T>(T value, long receivedAt) {
    }

    private static final Set<String> finished = ConcurrentHashMap.newKeySet();

    private final StackProcess stack;
    private final Path dir;
    private final KafkaConsumer<String, Object> consumer;
    private final Thread reader;
    private final AtomicBoolean reading = new AtomicBoolean(true);
    private final Set<String> containers = ConcurrentHashMap.newKeySet();
    private final Map<String, List<Received<Alert>>> alerts = new ConcurrentHashMap<>();
    private final Map<String, List<EnrichedEvent>> events = new ConcurrentHashMap<>();
    private final long startedInMillis;
    private volatile boolean closed;

    private SharedStack(StackProcess stack, Path dir, long startedInMillis) {
        this.stack = stack;
        this.dir = dir;
        this.startedInMillis = startedInMillis;
        this.consumer = consumer(stack.bootstrapServers(), stack.registryUrl());
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : List.of("driftwatch.alerts", "driftwatch.enriched-events")) {
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                parts.add(new TopicPartition(p.topic(), p.partition()));
            }
        }
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);
        this.reader = new Thread(this::read, "eventgen-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static SharedStack start() throws Exception {
        Path root = Path.of(System.getProperty("driftwatch.testkit.dir", "target/testkit")).toAbsolutePath()
                .resolve("eventgen").resolve("stack-" + Long.toString(System.currentTimeMillis(), 36));
        Files.createDirectories(root);
        PrintWriter progress = new PrintWriter(System.out, true);
        long began = System.nanoTime();
        StackProcess stack = StackProcess.start(root.resolve("embedded"), progress, 240, true,
                Map.of("driftwatch.rules.repeat.window.ms", "0"));
        long took = (System.nanoTime() - began) / 1_000_000;
        progress.printf("eventgen: streams app with embedded Kafka and registry ready after %.1f s%n", took / 1e3);
        try {
            return new SharedStack(stack, root, took);
        } catch (RuntimeException e) {
            stack.close();
            AgentFiles.deleteQuietly(root);
            throw e;
        }
    }

    private void read() {
        while (reading.get()) {
            try {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.currentTimeMillis();
                    if (r.value() instanceof Alert a && a.getContainerId() != null && containers.contains(a.getContainerId())) {
                        alerts.computeIfAbsent(a.getContainerId(), k -> new CopyOnWriteArrayList<>()).add(new Received<>(a, now));
                    } else if (r.value() instanceof EnrichedEvent e && e.getEvent() != null
                            && containers.contains(e.getEvent().getContainerId())) {
                        events.computeIfAbsent(e.getEvent().getContainerId(), k -> new CopyOnWriteArrayList<>()).add(e);
                    }
                }
            } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
                return;
            } catch (RuntimeException e) {
                if (reading.get()) {
                    System.out.println("eventgen reader: " + e);
                }
            }
        }
    }

    /** Keeps what arrives for this container from now on. */
    public void watch(String containerId) {
        containers.add(containerId);
    }

    /** The alerts read so far for the container, in the order they arrived. */
    public List<Received<Alert>> alerts(String containerId) {
        return List.copyOf(alerts.getOrDefault(containerId, List.of()));
    }

    /** The enriched events (the audit trail) read so far for the container. */
    public List<EnrichedEvent> events(String containerId) {
        return List.copyOf(events.getOrDefault(containerId, List.of()));
    }

    public String bootstrapServers() {
        return stack.bootstrapServers();
    }

    public String registryUrl() {
        return stack.registryUrl();
    }

    /** How long the stack took to come up (ms). */
    public long startupMillis() {
        return startedInMillis;
    }

    /** The app's last lines of output, for failure messages. */
    public List<String> lastOutput(int lines) {
        return stack.lastOutput(lines);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        reading.set(false);
        consumer.wakeup();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            // closing anyway
        }
        stack.close();
        AgentFiles.deleteQuietly(dir);
    }

    private static KafkaConsumer<String, Object> consumer(String bootstrap, String registry) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        return new KafkaConsumer<>(props);
    }

    /** Gives test classes the shared stack as a parameter, and stops it once all of {@link #USERS} are done. */
    public static final class Extension implements ParameterResolver, AfterAllCallback {
        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedStack.class);

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == SharedStack.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(SharedStack.class, key -> {
                try {
                    return start();
                } catch (Exception e) {
                    throw new ParameterResolutionException("could not start the streams app (run --embedded): " + e.getMessage(), e);
                }
            }, SharedStack.class);
        }

        @Override
        public void afterAll(ExtensionContext context) {
            context.getTestClass().ifPresent(c -> finished.add(c.getName()));
            if (finished.containsAll(USERS)) {
                SharedStack stack = context.getRoot().getStore(NAMESPACE).get(SharedStack.class, SharedStack.class);
                if (stack != null) {
                    stack.close();
                }
            }
        }
    }
}
