package io.driftwatch.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.testkit.RealKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The two images as a cluster would run them (issue 18): converted with skopeo, unpacked with umoci and run with
 * runc. The app's image, as its non-root user, creates its topics, reaches RUNNING against the test broker and
 * registry, and turns produced file events into an alert; the agent's image starts and holds only the agent.
 */
@RealKafka
class ImagesIT {
    private static final Path APP_IMAGE = Path.of(System.getProperty("driftwatch.image.app"));
    private static final Path AGENT_IMAGE = Path.of(System.getProperty("driftwatch.image.agent"));
    private static final Path SCENARIO = Path.of(System.getProperty("driftwatch.scenarios.dir"), "seed-malware-copy");
    private static final String VERSION = System.getProperty("driftwatch.version");
    /** A modest heap for the test machine, in place of the image's container-sized default. */
    private static final String JVM = "JDK_JAVA_OPTIONS=-Xmx512m -XX:+UseSerialGC";

    private static Path work;

    private final KafkaBroker kafka;
    private final SchemaRegistryServer registry;

    ImagesIT(KafkaBroker kafka, SchemaRegistryServer registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    @BeforeAll
    static void tools() throws Exception {
        Container.requireTools();
        work = Files.createTempDirectory("driftwatch-images-");
    }

    @Test
    void theAppImageRunsAsNonRootReachesRunningAndAlerts() throws Exception {
        Path bundle = Container.unpack(APP_IMAGE, work, "app");
        JsonNode process = Container.config(bundle).get("process");
        assertEquals(65532, process.get("user").get("uid").asInt(), "the app runs as a non-root user");
        assertTrue(process.get("args").get(0).asText().equals("/opt/java/bin/java"), process.toString());
        Path rootfs = bundle.resolve("rootfs");
        assertTrue(Files.isRegularFile(rootfs.resolve("etc/driftwatch/driftwatch.properties")));
        assertEquals(List.of(), jars(rootfs).stream().filter(j -> j.startsWith("driftwatch-embedded")
                || j.startsWith("driftwatch-testkit") || j.startsWith("junit") || j.startsWith("kafka_2.13")
                || j.startsWith("driftwatch-node-agent") || j.startsWith("jna-")).toList());

        String prefix = "img" + UUID.randomUUID().toString().substring(0, 8) + ".";
        String id = "dw-app-" + ProcessHandle.current().pid();
        List<String> connection = List.of("--bootstrap-server", kafka.bootstrapServers(),
                "--schema-registry-url", registry.confluentApiUrl(), "--topic-prefix", prefix);

        try (Container topics = Container.start(bundle, work, id + "-topics",
                concat(List.of("topics", "create", "--partitions", "1"), connection), List.of(JVM))) {
            assertEquals(0, topics.await(Duration.ofMinutes(2)), topics.output());
        }

        // The app's configuration and the recorded events, put where the container can read them.
        Files.writeString(rootfs.resolve("etc/driftwatch/test.properties"), String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "schema.registry.url=" + registry.confluentApiUrl(),
                "auto.register.schemas=true",
                "driftwatch.topic.prefix=" + prefix,
                "application.id=" + prefix + "app") + "\n");
        Path scenario = Files.createDirectories(rootfs.resolve("tmp/scenario"));
        for (String file : List.of("events.jsonl", "containers.jsonl", "exec-sessions.jsonl")) {
            Files.copy(SCENARIO.resolve(file), scenario.resolve(file));
        }

        try (Container app = Container.start(bundle, work, id,
                List.of("run", "--config", "/etc/driftwatch/test.properties", "--http-port", "0"), List.of(JVM))) {
            app.awaitOutput("driftwatch ready: ", Duration.ofMinutes(3));
            String status = Files.readString(Path.of("/proc", Long.toString(app.pid()), "status"));
            assertTrue(status.lines().anyMatch(l -> l.matches("Uid:\\s+65532\\s+65532\\s+65532\\s+65532")), status);

            // --shift-to-now: the recording's times are weeks old, past the topics' 7-day retention, and the broker
            // deletes such records at its next retention check (every 5 minutes).
            try (Container produce = Container.start(bundle, work, id + "-produce", concat(List.of("produce", "--shift-to-now",
                    "--events", "/tmp/scenario/events.jsonl", "--metadata", "/tmp/scenario/containers.jsonl",
                    "--exec-sessions", "/tmp/scenario/exec-sessions.jsonl"), connection), List.of(JVM))) {
                assertEquals(0, produce.await(Duration.ofMinutes(2)), produce.output());
            }
            String alert = awaitRecord(prefix + "alerts", "DW-FIM-001", Duration.ofMinutes(2));
            assertTrue(alert != null, "a DW-FIM-001 alert on " + prefix + "alerts; the app's output:\n" + app.output());
            assertTrue(alert.startsWith("c0ffee01 "), "alerts are keyed by container: " + alert);
        }
    }

    @Test
    void theAgentImageStartsAndHoldsOnlyTheAgent() throws Exception {
        Path bundle = Container.unpack(AGENT_IMAGE, work, "agent");
        List<String> jars = jars(bundle.resolve("rootfs"));
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("jna-")), jars.toString());
        assertEquals(List.of(), jars.stream().filter(j -> j.startsWith("driftwatch-streams-app")
                || j.startsWith("driftwatch-cli") || j.startsWith("driftwatch-rules-drl") || j.startsWith("kafka-streams")
                || j.startsWith("drools-") || j.startsWith("rocksdbjni")).toList(), "the agent's image carries no app");
        try (Container agent = Container.start(bundle, work, "dw-agent-" + ProcessHandle.current().pid(),
                List.of("agent", "--version"), List.of(JVM))) {
            assertEquals(0, agent.await(Duration.ofMinutes(1)), agent.output());
            assertTrue(agent.output().contains("driftwatch node agent " + VERSION), agent.output());
        }
        // The metrics server (/metrics, /health) is the JDK's: its module must be in the jlink'd runtime.
        String release = Files.readString(bundle.resolve("rootfs/opt/java/release"));
        assertTrue(release.contains("jdk.httpserver"), release);
        // The responder runs runc: it is in the image, and its libraries with it (run inside the image's root).
        Process runc = new ProcessBuilder("chroot", bundle.resolve("rootfs").toString(), "/usr/bin/runc", "--version")
                .redirectErrorStream(true).start();
        String version = new String(runc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, runc.waitFor(), version);
        assertTrue(version.startsWith("runc version"), version);
    }

    /** The jars an image's Jib layers hold. */
    private static List<String> jars(Path rootfs) throws Exception {
        try (Stream<Path> files = Files.walk(rootfs.resolve("app"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted().toList();
        }
    }

    /** "KEY VALUE" of the first record on {@code topic} whose value names {@code text} (Avro strings are UTF-8). */
    private String awaitRecord(String topic, String text, Duration bound) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "images-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + bound.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    String value = record.value() == null ? "" : new String(record.value(), StandardCharsets.UTF_8);
                    if (value.contains(text)) {
                        return record.key() + " " + value;
                    }
                }
            }
            return null;
        }
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
