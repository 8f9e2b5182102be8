package io.driftwatch.cli.bench;

import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import io.driftwatch.schemas.serde.AvroSerde;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A topic-level fuzz of the running app (issue 13): random bytes and mutated valid Avro on every
 * input topic, under random, null and right keys, interleaved with valid file events. It ends
 * with what the app did: every valid event must be enriched exactly once, the app must never
 * leave RUNNING for ERROR and no stream thread may die. {@code ./driftwatch fuzz} runs it on the
 * embedded stack; HostileInputIT runs a short one on the test broker.
 */
public final class TopicFuzz {
    private static final String[] CONTAINERS = {"fz-c1", "fz-c2", "fz-c3", "fz-c4"};

    /** What a run did and saw. */
    public record Result(long valid, long hostile, Map<String, Long> hostileByKind, long enrichedValid, long duplicates,
                         List<String> missing, long deadLettered, long threadsReplaced, List<String> badStates,
                         Duration took) {
        /** A crash: the app reached ERROR, or a stream thread died. */
        public long crashes() {
            return badStates.size() + threadsReplaced;
        }

        public boolean passed() {
            return crashes() == 0 && duplicates == 0 && missing.isEmpty();
        }

        public String summary() {
            return String.format("fuzz: %,d hostile records (%s) and %,d valid events in %d s%n"
                            + "  valid events enriched: %,d of %,d (%d duplicates, %d missing)%n"
                            + "  dead-lettered: %,d; stream threads replaced: %d; states outside RUNNING/REBALANCING: %s%n"
                            + "  crashes: %d -> %s",
                    hostile, hostileByKind, valid, took.toSeconds(), enrichedValid, valid, duplicates, missing.size(),
                    deadLettered, threadsReplaced, badStates.isEmpty() ? "none" : badStates, crashes(),
                    passed() ? "PASS" : "FAIL");
        }
    }

    private TopicFuzz() {
    }

    /** Runs the app on {@code config} (topics must exist) and fuzzes it for {@code duration}. */
    public static Result run(DriftwatchConfig config, Duration duration, long seed, int ratePerSecond,
                             PrintWriter progress) throws Exception {
        TopicCatalog catalog = TopicCatalog.builtIn();
        Map<String, String> inputs = new TreeMap<>();
        for (String role : List.of("file-events", "container-metadata", "exec-sessions", "exec-sessions-by-container",
                "file-events-by-container")) {
            inputs.put(role, catalog.name(role, config));
        }
        SchemaRegistryClient registry = SchemaRegistryClient.fromConfigs(config.clientProperties());
        Map<String, Object> serdeConfig = new HashMap<>(config.clientProperties());
        serdeConfig.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "true");
        var eventSerde = AvroSerde.specific(FileEvent.class, registry).configuredForValues(serdeConfig);
        var metadataSerde = AvroSerde.specific(ContainerMetadata.class, registry).configuredForValues(serdeConfig);
        var sessionSerde = AvroSerde.specific(ExecSession.class, registry).configuredForValues(serdeConfig);

