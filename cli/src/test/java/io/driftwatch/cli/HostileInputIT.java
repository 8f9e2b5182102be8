package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.cli.bench.TopicFuzz;
import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.app.topology.DeadLetters;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import io.driftwatch.schemas.serde.AvroSerde;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.testkit.TestkitDirectories;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's hostile-input suite on a real broker and registry: every input class, each between
 * two valid events, with a restart of the app after each. The app stays RUNNING, every valid event
 * is enriched exactly once, and each hostile record is dead-lettered with its reason or processed
 * as src/operations.md documents. Then a short topic-level fuzz ({@code ./driftwatch fuzz} runs
 * longer ones).
 */
@RealKafka
class HostileInputIT {
    private static final String CLASS_HEADER = "test.hostile-class";
    private static final String C = "c-hostile";

    private final KafkaBroker kafka;
    private final SchemaRegistryServer registry;

    HostileInputIT(KafkaBroker kafka, SchemaRegistryServer registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    private DriftwatchConfig config(String prefix, String appId) throws Exception {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(
                DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                DriftwatchConfig.TOPIC_PREFIX, prefix,
                "application.id", appId,
                "commit.interval.ms", "200",
                "session.timeout.ms", "6000",
                "heartbeat.interval.ms", "1000",
                "state.dir", TestkitDirectories.root().resolve(appId + "-state").toString()));
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        catalog.all().forEach(t -> topics.add(new NewTopic(catalog.name(t.role(), config), Optional.of(2),
                Optional.of((short) 1)).configs(t.configs())));
        kafka.createTopics(topics);
        return config;
    }

    /** One hostile class: what it sends, and what must come of it. */
    private record HostileClass(String name, Consumer<Sender> send, String deadLetterReason,
                                Predicate<EnrichedEvent> processedAs) {
        static HostileClass deadLettered(String name, String reason, Consumer<Sender> send) {
            return new HostileClass(name, send, reason, null);
        }

        static HostileClass processed(String name, Predicate<EnrichedEvent> as, Consumer<Sender> send) {
            return new HostileClass(name, send, null, as);
        }
    }

    /** Sends one class's records, each tagged with the class in a header (dead letters keep the headers). */
    private static final class Sender {
        final KafkaProducer<byte[], byte[]> producer;
        final TopicCatalog catalog = TopicCatalog.builtIn();
        final DriftwatchConfig config;
        final AvroSerde<FileEvent> events;
        final AvroSerde<ContainerMetadata> metadata;
        final AvroSerde<ExecSession> sessions;
        String currentClass;

        Sender(DriftwatchConfig config, KafkaProducer<byte[], byte[]> producer) {
            this.config = config;
            this.producer = producer;
            SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(config.clientProperties());
            events = AvroSerde.specific(FileEvent.class, client).configuredForValues(config.clientProperties());
            metadata = AvroSerde.specific(ContainerMetadata.class, client).configuredForValues(config.clientProperties());
            sessions = AvroSerde.specific(ExecSession.class, client).configuredForValues(config.clientProperties());
        }

        String topic(String role) {
            return catalog.name(role, config);
        }

        byte[] event(FileEvent e) {
            return events.serializer().serialize(topic("file-events"), e);
        }

        byte[] metadata(ContainerMetadata m) {
            return metadata.serializer().serialize(topic("container-metadata"), m);
        }

        byte[] session(ExecSession s) {
            return sessions.serializer().serialize(topic("exec-sessions"), s);
        }

        void send(String role, String key, byte[] value) {
            send(role, key, value, System.currentTimeMillis());
        }

        void send(String role, String key, byte[] value, long recordTime) {
            var headers = new RecordHeaders();
            if (currentClass != null) {
                headers.add(CLASS_HEADER, currentClass.getBytes(StandardCharsets.UTF_8));
            }
            try {
                producer.send(new ProducerRecord<>(topic(role), null, recordTime,
                        key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, headers)).get();
            } catch (Exception e) {
                throw new AssertionError("could not send " + currentClass, e);
            }
        }
    }

