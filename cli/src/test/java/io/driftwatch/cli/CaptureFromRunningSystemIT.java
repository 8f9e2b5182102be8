package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.model.Alert;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecords;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.testkit.RealKafka;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's capture proof: the seed attack played into a running app (real broker and registry)
 * with {@code produce}; the capture the policy asked for is sealed, downloaded through the HTTP API
 * as JSON lines, and {@code replay} of that file unchanged raises the same alerts as the live app did.
 */
@RealKafka
class CaptureFromRunningSystemIT {
    private static final Path SEED = Path.of("../scenarios/seed-malware-copy");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void aDownloadedCaptureReplaysToTheSameAlertsAsLive(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String prefix = "capture-it.";
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(
                DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                DriftwatchConfig.TOPIC_PREFIX, prefix,
                "application.id", "capture-it",
                "state.dir", dir.resolve("state").toString(),
                "commit.interval.ms", "100",
                "driftwatch.http.port", Integer.toString(port)));
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        catalog.all().forEach(t -> topics.add(new NewTopic(catalog.name(t.role(), config), Optional.of(2), Optional.empty())));
        kafka.createTopics(topics);

        // The attack, and a later workload event of the same container that moves stream time past the window.
        List<String> events = new ArrayList<>(Files.readAllLines(SEED.resolve("events.jsonl")));
        long last = events.stream().filter(l -> !l.isBlank()).mapToLong(l -> read(l).getTimestamp()).max().orElseThrow();
        FileEvent tick = read(events.get(0));
        tick.setEventId("tick-after-the-window");
        tick.setTimestamp(last + Duration.ofMinutes(6).toMillis());
        tick.setType(io.driftwatch.model.EventType.OPEN_READ);
        tick.setPath("/app/config/application.yml");
        tick.setPid(1);
        tick.setPpid(0);
        tick.setProcessName("java");
        tick.setExe("/usr/lib/jvm/bin/java");
        Path attack = dir.resolve("events.jsonl");
        events.add(JsonRecords.write(tick));
        Files.write(attack, events);

        String url = "http://127.0.0.1:" + port;
        try (DriftwatchApp app = DriftwatchApp.start(config)) {
            DriftwatchApp.awaitRunning(app.streams(), Duration.ofSeconds(60));
            CliHelpTest.Run produced = CliHelpTest.run("produce", "--bootstrap-server", kafka.bootstrapServers(),
                    "--schema-registry-url", registry.confluentApiUrl(), "--topic-prefix", prefix,
                    "--metadata", SEED.resolve("containers.jsonl").toString(),
                    "--exec-sessions", SEED.resolve("exec-sessions.jsonl").toString(), "--events", attack.toString());
            assertEquals(0, produced.exitCode(), produced.err());

            List<Alert> live = readAlerts(config, catalog.name("alerts", config));
            assertFalse(live.isEmpty(), "the seed attack alerts live");
            // The capture of the tampering alert, sealed once stream time passed its window.
            Alert tampering = live.stream().filter(a -> a.getRuleId().equals("DW-FIM-001")).findFirst().orElseThrow();
            String captureId = "cap-" + tampering.getAlertId();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> download = null;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                download = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/captures/" + captureId)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (download.statusCode() == 200) {
                    break;
                }
                Thread.sleep(200);
            }
            assertEquals(200, download.statusCode(), "capture " + captureId + ": " + download.body());
            // The incident names the capture.
            JsonNode incidents = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/incidents")).GET()
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
            assertTrue(incidents.toString().contains(captureId), "an incident lists " + captureId + ": " + incidents);

            Path capture = dir.resolve("capture.jsonl");
            Files.writeString(capture, download.body());
            assertFalse(download.body().contains("tick-after-the-window"), "the capture ends with its window");
            Path replayed = dir.resolve("replayed-alerts.jsonl");
            CliHelpTest.Run replay = CliHelpTest.run("replay", "--events", capture.toString(), "--alerts", replayed.toString());
            assertEquals(0, replay.exitCode(), replay.err());
            Set<String> replayedIds = new TreeSet<>();
            for (String line : Files.readAllLines(replayed)) {
                if (!line.isBlank()) {
                    replayedIds.add(JSON.readTree(line).path("alertId").asText());
                }
            }
            Set<String> liveIds = new TreeSet<>();
            live.stream().filter(a -> a.getContainerId().equals(tampering.getContainerId()))
                    .forEach(a -> liveIds.add(a.getAlertId()));
            assertEquals(liveIds, replayedIds, "replaying the downloaded capture raises the alerts the live app raised");
        }
    }

    private static FileEvent read(String line) {
        try {
            return JsonRecords.read(line, FileEvent.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every alert on the topic once it has been quiet for two seconds (the seed raises a handful). */
    private static List<Alert> readAlerts(DriftwatchConfig config, String topic) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "capture-it-reader");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        props.keySet().removeIf(k -> !ConsumerConfig.configNames().contains(k) && !k.startsWith("schema.registry")
                && !k.equals(AvroSerdeConfig.SPECIFIC_AVRO_READER));
        AvroDeserializer<Object> values = new AvroDeserializer<>();
        values.configure(props, false);
        List<Alert> alerts = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + WAIT.toNanos();
            long quietSince = System.nanoTime();
            while (System.nanoTime() < deadline) {
                var records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, Object> record : records) {
                    alerts.add((Alert) record.value());
                    quietSince = System.nanoTime();
                }
                if (!alerts.isEmpty() && System.nanoTime() - quietSince > Duration.ofSeconds(3).toNanos()) {
                    break;
                }
            }
        }
        return alerts;
    }
}
