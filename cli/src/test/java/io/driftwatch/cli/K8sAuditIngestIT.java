package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.testkit.TestkitDirectories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest k8s-audit} against a real broker and registry, with the app running: the audit log's
 * kubectl exec becomes a session keyed namespace/pod, and the write of a shell in that pod's container
 * during the session raises an alert naming the exec user.
 */
@RealKafka
class K8sAuditIngestIT {
    private static final long T0 = System.currentTimeMillis() - 60_000;
    private static final DateTimeFormatter RFC3339_MICROS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final String EXEC_ID = "3a8e2f10-7c41-4b9e-a5d2-6f1e0b9c4d01";

    @TempDir
    Path dir;

    private static String time(long millis) {
        return RFC3339_MICROS.format(Instant.ofEpochMilli(millis).plusNanos(123_000));
    }

    /** One audit event as the API server's log backend writes it. */
    private static String event(String auditId, String stage, String verb, String user, String query, int code,
                                long received, long stageTime) {
        return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"" + auditId
                + "\",\"stage\":\"" + stage + "\",\"requestURI\":\"/api/v1/namespaces/payments/pods/ledger-1/exec?"
                + query.replace("&", "\\u0026") + "\",\"verb\":\"" + verb + "\",\"user\":{\"username\":\"" + user
                + "\",\"groups\":[\"system:authenticated\"]},\"sourceIPs\":[\"10.1.2.3\"],"
                + "\"userAgent\":\"kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46\",\"objectRef\":{\"resource\":\"pods\","
                + "\"namespace\":\"payments\",\"name\":\"ledger-1\",\"apiVersion\":\"v1\",\"subresource\":\"exec\"},"
                + "\"responseStatus\":{\"metadata\":{},\"code\":" + code + "},\"requestReceivedTimestamp\":\""
                + time(received) + "\",\"stageTimestamp\":\"" + time(stageTime) + "\"}";
    }

    @Test
    void ingestedExecSessionsNameTheUserOnAlertsOfTheShellsWrites(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(
                DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                DriftwatchConfig.TOPIC_PREFIX, "k8saudit.",
                "application.id", "driftwatch-k8saudit-it",
                "state.dir", TestkitDirectories.root().resolve("k8saudit-state").toString()));
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        catalog.all().forEach(t -> topics.add(new NewTopic(catalog.name(t.role(), config), Optional.of(2),
                Optional.of((short) 1)).configs(t.configs())));
        // With two partitions, "payments/ledger-1" (the session's key) and "k8s0aud1" (the container's) fall in
        // different ones: the session reaches the container's events only through the app's re-keying.
        kafka.createTopics(topics);
        String sessionsTopic = catalog.name("exec-sessions", config);

        Path audit = dir.resolve("kube-apiserver-audit.log");
        String shell = "command=%2Fbin%2Fsh&container=ledger&stdin=true&stdout=true&tty=true";
        Files.write(audit, List.of(
                event(EXEC_ID, "RequestReceived", "get", "alice@example.com", shell, 0, T0 + 1000, T0 + 1000)
                        .replace(",\"responseStatus\":{\"metadata\":{},\"code\":0}", ""),
                event(EXEC_ID, "ResponseStarted", "get", "alice@example.com", shell, 101, T0 + 1000, T0 + 1080),
                event("3a8e2f10-7c41-4b9e-a5d2-6f1e0b9c4d02", "ResponseComplete", "create", "mallory", shell, 403,
                        T0 + 1500, T0 + 1503),
                "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"x",
                event(EXEC_ID, "ResponseComplete", "get", "alice@example.com", shell, 101, T0 + 1000, T0 + 30_000)));

