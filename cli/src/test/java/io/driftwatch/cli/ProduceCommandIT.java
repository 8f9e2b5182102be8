package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.app.query.CaptureLines;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.model.Capture;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecords;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.testkit.RealKafka;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code produce} against the real broker and registry: every record Avro through the registry, keyed and stamped
 * as DESIGN.md says, in order; a bad line stops it before anything is produced; a capture gives its parts.
 */
@RealKafka
class ProduceCommandIT {
    private static final Path SEED = Path.of("../scenarios/seed-malware-copy");

    @TempDir
    Path dir;

    @Test
    void producesEveryInputKeyedAndStampedWithItsEventTime(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String prefix = "produce.";
        DriftwatchConfig config = config(kafka, registry, prefix);
        createTopics(kafka, config);

        List<String> containers = new ArrayList<>(Files.readAllLines(SEED.resolve("containers.jsonl")));
        ContainerMetadata started = JsonRecords.read(containers.get(0), ContainerMetadata.class);
        ContainerMetadata stopped = JsonRecords.read(containers.get(0), ContainerMetadata.class);
        stopped.setStoppedAt(started.getStartedAt() + 600_000);
        Path metadata = dir.resolve("containers.jsonl");
        Files.write(metadata, List.of(containers.get(0), JsonRecords.write(stopped)));

        ExecSession open = JsonRecords.read(Files.readAllLines(SEED.resolve("exec-sessions.jsonl")).get(0), ExecSession.class);
        ExecSession podOnly = JsonRecords.read(JsonRecords.write(open), ExecSession.class);
        podOnly.setSessionId("exec-2");
        podOnly.setContainerId(null);
        podOnly.setStartedAt(open.getStartedAt() + 10);
        podOnly.setEndedAt(null);
        ExecSession closing = JsonRecords.read(JsonRecords.write(podOnly), ExecSession.class);
        closing.setEndedAt(podOnly.getStartedAt() + 30_000);
        Path sessions = dir.resolve("sessions.jsonl");
        Files.write(sessions, List.of(JsonRecords.write(open), JsonRecords.write(podOnly), JsonRecords.write(closing)));

        // The seed's events over two files, newest first in the second: produced in time order all the same.
        List<String> events = Files.readAllLines(SEED.resolve("events.jsonl"));
        Path first = dir.resolve("events-1.jsonl");
        Path second = dir.resolve("events-2.jsonl");
        Files.write(first, events.subList(0, 3));
        List<String> rest = new ArrayList<>(events.subList(3, events.size()));
        java.util.Collections.reverse(rest);
        Files.write(second, rest);
        Path host = dir.resolve("host.jsonl");
        FileEvent hostEvent = JsonRecords.read(events.get(0), FileEvent.class);
        hostEvent.setEventId("host-1");
        hostEvent.setContainerId("host");
        Files.write(host, List.of(JsonRecords.write(hostEvent)));

        // A bad line in the last file: refused with its place, before anything is produced.
        Path broken = dir.resolve("broken.jsonl");
        Files.write(broken, List.of(events.get(0), "", "{\"eventId\": \"x\", \"timestamp\": 1}"));
        CliHelpTest.Run refused = produce(kafka, registry, prefix, "--metadata", metadata.toString(),
                "--exec-sessions", sessions.toString(), "--events", first + "," + broken);
        assertEquals(1, refused.exitCode(), refused.err());
        assertTrue(refused.err().contains(broken + ":3: missing required field"), refused.err());

        CliHelpTest.Run run = produce(kafka, registry, prefix, "--metadata", metadata.toString(),
                "--exec-sessions", sessions.toString(), "--events", first + "," + second, "--events", host.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("produced 2 container-metadata, 3 exec-sessions, 7 file-events records"), run.err());

        TopicCatalog catalog = TopicCatalog.builtIn();
        List<ConsumerRecord<String, Object>> metadataRecords = read(config, catalog.name("container-metadata", config), 2);
        assertEquals(2, metadataRecords.size(), "the refused run produced nothing");
        assertEquals(List.of("c0ffee01", "c0ffee01"), metadataRecords.stream().map(ConsumerRecord::key).toList());
        assertEquals(List.of(started.getStartedAt(), stopped.getStoppedAt()),
                metadataRecords.stream().map(ConsumerRecord::timestamp).toList(), "startedAt, then stoppedAt for the stop");
        assertEquals(List.of(started, stopped), metadataRecords.stream().map(ConsumerRecord::value).toList());

        List<ConsumerRecord<String, Object>> sessionRecords = read(config, catalog.name("exec-sessions", config), 3);
        assertEquals(3, sessionRecords.size());
        sessionRecords.sort(Comparator.comparingLong(ConsumerRecord::timestamp));
        assertEquals(List.of("c0ffee01", "payments-java/ledger-7d9f8-abcde", "payments-java/ledger-7d9f8-abcde"),
                sessionRecords.stream().map(ConsumerRecord::key).toList());
        assertEquals(List.of(open.getStartedAt(), podOnly.getStartedAt(), closing.getEndedAt()),
                sessionRecords.stream().map(ConsumerRecord::timestamp).toList(), "startedAt, then endedAt when closing");
        assertEquals(List.of(open, podOnly, closing), sessionRecords.stream().map(ConsumerRecord::value).toList());

        List<ConsumerRecord<String, Object>> eventRecords = read(config, catalog.name("file-events", config), 7);
        assertEquals(7, eventRecords.size());
        for (ConsumerRecord<String, Object> record : eventRecords) {
            FileEvent event = (FileEvent) record.value();
            assertEquals(event.getContainerId(), record.key());
            assertEquals(event.getTimestamp(), record.timestamp());
        }
        assertEquals(1, eventRecords.stream().filter(r -> r.key().equals("host")).count());
        List<ConsumerRecord<String, Object>> container = eventRecords.stream().filter(r -> r.key().equals("c0ffee01")).toList();
        List<Long> times = container.stream().map(ConsumerRecord::timestamp).toList();
        assertEquals(times.stream().sorted().toList(), times, "one container's events in time order within its partition");
        List<FileEvent> expected = new ArrayList<>();
        for (String line : events) {
            expected.add(JsonRecords.read(line, FileEvent.class));
        }
        expected.sort(Comparator.comparingLong(FileEvent::getTimestamp));
        assertEquals(expected, container.stream().map(ConsumerRecord::value).toList());
    }