        Random random = new Random(seed);
        long started = System.nanoTime();
        long now = System.currentTimeMillis();
        List<String> badStates = new ArrayList<>();
        Map<String, Long> byKind = new TreeMap<>();
        long valid = 0;
        long hostile = 0;
        AtomicInteger refused = new AtomicInteger();
        try (DriftwatchApp app = DriftwatchApp.start(config);
             KafkaProducer<byte[], byte[]> producer = producer(config)) {
            DriftwatchApp.awaitRunning(app.streams(), Duration.ofSeconds(60));
            for (String container : CONTAINERS) {
                ContainerMetadata m = ContainerMetadata.newBuilder().setContainerId(container).setNode("fuzz-node")
                        .setContainerName("app").setImage("registry.example/app:1").setPodName("pod-" + container)
                        .setNamespace("fuzz").setLabels(Map.of()).setStartedAt(now - 60_000).build();
                producer.send(new ProducerRecord<>(inputs.get("container-metadata"), null, now - 60_000,
                        bytes(container), metadataSerde.serializer().serialize(inputs.get("container-metadata"), m)));
            }
            // Templates the mutations start from: valid records of each input type (never a "valid-" event id).
            List<byte[]> templates = List.of(
                    eventSerde.serializer().serialize(inputs.get("file-events"), event("tmpl-1", "fz-c1", now, "/usr/bin/dpkg")),
                    metadataSerde.serializer().serialize(inputs.get("container-metadata"), ContainerMetadata.newBuilder()
                            .setContainerId("fz-c2").setLabels(Map.of("a", "b")).setStartedAt(now).build()),
                    sessionSerde.serializer().serialize(inputs.get("exec-sessions"), ExecSession.newBuilder()
                            .setSessionId("tmpl-s").setUser("u").setGroups(List.of()).setSourceIps(List.of())
                            .setNamespace("fuzz").setPodName("pod-fz-c3").setStartedAt(now).build()));
            List<String> roles = new ArrayList<>(inputs.keySet());
            long end = System.nanoTime() + duration.toNanos();
            long nextReport = System.nanoTime() + 10_000_000_000L;
            long sentThisSecond = 0;
            long secondStart = System.nanoTime();
            while (System.nanoTime() < end) {
                KafkaStreams.State state = app.streams().state();
                if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
                    badStates.add(state + " after " + hostile + " hostile records");
                    break;
                }
                if (random.nextInt(4) == 0) {
                    String container = CONTAINERS[random.nextInt(CONTAINERS.length)];
                    long time = System.currentTimeMillis();
                    FileEvent event = event("valid-" + valid, container, time, "/app/data/" + valid);
                    producer.send(new ProducerRecord<>(inputs.get("file-events"), null, time, bytes(container),
                            eventSerde.serializer().serialize(inputs.get("file-events"), event)));
                    valid++;
                } else {
                    String role = roles.get(random.nextInt(roles.size()));
                    String kind = random.nextBoolean() ? "random-bytes" : "mutated-avro";
                    byte[] value = kind.equals("random-bytes") ? randomBytes(random)
                            : mutate(templates.get(random.nextInt(templates.size())), random);
                    byte[] key = switch (random.nextInt(3)) {
                        // The broker itself refuses keyless records on a compacted topic (container-metadata).
                        case 0 -> role.equals("container-metadata") ? new byte[0] : null;
                        case 1 -> bytes(CONTAINERS[random.nextInt(CONTAINERS.length)]);
                        default -> randomBytes(random, 40);
                    };
                    producer.send(new ProducerRecord<>(inputs.get(role), null, System.currentTimeMillis(), key, value),
                            (metadata, failed) -> {
                                if (failed != null) {
                                    refused.incrementAndGet();
                                }
                            });
                    byKind.merge(kind, 1L, Long::sum);
                    hostile++;
                }
                if (++sentThisSecond >= ratePerSecond) {
                    long wait = 1_000_000_000L - (System.nanoTime() - secondStart);
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000);
                    }
                    sentThisSecond = 0;
                    secondStart = System.nanoTime();
                }
                if (System.nanoTime() > nextReport && progress != null) {
                    progress.printf("  ... %,d hostile, %,d valid sent; app %s; %s%n", hostile, valid,
                            app.streams().state(), app.counters().asMap());
                    progress.flush();
                    nextReport += 10_000_000_000L;
                }
            }
            producer.flush();
            if (refused.get() > 0) {
                badStates.add(refused.get() + " hostile records refused by the broker (not a test of the app)");
            }
            if (progress != null) {
                progress.printf("  sent; waiting for the app to enrich the %,d valid events%n", valid);
                progress.flush();
            }
            Map<String, Integer> seen = readValidIds(config, catalog.name("enriched-events", config), valid,
                    Duration.ofSeconds(90));
            long duplicates = seen.values().stream().filter(n -> n > 1).count();
            List<String> missing = new ArrayList<>();
            for (long i = 0; i < valid; i++) {
                if (!seen.containsKey("valid-" + i)) {
                    missing.add("valid-" + i);
                }
            }
            if (app.streams().state() != KafkaStreams.State.RUNNING
                    && app.streams().state() != KafkaStreams.State.REBALANCING) {
                badStates.add("final " + app.streams().state());
            }
            return new Result(valid, hostile, byKind, seen.size(), duplicates, missing,
                    app.counters().deadLetteredCount() + app.counters().deserializationErrorCount()
                            + app.counters().processingErrorCount(),
                    app.counters().threadsReplacedCount(), List.copyOf(badStates),
                    Duration.ofNanos(System.nanoTime() - started));
        }
    }

    static FileEvent event(String id, String container, long time, String path) {
        return FileEvent.newBuilder().setEventId(id).setTimestamp(time).setNode("fuzz-node").setContainerId(container)
                .setType(EventType.OPEN_WRITE).setPath(path).setPid(100).setPpid(1).setProcessName("java")
                .setExe("/usr/bin/java").setCmdline("java -jar app.jar").setSource("fuzz").build();
    }

    /** Byte flips, truncation, insertion, a changed schema id or a huge length: the shapes a broken or hostile writer makes. */
    static byte[] mutate(byte[] valid, Random random) {
        byte[] out = valid.clone();
        switch (random.nextInt(6)) {
            case 0 -> {
                for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
                    out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length));
            case 2 -> {
                int at = 5 + random.nextInt(out.length - 5);
                byte[] grown = new byte[out.length + 1 + random.nextInt(8)];
                System.arraycopy(out, 0, grown, 0, at);
                for (int i = at; i < at + grown.length - out.length; i++) {
                    grown[i] = (byte) random.nextInt(256);
                }
                System.arraycopy(out, at, grown, at + grown.length - out.length, out.length - at);
                out = grown;
            }
            case 3 -> out[1 + random.nextInt(4)] = (byte) random.nextInt(256); // schema id
            case 4 -> {
                // An Avro length that claims gigabytes, right after the header.
                byte[] huge = {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
                int at = 5 + random.nextInt(Math.max(1, out.length - 10));
                System.arraycopy(huge, 0, out, at, Math.min(huge.length, out.length - at));
            }
            default -> out[0] = (byte) random.nextInt(256); // magic byte
        }
        return out;
    }

    private static byte[] randomBytes(Random random) {
        return randomBytes(random, random.nextInt(10) == 0 ? 0 : 2000);
    }

    private static byte[] randomBytes(Random random, int max) {
        byte[] b = new byte[max == 0 ? 0 : random.nextInt(max)];
        random.nextBytes(b);
        return b;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static KafkaProducer<byte[], byte[]> producer(DriftwatchConfig config) {
        Map<String, Object> props = new HashMap<>(config.adminProperties());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** How often each valid event id appears on the enriched-events topic (read_committed). */
    static Map<String, Integer> readValidIds(DriftwatchConfig config, String topic, long expected, Duration timeout) {
        Map<String, Object> props = new HashMap<>(config.adminProperties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "fuzz-check-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Object> serdeConfig = new HashMap<>(config.clientProperties());
        var deserializer = AvroSerde.specific(EnrichedEvent.class,
                SchemaRegistryClient.fromConfigs(config.clientProperties())).configuredForValues(serdeConfig).deserializer();
        Map<String, Integer> seen = new HashMap<>();
        int quiet = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            // Read until every expected id is there, then a little longer to catch duplicates.
            while (System.nanoTime() < deadline && (seen.size() < expected || quiet < 10)) {
                var records = consumer.poll(Duration.ofMillis(300));
                if (seen.size() >= expected) {
                    quiet++;
                }
                for (ConsumerRecord<String, byte[]> record : records) {
                    EnrichedEvent e = deserializer.deserialize(topic, record.value());
                    String id = e.getEvent().getEventId();
                    if (id.startsWith("valid-")) {
                        seen.merge(id, 1, Integer::sum);
                    }
                }
            }
        }
        return seen;
    }
}