        try (DriftwatchApp app = DriftwatchApp.start(config)) {
            DriftwatchApp.awaitRunning(app.streams(), Duration.ofSeconds(60));
            Map<String, Object> producerConfig = new HashMap<>(config.clientProperties());
            producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
            try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerConfig)) {
                ContainerMetadata container = ContainerMetadata.newBuilder().setContainerId("k8s0aud1").setNode("node-b")
                        .setContainerName("ledger").setImage("registry.example/ledger:1.4.2").setPodName("ledger-1")
                        .setNamespace("payments").setLabels(Map.of()).setStartedAt(T0).build();
                producer.send(new ProducerRecord<>(catalog.name("container-metadata", config), null, T0, "k8s0aud1",
                        container)).get();

                CliHelpTest.Run ingest = CliHelpTest.run("ingest", "k8s-audit", "--file", audit.toString(),
                        "--bootstrap-server", kafka.bootstrapServers(), "--schema-registry-url", registry.confluentApiUrl(),
                        "--topic-prefix", "k8saudit.");
                assertEquals(0, ingest.exitCode(), ingest.err());
                assertTrue(ingest.err().contains("1 sessions opened, 1 closed, 0 still open"), ingest.err());
                assertTrue(ingest.err().contains("1 exec requests refused or failed"), ingest.err());
                assertTrue(ingest.err().contains("skipped " + audit + ":4: not valid JSON"), ingest.err());
                assertTrue(ingest.err().contains("2 records, produced to " + sessionsTopic), ingest.err());

                // The sessions as they are on the topic: keyed namespace/pod, stamped with their event time.
                List<ConsumerRecord<String, Object>> sessions = read(config, sessionsTopic, 2, r -> true);
                assertEquals(2, sessions.size(), sessions.toString());
                for (ConsumerRecord<String, Object> record : sessions) {
                    assertEquals("payments/ledger-1", record.key());
                    ExecSession session = (ExecSession) record.value();
                    assertEquals(EXEC_ID, session.getSessionId());
                    assertEquals("alice@example.com", session.getUser());
                    assertEquals("ledger", session.getContainerName());
                    assertEquals("/bin/sh", session.getCommand());
                    assertNull(session.getContainerId());
                    assertEquals(T0 + 1000, session.getStartedAt());
                    assertEquals(session.getEndedAt() == null ? T0 + 1000 : T0 + 30_000, record.timestamp());
                }
                awaitConsumed(kafka, "driftwatch-k8saudit-it", sessionsTopic);

                for (FileEvent event : List.of(
                        event("k8saudit-1", T0 + 2000, EventType.EXEC, "/bin/sh", 700, 0, "sh"),
                        event("k8saudit-2", T0 + 3000, EventType.OPEN_WRITE, "/usr/bin/dpkg", 701, 700, "cp"),
                        event("k8saudit-3", T0 + 4000, EventType.MODIFY, "/var/log/ledger.log", 1, 0, "java"),
                        event("k8saudit-4", T0 + 40_000, EventType.OPEN_WRITE, "/usr/bin/apt", 800, 0, "cp"))) {
                    producer.send(new ProducerRecord<>(catalog.name("file-events", config), null, event.getTimestamp(),
                            "k8s0aud1", event));
                }
                producer.flush();
            }

            List<ConsumerRecord<String, Object>> alerts = read(config, catalog.name("alerts", config), 1,
                    r -> ((Alert) r.value()).getEventIds().contains("k8saudit-2"));
            Alert tampering = alerts.stream().map(r -> (Alert) r.value())
                    .filter(a -> a.getEventIds().contains("k8saudit-2")).findFirst().orElseThrow();
            assertEquals(List.of("alice@example.com"), tampering.getUsers(), tampering.toString());
            assertEquals("payments", tampering.getNamespace());
            assertEquals("ledger-1", tampering.getPodName());

            List<ConsumerRecord<String, Object>> enriched = read(config, catalog.name("enriched-events", config), 4,
                    r -> true);
            Map<String, List<String>> users = new HashMap<>();
            enriched.forEach(r -> users.put(((EnrichedEvent) r.value()).getEvent().getEventId(),
                    ((EnrichedEvent) r.value()).getUsers()));
            assertEquals(List.of("alice@example.com"), users.get("k8saudit-1"), users.toString());
            assertEquals(List.of("alice@example.com"), users.get("k8saudit-2"), users.toString());
            assertEquals(List.of(), users.get("k8saudit-3"), "the workload (pid 1) is nobody's: " + users);
            assertEquals(List.of(), users.get("k8saudit-4"), "after the session ended; mallory was refused: " + users);
        }
    }

    private static FileEvent event(String id, long time, EventType type, String path, int pid, int ppid, String process) {
        return FileEvent.newBuilder().setEventId(id).setTimestamp(time).setNode("node-b").setContainerId("k8s0aud1")
                .setType(type).setPath(path).setPid(pid).setPpid(ppid).setProcessName(process).setExe("/bin/" + process)
                .setCmdline(process).setUid(0L).setGid(0L).setSource("test").build();
    }

    /** Waits until the app has committed its reading of the whole topic (the sessions are in its state). */
    private static void awaitConsumed(KafkaBroker kafka, String group, String topic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Admin admin = kafka.admin()) {
            List<TopicPartition> partitions = new ArrayList<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get();
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                boolean done = partitions.stream().allMatch(p -> ends.get(p).offset() == 0
                        || (committed.get(p) != null && committed.get(p).offset() >= ends.get(p).offset()));
                if (done) {
                    // Sessions not keyed by their container take one more hop inside the app; give it a moment.
                    Thread.sleep(2000);
                    return;
                }
                Thread.sleep(100);
            }
        }
        throw new AssertionError("the app did not consume " + topic + " within 60 s");
    }

    private static List<ConsumerRecord<String, Object>> read(DriftwatchConfig config, String topic, int atLeast,
                                                             Predicate<ConsumerRecord<String, Object>> wanted) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "k8saudit-reader-" + topic);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        List<ConsumerRecord<String, Object>> records = new ArrayList<>();
        AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
        deserializer.configure(props, false);
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props, new StringDeserializer(), deserializer)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && records.stream().filter(wanted).count() < atLeast) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
