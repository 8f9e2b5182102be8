package io.driftwatch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * On a real broker with two partitions: exec sessions keyed {@code namespace/pod} (as the
 * Kubernetes audit adapter keys them) land on another partition than their container's, and still
 * attribute users to that container's events, through the exec-sessions-by-container topic.
 */
@RealKafka
class ExecSessionRekeyIT {
    private static final int PARTITIONS = 2;
    private static final long T0 = System.currentTimeMillis() - 60_000;
    private static final String NAMESPACE = "payments";
    private static final String POD = "ledger-7d9f8-abcde";
    private static final String POD_KEY = NAMESPACE + "/" + POD;

    /** Where the default partitioner puts a String key, as every producer of the inputs does. */
    private static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    /** A container id whose partition is not the pod key's. */
    private static String containerOnAnotherPartition() {
        for (int i = 0; ; i++) {
            String id = String.format("c0ffee%02x", i);
            if (partitionOf(id) != partitionOf(POD_KEY)) {
                return id;
            }
        }
    }

    @Test
    void sessionsKeyedByPodAttributeUsersToTheirContainerOnAnotherPartition(KafkaBroker kafka,
                                                                            SchemaRegistryServer registry)
            throws Exception {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(
                DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                DriftwatchConfig.TOPIC_PREFIX, "rekey.",
                "application.id", "driftwatch-rekey",
                "state.dir", TestkitDirectories.root().resolve("rekey-state").toString()));
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        catalog.all().forEach(t -> topics.add(new NewTopic(catalog.name(t.role(), config),
                Optional.of(t.partitions() > 1 ? PARTITIONS : 1), Optional.of((short) 1)).configs(t.configs())));
        kafka.createTopics(topics);

