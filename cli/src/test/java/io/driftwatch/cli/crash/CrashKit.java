package io.driftwatch.cli.crash;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/** What the multi-instance tests share: configuration, topics, partitions of keys, Avro in and out, the group's assignment. */
final class CrashKit {
    private CrashKit() {
    }

    /**
     * The configuration every instance of one deployment shares. A crashed member is noticed after
     * {@code session.timeout.ms} (6 s, the broker's minimum) instead of Kafka's 45 s default.
     */
    static Map<String, String> config(KafkaBroker kafka, SchemaRegistryServer registry, String prefix, String applicationId) {
        Map<String, String> config = new TreeMap<>();
        config.put(DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        config.put(DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl());
        config.put(DriftwatchConfig.TOPIC_PREFIX, prefix);
        config.put("application.id", applicationId);
        config.put("session.timeout.ms", "6000");
        config.put("heartbeat.interval.ms", "1500");
        // No console unless a test asks for one: instances on one machine would all want port 8470.
        config.put("driftwatch.http.port", "0");
        return config;
    }

    static DriftwatchConfig driftwatchConfig(Map<String, String> config) {
        return DriftwatchConfig.of(config);
    }

    /** Every catalogue topic under the configuration's names, {@code partitions} partitions each. */
    static void createTopics(KafkaBroker kafka, DriftwatchConfig config, int partitions) throws Exception {
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        catalog.all().forEach(t -> topics.add(new NewTopic(catalog.name(t.role(), config),
                Optional.of(t.role().equals("rules") ? 1 : partitions), Optional.of((short) 1)).configs(t.configs())));
        kafka.createTopics(topics);
    }

    static String topic(DriftwatchConfig config, String role) {
        return TopicCatalog.builtIn().name(role, config);
    }

    /** The partition the default partitioner gives a String key. */
    static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The first {@code count} keys {@code prefix-N} that land on {@code partition}. */
    static List<String> keysOn(String prefix, int partition, int partitions, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            String key = prefix + "-" + i;
            if (partitionOf(key, partitions) == partition) {
                keys.add(key);
            }
        }
        return keys;
    }

    static KafkaProducer<String, Object> producer(DriftwatchConfig config) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.keySet().removeIf(k -> !ProducerConfig.configNames().contains(k) && !k.startsWith("schema.registry")
                && !k.startsWith("auto.register"));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(props);
    }

    static ContainerMetadata container(String id, String node, long startedAt) {
        return ContainerMetadata.newBuilder().setContainerId(id).setNode(node).setRuntime("containerd")
                .setContainerName("app").setImage("registry.example/shop/app:1.0").setPodName("pod-" + id)
                .setNamespace("shop").setLabels(Map.of()).setStartedAt(startedAt).build();
    }

    /** A workload event that no rule cares about: the app reads its configuration. */
    static FileEvent benign(String id, String container, String node, long time) {
        return event(id, container, node, time, EventType.OPEN_READ, "/app/config/application.yml", 1, 0, "java",
                "/usr/lib/jvm/bin/java");
    }

    static FileEvent event(String id, String container, String node, long time, EventType type, String path, int pid,
                           int ppid, String process, String exe) {
        return FileEvent.newBuilder().setEventId(id).setTimestamp(time).setNode(node).setContainerId(container)
                .setType(type).setPath(path).setPid(pid).setPpid(ppid).setProcessName(process).setExe(exe)
                .setCmdline(process).setUid(0L).setGid(0L).setSource("crash-test").build();
    }

    /**
     * Reads a topic from the beginning with {@code isolation.level=read_committed} on its own thread
     * (assigned every partition, no group), keeping every record it has seen.
     */
    static final class TopicReader<T> implements AutoCloseable {
        private final List<T> values = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean stop;
        private volatile Throwable failure;

        @SuppressWarnings("unchecked")
        TopicReader(DriftwatchConfig config, String topic) {
            Map<String, Object> props = new HashMap<>(config.clientProperties());
            props.keySet().removeIf(k -> !ConsumerConfig.configNames().contains(k) && !k.startsWith("schema.registry"));
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
            props.remove(ConsumerConfig.CLIENT_ID_CONFIG);
            props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
            AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
            deserializer.configure(props, false);
            KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props, new StringDeserializer(), deserializer);
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            thread = new Thread(() -> {
                try (consumer) {
                    while (!stop) {
                        for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(100))) {
                            values.add((T) record.value());
                        }
                    }
                } catch (Throwable e) {
                    failure = e;
                }
            }, "reader-" + topic);
            thread.setDaemon(true);
            thread.start();
        }

        List<T> values() {
            if (failure != null) {
                throw new AssertionError("reader failed", failure);
            }
            return List.copyOf(values);
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }
    }

    /** Polls until the condition holds; false when the timeout passed first. */
    static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /**
     * The consumer group's members (by client id up to {@code -StreamThread}, which is the instance's
     * {@code client.id}) and the partitions of {@code topic} each is assigned; empty while the group
     * rebalances.
     */
    static Map<String, Set<Integer>> assignment(Admin admin, String groupId, String topic) throws Exception {
        ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).all().get(30, TimeUnit.SECONDS)
                .get(groupId);
        Map<String, Set<Integer>> owners = new TreeMap<>();
        if (!group.groupState().toString().equalsIgnoreCase("Stable")) {
            return owners;
        }
        for (MemberDescription member : group.members()) {
            String clientId = member.clientId();
            int cut = clientId.indexOf("-StreamThread");
            String instance = cut < 0 ? clientId : clientId.substring(0, cut);
            Set<Integer> partitions = owners.computeIfAbsent(instance, k -> new TreeSet<>());
            member.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(topic))
                    .forEach(tp -> partitions.add(tp.partition()));
        }
        return owners;
    }

    /** Sends and waits for the broker's acknowledgement. */
    static void send(KafkaProducer<String, Object> producer, String topic, String key, long time, Object value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, null, time, key, value)).get(30, TimeUnit.SECONDS);
    }
}