    private static FileEvent event(String id, String container, long time, String path) {
        return FileEvent.newBuilder().setEventId(id).setTimestamp(time).setNode("node-h").setContainerId(container)
                .setType(EventType.MODIFY).setPath(path).setPid(4242).setPpid(1).setProcessName("cp").setExe("/bin/cp")
                .setCmdline("cp x " + path).setUid(0L).setGid(0L).setSource("test").build();
    }

    private static byte[] withHeader(byte[] valid, int keep) {
        return Arrays.copyOf(valid, keep);
    }

    @Test
    void everyHostileClassIsDeadLetteredOrProcessedAndTheAppKeepsRunning() throws Exception {
        DriftwatchConfig config = config("hostile.", "driftwatch-hostile");
        long now = System.currentTimeMillis();
        long tenYears = Duration.ofDays(3650).toMillis();
        List<HostileClass> classes = List.of(
                // The classes that stopped the app before issue 13:
                HostileClass.processed("megabyte-cmdline", e -> e.getEvent().getCmdline().length() == 4096
                                && e.getEvent().getTruncated().contains("cmdline"),
                        s -> s.send("file-events", C, s.event(FileEvent.newBuilder(event("h-megabyte-cmdline", C, now,
                                "/usr/bin/dpkg")).setCmdline("cp " + "A".repeat(1 << 20)).build()))),
                HostileClass.processed("future-10-years", e -> e.getEvent().getOriginalTimestamp() != null
                                && e.getEvent().getTimestamp() < now + 600_000,
                        s -> s.send("file-events", C, s.event(event("h-future-10-years", C, now + tenYears, "/etc/x")))),
                HostileClass.processed("future-2-hours", e -> e.getEvent().getOriginalTimestamp() != null,
                        s -> s.send("file-events", C, s.event(event("h-future-2-hours", C, now + 7_200_000, "/etc/y")))),
                HostileClass.deadLettered("exec-session-on-container-metadata", "Wrong record type",
                        s -> s.send("container-metadata", C, s.session(ExecSession.newBuilder().setSessionId("x")
                                .setContainerId(C).setGroups(List.of()).setSourceIps(List.of()).setStartedAt(now)
                                .build()))),
                HostileClass.processed("wrong-key", e -> e.getEnrichment() == Enrichment.COMPLETE,
                        s -> s.send("file-events", "not-its-container", s.event(event("h-wrong-key", C, now, "/a")))),
                HostileClass.processed("null-key", e -> e.getEnrichment() == Enrichment.COMPLETE,
                        s -> s.send("file-events", null, s.event(event("h-null-key", C, now, "/b")))),
                HostileClass.processed("nul-in-path", e -> e.getEvent().getPath().equals("/usr/bin/dpkg\\x00.txt"),
                        s -> s.send("file-events", C, s.event(event("h-nul-in-path", C, now, "/usr/bin/dpkg\u0000.txt")))),
                HostileClass.processed("ten-thousand-labels", e -> e.getContainer() != null
                                && e.getContainer().getLabels().size() == 256
                                && e.getContainer().getTruncated().contains("labels"),
                        s -> {
                            Map<String, String> labels = new HashMap<>();
                            for (int i = 0; i < 10_000; i++) {
                                labels.put("label-" + i, "v".repeat(100));
                            }
                            s.send("container-metadata", "c-labels", s.metadata(ContainerMetadata.newBuilder()
                                    .setContainerId("c-labels").setNode("node-h").setLabels(labels).setStartedAt(now - 1000)
                                    .build()), now - 1000);
                            s.send("file-events", "c-labels", s.event(event("h-ten-thousand-labels", "c-labels", now, "/c")));
                        }),
                HostileClass.processed("megabyte-exec-command", e -> true, s -> s.send("exec-sessions", "hostile/pod-h",
                        s.session(ExecSession.newBuilder().setSessionId("h-big").setUser("mallory").setGroups(List.of())
                                .setSourceIps(List.of()).setNamespace("hostile").setPodName("pod-h")
                                .setCommand("sh -c " + "B".repeat(1 << 20)).setStartedAt(now).build()))),
                HostileClass.deadLettered("id-too-long", "identifiers are at most",
                        s -> s.send("file-events", C, s.event(event("i".repeat(1000), C, now, "/d")))),
                HostileClass.deadLettered("metadata-under-another-key", "must be keyed by containerId",
                        s -> s.send("container-metadata", "someone-else", s.metadata(ContainerMetadata.newBuilder()
                                .setContainerId(C).setLabels(Map.of()).setStartedAt(now).build()))),
                // The classes that already worked, kept working:
                HostileClass.deadLettered("wrong-magic-byte", "magic byte",
                        s -> s.send("file-events", C, new byte[] {1, 0, 0, 0, 1, 2, 3})),
                HostileClass.deadLettered("unknown-schema-id", "Unknown schema id",
                        s -> s.send("file-events", C, new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 2, 4})),
                HostileClass.deadLettered("truncated-avro", "could not decode",
                        s -> {
                            byte[] valid = s.event(event("h-trunc", C, now, "/e"));
                            s.send("file-events", C, withHeader(valid, valid.length / 2));
                        }),
                HostileClass.deadLettered("two-gigabyte-length", "could not decode",
                        s -> {
                            byte[] valid = s.event(event("h-len", C, now, "/f"));
                            byte[] bad = withHeader(valid, 12);
                            System.arraycopy(new byte[] {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}, 0,
                                    bad, 5, 5);
                            s.send("file-events", C, bad);
                        }),
                HostileClass.deadLettered("json", "magic byte",
                        s -> s.send("file-events", C, "{\"eventId\":\"j\"}".getBytes(StandardCharsets.UTF_8))),
                HostileClass.deadLettered("empty-value", "could not decode", s -> s.send("file-events", C, new byte[0])),
                HostileClass.deadLettered("null-value", "empty value", s -> s.send("file-events", C, null)),
                HostileClass.deadLettered("negative-timestamp", "must be epoch milliseconds",
                        s -> s.send("file-events", C, s.event(event("h-neg", C, -5, "/g")))),
                HostileClass.deadLettered("exec-session-on-file-events", "Wrong record type",
                        s -> s.send("file-events", C, s.session(ExecSession.newBuilder().setSessionId("y")
                                .setContainerId(C).setGroups(List.of()).setSourceIps(List.of()).setStartedAt(now)
                                .build()))));