        String containerId = containerOnAnotherPartition();
        try (DriftwatchApp app = DriftwatchApp.start(config)) {
            DriftwatchApp.awaitRunning(app.streams(), Duration.ofSeconds(60));
            Map<String, Object> producerConfig = new HashMap<>(config.clientProperties());
            producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
            try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerConfig)) {
                ContainerMetadata container = ContainerMetadata.newBuilder().setContainerId(containerId).setNode("node-a")
                        .setContainerName("ledger").setImage("registry.example/ledger:1.4.2").setPodName(POD)
                        .setNamespace(NAMESPACE).setLabels(Map.of()).setStartedAt(T0).build();
                RecordMetadata metadataAt = producer.send(new ProducerRecord<>(catalog.name("container-metadata", config),
                        null, T0, containerId, container)).get();
                // As the Kubernetes audit adapter gives it: pod and container name, no container id.
                ExecSession alice = session("exec-alice", "alice", null, T0 + 1000);
                // A session that knows its container id but is keyed by pod all the same.
                ExecSession bob = session("exec-bob", "bob", containerId, T0 + 1200);
                RecordMetadata aliceAt = producer.send(new ProducerRecord<>(catalog.name("exec-sessions", config), null,
                        T0 + 1000, POD_KEY, alice)).get();
                producer.send(new ProducerRecord<>(catalog.name("exec-sessions", config), null, T0 + 1200, POD_KEY, bob)).get();
                assertNotEquals(metadataAt.partition(), aliceAt.partition(),
                        "the test needs the session on another partition than its container");

                awaitPlaced(app, Set.of(containerId + "|exec-alice", containerId + "|exec-bob"));

                for (FileEvent event : List.of(
                        event("rekey-shell", containerId, T0 + 2000, EventType.EXEC, "/bin/bash", 900, 0, "bash"),
                        event("rekey-tamper", containerId, T0 + 3000, EventType.OPEN_WRITE, "/usr/bin/dpkg", 901, 900, "cp"),
                        event("rekey-workload", containerId, T0 + 4000, EventType.MODIFY, "/var/log/ledger.log", 1, 0,
                                "java"))) {
                    producer.send(new ProducerRecord<>(catalog.name("file-events", config), null, event.getTimestamp(),
                            containerId, event));
                }
                producer.flush();
            }

            Map<String, List<String>> users = new HashMap<>();
            for (EnrichedEvent e : this.<EnrichedEvent>readUntil(config, catalog.name("enriched-events", config), 3,
                    r -> true)) {
                users.put(e.getEvent().getEventId(), e.getUsers());
            }
            assertEquals(List.of("alice", "bob"), users.get("rekey-shell"), users.toString());
            assertEquals(List.of("alice", "bob"), users.get("rekey-tamper"), users.toString());
            assertEquals(List.of(), users.get("rekey-workload"), "the workload's events carry no users");

            List<Alert> alerts = readUntil(config, catalog.name("alerts", config), 1,
                    a -> ((Alert) a).getEventIds().contains("rekey-tamper"));
            Alert tampering = alerts.stream().filter(a -> a.getEventIds().contains("rekey-tamper")).findFirst()
                    .orElseThrow();
            assertEquals(List.of("alice", "bob"), tampering.getUsers());

            // The session without a container id went to every partition; the one with an id only to its container's.
            Map<String, Set<Integer>> partitionsByKey = reKeyedPartitions(config,
                    catalog.name("exec-sessions-by-container", config));
            assertEquals(Set.of(0, 1), partitionsByKey.get(POD_KEY), partitionsByKey.toString());
            assertEquals(Set.of(partitionOf(containerId)), partitionsByKey.get(containerId), partitionsByKey.toString());
        }
    }

    private static ExecSession session(String id, String user, String containerId, long startedAt) {
        return ExecSession.newBuilder().setSessionId(id).setUser(user).setGroups(List.of("system:authenticated"))
                .setSourceIps(List.of("10.0.0.7")).setNamespace(NAMESPACE).setPodName(POD).setContainerName("ledger")
                .setContainerId(containerId).setCommand("bash").setStartedAt(startedAt).build();
    }

    private static FileEvent event(String id, String containerId, long time, EventType type, String path, int pid,
                                   int ppid, String process) {
        return FileEvent.newBuilder().setEventId(id).setTimestamp(time).setNode("node-a").setContainerId(containerId)
                .setType(type).setPath(path).setPid(pid).setPpid(ppid).setProcessName(process).setExe("/bin/" + process)
                .setCmdline(process).setUid(0L).setGid(0L).setSource("test").build();
    }

    /** Waits until the sessions are in their container's session store (through interactive queries). */
    private static void awaitPlaced(DriftwatchApp app, Set<String> keys) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Set<String> found = new TreeSet<>();
        while (System.nanoTime() < deadline) {
            try {
                ReadOnlyKeyValueStore<String, ExecSession> store = app.streams().store(StoreQueryParameters
                        .fromNameAndType("exec-sessions", QueryableStoreTypes.<String, ExecSession>keyValueStore()));
                found.clear();
                for (String key : keys) {
                    if (store.get(key) != null) {
                        found.add(key);
                    }
                }
                if (found.equals(keys)) {
                    return;
                }
            } catch (InvalidStateStoreException e) {
                // rebalancing or restoring: ask again
            }
            Thread.sleep(100);
        }
        throw new AssertionError("sessions not placed within 60 s: found " + found + " of " + keys);
    }

    private static Map<String, Set<Integer>> reKeyedPartitions(DriftwatchConfig config, String topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(DriftwatchConfig.BOOTSTRAP_SERVERS));
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "rekey-reader-" + topic);
        Map<String, Set<Integer>> partitions = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && partitions.values().stream().mapToInt(Set::size).sum() < 3) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    partitions.computeIfAbsent(record.key(), k -> new TreeSet<>()).add(record.partition());
                }
            }
        }
        return partitions;
    }

    @SuppressWarnings("unchecked")
    private <T> List<T> readUntil(DriftwatchConfig config, String topic, int atLeast, Predicate<Object> wanted) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "rekey-reader-" + topic);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        List<T> values = new ArrayList<>();
        AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
        deserializer.configure(props, false);
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
}
