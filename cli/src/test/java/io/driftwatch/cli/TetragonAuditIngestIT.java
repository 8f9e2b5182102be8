package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.adapters.tetragon.MalformedTetragonEventException;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.app.topology.DeadLetters;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.embedded.SchemaRegistryServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest tetragon} and {@code ingest audit} against a real broker and registry: good lines become Avro
 * FileEvents on file-events keyed by container id (and Tetragon's pods ContainerMetadata on container-metadata),
 * bad lines and unreadable audit events land on dead-letter as they were, with the reason and their place in the
 * headers.
 */
@RealKafka
class TetragonAuditIngestIT {
    /** The adapter module's sample and the container it names (see TetragonAdapterTest there). */
    static final Path TETRAGON_SAMPLE = Path.of("../adapters/src/test/resources/adapters/tetragon/file-monitoring.jsonl");
    static final String TETRAGON_POD_CONTAINER = "6b742e38ee3a212239e6d48b2954435a407af44b9a354bdf540db22f460ab40e";

    private static final String PREFIX = "adapters.";

    @TempDir
    Path dir;

    @Test
    void goodLinesToFileEventsBadOnesToTheDeadLetterTopicWithTheReason(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(
                DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                DriftwatchConfig.TOPIC_PREFIX, PREFIX));
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        catalog.all().forEach(t -> topics.add(new NewTopic(catalog.name(t.role(), config), Optional.of(2),
                Optional.of((short) 1)).configs(t.configs())));
        kafka.createTopics(topics);
        String fileEvents = catalog.name("file-events", config);
        String metadataTopic = catalog.name("container-metadata", config);
        String deadLetter = catalog.name("dead-letter", config);

        // Tetragon: the sample with two broken lines in it.
        Path export = dir.resolve("tetragon.log");
        List<String> lines = new ArrayList<>(Files.readAllLines(TETRAGON_SAMPLE));
        lines.add(3, "{\"process_kprobe\":{\"process\":{\"pid\":1}");
        lines.add(6, lines.get(4).replace("\"time\":\"2024-04-14T02:18:14.376304204Z\"", "\"time\":\"soon\""));
        Files.write(export, lines);
        CliHelpTest.Run tetragon = CliHelpTest.run("ingest", "tetragon", "--file", export.toString(),
                "--bootstrap-server", kafka.bootstrapServers(), "--schema-registry-url", registry.confluentApiUrl(),
                "--topic-prefix", PREFIX);
        assertEquals(0, tetragon.exitCode(), tetragon.err());
        assertTrue(tetragon.err().contains("dead-lettered " + export + ":4: not valid JSON"), tetragon.err());
        assertTrue(tetragon.err().contains("produced 21 events to " + fileEvents + ", 3 container records to "
                + metadataTopic + ", 2 dead letters to " + deadLetter), tetragon.err());

        // Audit: the recorded session with one line broken and one event unreadable.
        Path log = dir.resolve("audit.log");
        List<String> audit = new ArrayList<>(Files.readAllLines(Path.of("../adapters/src/test/resources/adapters/audit/runc-busybox.log")));
        audit.add(0, "type=SYSCALL msg=audit(1795331600.000:1): arch=c000003e syscall=87 success=yes pid=not-a-pid");
        audit.add(1, "type=PROCTITLE msg=audit(1795331600.000:1): proctitle=726D");
        audit.add(2, "this is not an audit record");
        Files.write(log, audit);
        CliHelpTest.Run auditRun = CliHelpTest.run("ingest", "audit", "--file", log.toString(),
                "--audit-key", "dw-dwaudit-rt1*=rt1", "--audit-rootfs", "/tmp/rt1/bundle/rootfs=rt1", "--node", "node-a",
                "--bootstrap-server", kafka.bootstrapServers(), "--schema-registry-url", registry.confluentApiUrl(),
                "--topic-prefix", PREFIX);
        assertEquals(0, auditRun.exitCode(), auditRun.err());
        assertTrue(auditRun.err().contains("produced 28 events to " + fileEvents + ", 2 dead letters to " + deadLetter),
                auditRun.err());

        List<ConsumerRecord<String, Object>> events = read(config, fileEvents, 49, avro(config));
        assertEquals(49, events.size());
        for (ConsumerRecord<String, Object> record : events) {
            FileEvent event = (FileEvent) record.value();
            assertEquals(event.getContainerId(), record.key(), "keyed by container id");
            assertEquals(event.getTimestamp(), record.timestamp(), "stamped with the event time");
        }
        assertEquals(28, events.stream().filter(r -> r.key().equals("rt1")).count());
        assertEquals(1, events.stream().filter(r -> r.key().equals("host")).count(), "sshd on the Tetragon node");
        FileEvent write = events.stream().map(r -> (FileEvent) r.value())
                .filter(e -> e.getType() == EventType.MODIFY && e.getPath().equals("/etc/passwd")).findFirst().orElseThrow();
        assertEquals(TETRAGON_POD_CONTAINER, write.getContainerId());
        assertEquals("tetragon", write.getSource());

        List<ConsumerRecord<String, Object>> containers = read(config, metadataTopic, 3, avro(config));
        assertEquals(3, containers.size());
        assertTrue(containers.stream().allMatch(r -> r.key().equals(((ContainerMetadata) r.value()).getContainerId())));

        List<ConsumerRecord<String, byte[]>> dead = read(config, deadLetter, 4, new ByteArrayDeserializer());
        assertEquals(4, dead.size(), dead.toString());
        Map<String, ConsumerRecord<String, byte[]>> byOffset = new HashMap<>();
        dead.forEach(r -> byOffset.put(DeadLetters.header(r.headers(), DeadLetters.TOPIC) + ":"
                + DeadLetters.header(r.headers(), DeadLetters.OFFSET), r));
        ConsumerRecord<String, byte[]> notJson = byOffset.get(export + ":4");
        assertEquals(lines.get(3), new String(notJson.value(), StandardCharsets.UTF_8), "the line as it was");
        assertTrue(DeadLetters.header(notJson.headers(), DeadLetters.REASON).startsWith("not valid JSON"));
        assertEquals(MalformedTetragonEventException.class.getName(),
                DeadLetters.header(notJson.headers(), DeadLetters.EXCEPTION));
        assertEquals("-1", DeadLetters.header(notJson.headers(), DeadLetters.PARTITION));
        assertEquals("'time' is not an RFC 3339 time: 'soon'",
                DeadLetters.header(byOffset.get(export + ":7").headers(), DeadLetters.REASON));
        ConsumerRecord<String, byte[]> badEvent = byOffset.get(log + ":1");
        assertEquals("field 'pid' is not a number: 'not-a-pid'", DeadLetters.header(badEvent.headers(), DeadLetters.REASON));
        assertEquals(audit.get(0) + "\n" + audit.get(1), new String(badEvent.value(), StandardCharsets.UTF_8),
                "the event's records");
        assertEquals("io.driftwatch.adapters.audit.MalformedAuditException",
                DeadLetters.header(badEvent.headers(), DeadLetters.EXCEPTION));
        assertTrue(DeadLetters.header(byOffset.get(log + ":3").headers(), DeadLetters.REASON)
                .startsWith("not an audit record"));
    }

    private static Deserializer<Object> avro(DriftwatchConfig config) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
        deserializer.configure(props, false);
        return deserializer;
    }

    private static <V> List<ConsumerRecord<String, V>> read(DriftwatchConfig config, String topic, int atLeast,
                                                            Deserializer<V> values) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "adapters-reader-" + topic);
        List<ConsumerRecord<String, V>> records = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && records.size() < atLeast) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            // Anything beyond what was expected would show here.
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }
}
