package io.driftwatch.app.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.model.DrillReport;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.testkit.RealKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The console's drill history against the real broker and registry: reports written to the drills topic (one then
 * replaced by a newer version of itself, one removed by a tombstone) are read from the topic's beginning, newest
 * first, by a first history and by a second one started afterwards (what a restarted instance does), and served at
 * GET /api/v1/drills.
 */
@RealKafka
class DrillHistoryIT {
    @Test
    void readsTheTopicFromItsBeginningAtEveryStartAndFollowsIt(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String topic = "it-drills-" + UUID.randomUUID();
        kafka.createTopics(1, topic);
        Map<String, Object> client = new HashMap<>();
        client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        client.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl());
        try (KafkaProducer<String, SpecificRecord> producer = producer(client)) {
            send(producer, topic, report("d1", 1_000L, true));
            send(producer, topic, report("d2", 2_000L, false));
            send(producer, topic, report("d3", 3_000L, true));
            try (DrillHistory first = DrillHistory.start(client, topic)) {
                await(first, List.of("d3", "d2", "d1"));
                send(producer, topic, report("d4", 4_000L, true));
                producer.send(new ProducerRecord<>(topic, "d2", null)).get();
                await(first, List.of("d4", "d3", "d1"));
            }
            try (DrillHistory restarted = DrillHistory.start(client, topic)) {
                await(restarted, List.of("d4", "d3", "d1"));
                FixtureInvestigation fixture = new FixtureInvestigation();
                try (ConsoleServer server = ConsoleServer.start(ConsoleSettings.loopback(0), fixture, fixture, restarted)) {
                    HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(server.url() + "/api/v1/drills")).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, answer.statusCode());
                    List<String> ids = new ArrayList<>();
                    new ObjectMapper().readTree(answer.body()).get("drills").forEach(d -> ids.add(d.get("drillId").asText()));
                    assertEquals(List.of("d4", "d3", "d1"), ids);
                }
            }
        }
    }

    private static void await(Supplier<List<DrillReport>> history, List<String> expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<String> ids = List.of();
        while (System.nanoTime() < deadline) {
            ids = history.get().stream().map(r -> r.getDrillId().toString()).toList();
            if (ids.equals(expected)) {
                return;
            }
            Thread.sleep(50);
        }
        assertEquals(expected, ids);
    }

    private static DrillReport report(String id, long startedAt, boolean passed) {
        return DrillReport.newBuilder().setDrillId(id).setDrill("weekly").setAttack("write-passwd").setMode("recorded")
                .setStartedAt(startedAt).setFinishedAt(startedAt + 10).setPassed(passed).build();
    }

    private static void send(KafkaProducer<String, SpecificRecord> producer, String topic, DrillReport r) throws Exception {
        producer.send(new ProducerRecord<>(topic, r.getDrillId().toString(), r)).get();
    }

    private static KafkaProducer<String, SpecificRecord> producer(Map<String, Object> client) {
        AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
        values.configure(client, false);
        return new KafkaProducer<>(new HashMap<>(client), new StringSerializer(), values);
    }
}
