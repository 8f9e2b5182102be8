package io.driftwatch.agent.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.redteam.StackProcess;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher while Kafka is away: the broker's JVM (a real one, in a process of its own) is frozen
 * with SIGSTOP while events keep coming, then thawed. Whatever the publisher accepted arrives exactly
 * once; whatever it refused (buffer and producer memory full) is exactly what the caller was told was
 * dropped.
 */
class PublisherOutageIT {
    @TempDir
    static Path tmp;
    static StackProcess stack;

    @BeforeAll
    static void startKafka() throws Exception {
        stack = StackProcess.start(tmp.resolve("stack"), new PrintWriter(new StringWriter()), 240, false);
    }

    @AfterAll
    static void stopKafka() {
        if (stack != null) {
            signal("CONT");
            stack.close();
        }
    }

    @Test
    void acceptedEventsSurviveAnOutageAndRefusedOnesAreCounted() throws Exception {
        String topic = "driftwatch.file-events";
        // A small buffer and little producer memory, so that the outage fills them.
        Map<String, Object> overrides = Map.of(ProducerConfig.BUFFER_MEMORY_CONFIG, 256 * 1024,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
        int offered = 0;
        int accepted = 0;
        Set<String> acceptedIds = new HashSet<>();
        try (Publisher publisher = new Publisher(new Publisher.Config(stack.bootstrapServers(), stack.registryUrl(), topic,
                "driftwatch.container-metadata", 500, overrides))) {
            // Before the outage: the schema is registered and the connection is up.
            publisher.offer(event("warm-0"));
            long warm = System.currentTimeMillis() + 30_000;
            while (publisher.acknowledged.get() < 1 && System.currentTimeMillis() < warm) {
                Thread.sleep(20);
            }
            assertEquals(1, publisher.acknowledged.get());

            signal("STOP");
            try {
                long until = System.currentTimeMillis() + 8_000;
                while (System.currentTimeMillis() < until) {
                    FileEvent e = event("outage-" + offered++);
                    if (publisher.offer(e)) {
                        accepted++;
                        acceptedIds.add(e.getEventId());
                    }
                    if (offered % 100 == 0) {
                        Thread.sleep(5);
                    }
                }
                assertTrue(publisher.acknowledged.get() == 1, "nothing can be acknowledged while the broker is frozen");
                assertTrue(accepted < offered, "the outage should have filled the buffer: " + accepted + " of " + offered);
            } finally {
                signal("CONT");
            }
            long deadline = System.currentTimeMillis() + 60_000;
            while (publisher.acknowledged.get() < accepted + 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            System.out.printf("offered %d, accepted %d, refused %d, acknowledged %d, failed %d%n", offered, accepted,
                    offered - accepted, publisher.acknowledged.get(), publisher.failed.get());
            assertEquals(accepted + 1, publisher.acknowledged.get());
            assertEquals(0, publisher.failed.get());
        }
        // Read back: every accepted event exactly once, nothing else from the outage.
        List<String> ids = readBack(topic);
        List<String> outage = ids.stream().filter(id -> id.startsWith("outage-")).toList();
        assertEquals(accepted, outage.size(), "each accepted event once");
        assertEquals(acceptedIds, new HashSet<>(outage));
    }

    @Test
    void closeSendsWhatIsBuffered() throws Exception {
        String topic = "driftwatch.file-events";
        int n = 20_000;
        try (Publisher publisher = new Publisher(new Publisher.Config(stack.bootstrapServers(), stack.registryUrl(), topic,
                "driftwatch.container-metadata", n, Map.of()))) {
            for (int i = 0; i < n; i++) {
                assertTrue(publisher.offer(event("close-" + i)));
            }
            System.out.println("buffered when close starts: " + publisher.buffered());
        } // close(): drains the buffer, then flushes the producer
        List<String> ids = readBack(topic);
        assertEquals(n, ids.stream().filter(id -> id.startsWith("close-")).distinct().count());
    }

    private static FileEvent event(String id) {
        return FileEvent.newBuilder().setEventId(id).setTimestamp(System.currentTimeMillis()).setContainerId("c-outage")
                .setType(EventType.MODIFY).setPath("/etc/passwd").setSource("test").build();
    }

    private static List<String> readBack(String topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, stack.registryUrl());
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(500))) {
                    ids.add(((FileEvent) r.value()).getEventId());
                }
            }
        }
        return ids;
    }

    private static void signal(String name) {
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(stack.pid())).inheritIO().start().waitFor();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