    @Test
    void aCaptureGivesItsMetadataSessionsAndEventsShiftedToNow(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        String prefix = "produce-capture.";
        DriftwatchConfig config = config(kafka, registry, prefix);
        createTopics(kafka, config);
        ContainerMetadata container = JsonRecords.read(Files.readAllLines(SEED.resolve("containers.jsonl")).get(0),
                ContainerMetadata.class);
        ExecSession session = JsonRecords.read(Files.readAllLines(SEED.resolve("exec-sessions.jsonl")).get(0), ExecSession.class);
        List<EnrichedEvent> trail = new ArrayList<>();
        for (String line : Files.readAllLines(SEED.resolve("events.jsonl"))) {
            trail.add(EnrichedEvent.newBuilder().setEvent(JsonRecords.read(line, FileEvent.class)).setContainer(container)
                    .setUsers(List.of()).setSessions(List.of()).setEnrichment(Enrichment.COMPLETE).build());
        }
        long newest = trail.stream().mapToLong(e -> e.getEvent().getTimestamp()).max().orElseThrow();
        Capture capture = Capture.newBuilder().setCaptureId("cap-a").setAlertId("a").setRuleId("DW-FIM-001")
                .setContainerId(container.getContainerId()).setFrom(newest - 600_000).setTo(newest + 300_000)
                .setSealedAt(newest + 300_001).setMetadata(List.of(container)).setExecSessions(List.of(session))
                .setEvents(trail).build();
        Path file = dir.resolve("capture.jsonl");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            CaptureLines.write(capture, out);
        }

        long before = System.currentTimeMillis();
        CliHelpTest.Run run = produce(kafka, registry, prefix, "--events", file.toString(), "--shift-to-now");
        long after = System.currentTimeMillis();
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("produced 1 container-metadata, 1 exec-sessions, 6 file-events records"), run.err());

        TopicCatalog catalog = TopicCatalog.builtIn();
        List<ConsumerRecord<String, Object>> events = read(config, catalog.name("file-events", config), 6);
        assertEquals(6, events.size());
        long shift = events.stream().mapToLong(ConsumerRecord::timestamp).max().orElseThrow() - newest;
        assertTrue(newest + shift >= before - 1000 && newest + shift <= after - 1000,
                "the newest event one second before now: " + (newest + shift) + " in [" + (before - 1000) + ", " + (after - 1000) + "]");
        for (ConsumerRecord<String, Object> record : events) {
            FileEvent event = (FileEvent) record.value();
            assertEquals(event.getTimestamp(), record.timestamp());
            assertEquals(container.getContainerId(), record.key());
        }
        ConsumerRecord<String, Object> metadata = read(config, catalog.name("container-metadata", config), 1).get(0);
        assertEquals(container.getStartedAt() + shift, metadata.timestamp());
        assertEquals(container.getStartedAt() + shift, ((ContainerMetadata) metadata.value()).getStartedAt());
        ConsumerRecord<String, Object> sessionRecord = read(config, catalog.name("exec-sessions", config), 1).get(0);
        ExecSession produced = (ExecSession) sessionRecord.value();
        assertEquals(session.getStartedAt() + shift, sessionRecord.timestamp());
        assertEquals(session.getEndedAt() + shift, produced.getEndedAt());
    }

    @Test
    void nothingToProduceIsAUsageError() {
        CliHelpTest.Run run = CliHelpTest.run("produce");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("nothing to produce"), run.err());
        CliHelpTest.Run help = CliHelpTest.run("produce", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--shift-to-now") && help.out().contains("--exec-sessions")
                && help.out().contains("--config"), help.out());
    }

    private static CliHelpTest.Run produce(KafkaBroker kafka, SchemaRegistryServer registry, String prefix, String... args) {
        List<String> all = new ArrayList<>(List.of("produce", "--bootstrap-server", kafka.bootstrapServers(),
                "--schema-registry-url", registry.confluentApiUrl(), "--topic-prefix", prefix));
        all.addAll(List.of(args));
        return CliHelpTest.run(all.toArray(String[]::new));
    }

    private static DriftwatchConfig config(KafkaBroker kafka, SchemaRegistryServer registry, String prefix) {
        return DriftwatchConfig.of(Map.of(
                DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                DriftwatchConfig.TOPIC_PREFIX, prefix));
    }

    private static void createTopics(KafkaBroker kafka, DriftwatchConfig config) throws Exception {
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        for (String role : List.of("file-events", "container-metadata", "exec-sessions")) {
            topics.add(new NewTopic(catalog.name(role, config), Optional.of(2), Optional.of((short) 1))
                    .configs(catalog.spec(role).configs()));
        }
        kafka.createTopics(topics);
    }

    /** Every record of the topic, waiting for at least {@code atLeast}; each partition's records in order. */
    private static List<ConsumerRecord<String, Object>> read(DriftwatchConfig config, String topic, int atLeast) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "produce-reader-" + topic + "-" + System.nanoTime());
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        AvroDeserializer<Object> values = new AvroDeserializer<>();
        values.configure(props, false);
        List<ConsumerRecord<String, Object>> records = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
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
