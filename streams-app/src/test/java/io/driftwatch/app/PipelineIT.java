package io.driftwatch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.testkit.TestkitDirectories;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The whole pipeline on a real broker and registry: Avro in; enriched events, alerts, commands and dead letters out. */
@RealKafka
class PipelineIT {
    private static final long T0 = System.currentTimeMillis() - 60_000;

    @Test
    void eventsInAlertsCommandsAuditTrailAndDeadLettersOut(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(
                DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                DriftwatchConfig.TOPIC_PREFIX, "e2e.",
                "application.id", "driftwatch-e2e",
                // A state directory of this run's own: the broker and the registry are new in every run, so a store
                // kept from an earlier run would hold records whose schema ids name other schemas now.
                "state.dir", TestkitDirectories.root().resolve("e2e-state-" + ProcessHandle.current().pid()).toString()));
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        catalog.all().forEach(t -> topics.add(new NewTopic(catalog.name(t.role(), config), Optional.of(2),
                Optional.of((short) 1)).configs(t.configs())));
        kafka.createTopics(topics);
        // The image's baseline is published before the app starts (the global store loads it at start-up): about
        // 2 MB, over the producer's and broker's 1 MB defaults, which the topic's max.message.bytes allows.
        String imageDigest = "sha256:" + "e2e0".repeat(16);
        Map<String, Object> baselineProducer = new HashMap<>(config.clientProperties());
        baselineProducer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        baselineProducer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        baselineProducer.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 33_554_432);
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(baselineProducer)) {
            producer.send(new ProducerRecord<>(catalog.name("image-baselines", config), imageDigest,
                    baseline(imageDigest, 20_000))).get();
        }

        try (DriftwatchApp app = DriftwatchApp.start(config)) {
            Map<String, Object> producerConfig = new HashMap<>(config.clientProperties());
            producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
            try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerConfig)) {
                ContainerMetadata container = ContainerMetadata.newBuilder().setContainerId("c0ffee01").setNode("node-a")
                        .setContainerName("ledger").setImage("registry.example/ledger:1.4.2").setImageDigest(imageDigest)
                        .setPodName("ledger-1")
                        .setNamespace("payments").setLabels(Map.of()).setStartedAt(T0).build();
                producer.send(new ProducerRecord<>(catalog.name("container-metadata", config), null, T0, "c0ffee01", container));
                ExecSession session = ExecSession.newBuilder().setSessionId("exec-1").setUser("JohnDoe")
                        .setGroups(List.of()).setSourceIps(List.of()).setNamespace("payments").setPodName("ledger-1")
                        .setContainerId("c0ffee01").setStartedAt(T0 + 1000).build();
                producer.send(new ProducerRecord<>(catalog.name("exec-sessions", config), null, T0 + 1000, "c0ffee01", session));
                producer.flush();
                for (FileEvent event : List.of(
                        event("e2e-1", T0 + 2000, EventType.EXEC, "/bin/bash", 900, 0, "bash"),
                        event("e2e-2", T0 + 3000, EventType.OPEN_WRITE, "/usr/bin/dpkg", 901, 900, "cp"),
                        event("e2e-3", T0 + 4000, EventType.MODIFY, "/var/log/ledger.log", 1, 0, "java"),
                        event("e2e-4", T0 + 5000, EventType.EXEC, "/tmp/xmrig", 902, 900, "xmrig"))) {
                    producer.send(new ProducerRecord<>(catalog.name("file-events", config), null, event.getTimestamp(),
                            "c0ffee01", event));
                }
            }
            Map<String, Object> rawConfig = new HashMap<>();
            rawConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(rawConfig, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                raw.send(new ProducerRecord<>(catalog.name("file-events", config), "c0ffee01".getBytes(StandardCharsets.UTF_8),
                        "not avro at all".getBytes(StandardCharsets.UTF_8))).get();
            }

            List<EnrichedEvent> enriched = readUntil(config, catalog.name("enriched-events", config), 4, r -> true);
            assertEquals(4, enriched.size());
            assertTrue(enriched.stream().allMatch(e -> e.getEnrichment() == Enrichment.COMPLETE), enriched.toString());
            // One read (one consumer group) until both the tampering alert and the drift alert are in.
            List<Alert> alerts = readUntil(config, catalog.name("alerts", config), 2,
                    a -> ((Alert) a).getEventIds().contains("e2e-2") || ((Alert) a).getRuleId().equals("DW-FIM-100"));
            Alert tampering = alerts.stream().filter(a -> a.getEventIds().contains("e2e-2")).findFirst().orElseThrow();
            assertEquals(List.of("JohnDoe"), tampering.getUsers());
            assertEquals("payments", tampering.getNamespace());
            assertEquals("registry.example/ledger:1.4.2", tampering.getImage());
            assertEquals(List.of(List.of("e2e-4")), alerts.stream().filter(a -> a.getRuleId().equals("DW-FIM-100"))
                    .map(Alert::getEventIds).toList(), "drift for the program the image lacks, not for its /bin/bash");
            assertEquals(0, app.counters().imageBaselinesMissingCount());
            List<ResponseCommand> commands = readUntil(config, catalog.name("response-commands", config), 1,
                    c -> ((ResponseCommand) c).getAction() == ResponseAction.PAUSE_CONTAINER);
            assertTrue(commands.stream().anyMatch(c -> c.getAction() == ResponseAction.PAUSE_CONTAINER
                    && c.getContainerId().equals("c0ffee01")), commands.toString());

            ConsumerRecord<byte[], byte[]> dead = readDeadLetter(config, catalog.name("dead-letter", config));
            assertEquals("not avro at all", new String(dead.value(), StandardCharsets.UTF_8));
            assertTrue(DeadLetters.header(dead.headers(), DeadLetters.REASON).contains("Unknown magic byte"));
            assertEquals(catalog.name("file-events", config), DeadLetters.header(dead.headers(), DeadLetters.TOPIC));
        }
    }

    /** An image of {@code files} files under /usr/lib plus /bin/bash. */
    private static io.driftwatch.model.ImageBaseline baseline(String digest, int files) {
        List<io.driftwatch.model.ImageFile> all = new ArrayList<>();
        for (String dir : List.of("/bin", "/usr", "/usr/lib", "/tmp")) {
            all.add(io.driftwatch.model.ImageFile.newBuilder().setPath(dir).setKind(io.driftwatch.model.ImageFileKind.DIR)
                    .setMode(dir.equals("/tmp") ? 01777 : 0755).setLayer(0).build());
        }
        all.add(io.driftwatch.model.ImageFile.newBuilder().setPath("/bin/bash").setKind(io.driftwatch.model.ImageFileKind.FILE)
                .setMode(0755).setSha256("ab".repeat(32)).setSize(1_234_567).setLayer(0).build());
        for (int i = 0; i < files; i++) {
            all.add(io.driftwatch.model.ImageFile.newBuilder().setPath("/usr/lib/lib" + i + ".so")
                    .setKind(io.driftwatch.model.ImageFileKind.FILE).setMode(0644)
                    .setSha256(String.format("%064x", i)).setSize(i).setLayer(0).build());
        }
        return io.driftwatch.model.ImageBaseline.newBuilder().setImageDigest(digest).setImage("oci:/images/ledger:1.4.2")
                .setScannedAt(T0).setScanner("0.1.0").setLayers(List.of("sha256:" + "1".repeat(64))).setFiles(all).build();
    }

    private static FileEvent event(String id, long time, EventType type, String path, int pid, int ppid, String process) {
        return FileEvent.newBuilder().setEventId(id).setTimestamp(time).setNode("node-a").setContainerId("c0ffee01")
                .setType(type).setPath(path).setPid(pid).setPpid(ppid).setProcessName(process).setExe("/bin/" + process)
                .setCmdline(process).setUid(0L).setGid(0L).setSource("test").build();
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> readUntil(DriftwatchConfig config, String topic, int atLeast, Predicate<Object> wanted) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-reader-" + topic);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        List<T> values = new ArrayList<>();
        AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
        deserializer.configure(props, false); // instances handed to a consumer are not configured by it
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props, new StringDeserializer(), deserializer)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && values.stream().filter(wanted).count() < atLeast) {
                for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add((T) record.value());
                }
            }
        }
        return values;
    }

    private static ConsumerRecord<byte[], byte[]> readDeadLetter(DriftwatchConfig config, String topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(DriftwatchConfig.BOOTSTRAP_SERVERS));
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-dead-letter-reader");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    return record;
                }
            }
        }
        throw new AssertionError("no dead letter on " + topic + " within 60 s");
    }
}