        Map<String, Object> producerProps = new HashMap<>(config.adminProperties());
        producerProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20); // as a hostile producer would
        long replaced = 0;
        List<String> valid = new ArrayList<>();
        Map<String, List<EnrichedEvent>> enriched = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(),
                new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> trail = consumer(config, "enriched-events")) {
            Sender sender = new Sender(config, producer);
            sender.send("container-metadata", C, sender.metadata(ContainerMetadata.newBuilder().setContainerId(C)
                    .setNode("node-h").setImage("registry.example/h:1").setLabels(Map.of()).setStartedAt(now - 60_000)
                    .build()), now - 60_000);
            var eventReader = AvroSerde.specific(EnrichedEvent.class, SchemaRegistryClient.fromConfigs(
                    config.clientProperties())).configuredForValues(config.clientProperties()).deserializer();
            DriftwatchApp app = DriftwatchApp.start(config);
            try {
                for (HostileClass hostile : classes) {
                    DriftwatchApp.awaitRunning(app.streams(), Duration.ofSeconds(60));
                    String before = "ok-" + hostile.name() + "-before";
                    String after = "ok-" + hostile.name() + "-after";
                    sender.currentClass = null;
                    sender.send("file-events", C, sender.event(event(before, C, now, "/app/ok")));
                    sender.currentClass = hostile.name();
                    hostile.send().accept(sender);
                    sender.currentClass = null;
                    sender.send("file-events", C, sender.event(event(after, C, now, "/app/ok")));
                    valid.add(before);
                    valid.add(after);
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (!enriched.containsKey(after) && System.nanoTime() < deadline) {
                        for (ConsumerRecord<byte[], byte[]> r : trail.poll(Duration.ofMillis(200))) {
                            EnrichedEvent e = eventReader.deserialize("t", r.value());
                            enriched.computeIfAbsent(e.getEvent().getEventId(), k -> new ArrayList<>()).add(e);
                        }
                    }
                    assertTrue(enriched.containsKey(after), hostile.name() + ": the valid event after it was not enriched"
                            + " (app " + app.streams().state() + ")");
                    assertEquals(KafkaStreams.State.RUNNING, app.streams().state(), hostile.name());
                    // A restart after each class reads nothing that fails again.
                    replaced += app.counters().threadsReplacedCount();
                    restart(app);
                    app = DriftwatchApp.start(config);
                }
                DriftwatchApp.awaitRunning(app.streams(), Duration.ofSeconds(60));
                Thread.sleep(1500);
                assertEquals(KafkaStreams.State.RUNNING, app.streams().state());
                replaced += app.counters().threadsReplacedCount();
            } finally {
                app.close();
            }
            // Duplicates written after the last poll would show up here.
            for (int i = 0; i < 10; i++) {
                for (ConsumerRecord<byte[], byte[]> r : trail.poll(Duration.ofMillis(200))) {
                    EnrichedEvent e = eventReader.deserialize("t", r.value());
                    enriched.computeIfAbsent(e.getEvent().getEventId(), k -> new ArrayList<>()).add(e);
                }
            }
        }
        assertEquals(0, replaced, "no stream thread died");
        for (String id : valid) {
            assertEquals(1, enriched.getOrDefault(id, List.of()).size(), id + " enriched exactly once");
        }

        Map<String, List<ConsumerRecord<byte[], byte[]>>> deadByClass = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> dead = consumer(config, "dead-letter")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : dead.poll(Duration.ofMillis(200))) {
                    String name = DeadLetters.header(r.headers(), CLASS_HEADER);
                    deadByClass.computeIfAbsent(String.valueOf(name), k -> new ArrayList<>()).add(r);
                }
            }
        }
        for (HostileClass hostile : classes) {
            List<ConsumerRecord<byte[], byte[]>> dead = deadByClass.getOrDefault(hostile.name(), List.of());
            if (hostile.deadLetterReason() != null) {
                assertEquals(1, dead.size(), hostile.name() + " dead-lettered once");
                String reason = DeadLetters.header(dead.get(0).headers(), DeadLetters.REASON);
                assertTrue(reason.contains(hostile.deadLetterReason()), hostile.name() + ": " + reason);
            } else {
                assertEquals(List.of(), dead.stream().map(r -> DeadLetters.header(r.headers(), DeadLetters.REASON))
                        .toList(), hostile.name() + " is processed, not dead-lettered");
                String id = "h-" + hostile.name();
                if (!hostile.name().equals("megabyte-exec-command")) {
                    List<EnrichedEvent> out = enriched.getOrDefault(id, List.of());
                    assertEquals(1, out.size(), id + " enriched once");
                    assertTrue(hostile.processedAs().test(out.get(0)), hostile.name() + ": " + out.get(0));
                }
            }
        }
        // The skewed node is itself an alert.
        List<Alert> skew = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> alerts = consumer(config, "alerts")) {
            var alertReader = AvroSerde.specific(Alert.class, SchemaRegistryClient.fromConfigs(config.clientProperties()))
                    .configuredForValues(config.clientProperties()).deserializer();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline && skew.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : alerts.poll(Duration.ofMillis(200))) {
                    Alert a = alertReader.deserialize("t", r.value());
                    if (a.getRuleId().equals("DW-CLOCK-001")) {
                        skew.add(a);
                    }
                }
            }
        }
        assertTrue(!skew.isEmpty() && skew.get(0).getNode().equals("node-h"), "a clock-skew alert for node-h: " + skew);
    }

    @Test
    void aShortTopicFuzzEndsWithNoCrash() throws Exception {
        DriftwatchConfig config = config("fuzz.", "driftwatch-fuzz-it");
        TopicFuzz.Result result = TopicFuzz.run(config, Duration.ofSeconds(20), 13, 200, null);
        System.out.println(result.summary());
        assertTrue(result.hostile() > 1000, result.summary());
        assertEquals(0, result.crashes(), result.summary());
        assertEquals(List.of(), result.missing(), result.summary());
        assertEquals(0, result.duplicates(), result.summary());
    }

    /**
     * With {@code auto.register.schemas=false} the operator registers the topics' schemas
     * ({@code ./driftwatch schemas register}); the state stores' changelog subjects are the app's
     * own and were never registered, so the first store write failed (a held event, a session).
     */
    @Test
    void withAutoRegistrationOffTheStateStoresStillWork() throws Exception {
        DriftwatchConfig base = config("noreg.", "driftwatch-noreg");
        DriftwatchConfig config = base.withOverrides(Map.of("auto.register.schemas", "false",
                "use.latest.version", "true"));
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(base.clientProperties());
        TopicCatalog catalog = TopicCatalog.builtIn();
        client.register(catalog.name("enriched-events", config) + "-value", EnrichedEvent.getClassSchema());
        client.register(catalog.name("alerts", config) + "-value", Alert.getClassSchema());
        client.register(catalog.name("response-commands", config) + "-value",
                io.driftwatch.model.ResponseCommand.getClassSchema());
        long now = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(base.adminProperties(),
                new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> trail = consumer(config, "enriched-events");
             DriftwatchApp app = DriftwatchApp.start(config)) {
            Sender sender = new Sender(base, producer); // the producers register their own subjects
            // An event before its metadata is held in a store, then released by the metadata.
            sender.send("file-events", "c-noreg", sender.event(event("noreg-1", "c-noreg", now, "/usr/bin/dpkg")));
            sender.send("exec-sessions", "c-noreg", sender.session(ExecSession.newBuilder().setSessionId("noreg-s")
                    .setUser("alice").setGroups(List.of()).setSourceIps(List.of()).setContainerId("c-noreg")
                    .setStartedAt(now - 500).build()), now - 500);
            sender.send("container-metadata", "c-noreg", sender.metadata(ContainerMetadata.newBuilder()
                    .setContainerId("c-noreg").setNode("node-n").setLabels(Map.of()).setStartedAt(now - 1000).build()),
                    now - 1000);
            var reader = AvroSerde.specific(EnrichedEvent.class, client).configuredForValues(base.clientProperties())
                    .deserializer();
            List<EnrichedEvent> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.isEmpty() && System.nanoTime() < deadline
                    && app.streams().state() != KafkaStreams.State.ERROR) {
                trail.poll(Duration.ofMillis(200)).forEach(r -> out.add(reader.deserialize("t", r.value())));
            }
            assertEquals(1, out.size(), "app " + app.streams().state() + ", threads replaced "
                    + app.counters().threadsReplacedCount());
            assertEquals("node-n", out.get(0).getContainer().getNode());
            assertEquals(0, app.counters().threadsReplacedCount());
        }
    }

    /** Closes leaving the group, so that the next start does not wait out the old member's session. */
    private static void restart(DriftwatchApp app) {
        app.streams().close(org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(30)));
        app.close();
    }

    private static KafkaConsumer<byte[], byte[]> consumer(DriftwatchConfig config, String role) {
        Map<String, Object> props = new HashMap<>(config.adminProperties());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "hostile-check-" + role + "-" + System.nanoTime());
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(TopicCatalog.builtIn().name(role, config)));
        return consumer;
    }
}
