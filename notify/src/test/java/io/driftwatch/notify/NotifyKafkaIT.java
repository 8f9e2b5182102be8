package io.driftwatch.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.Severity;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.embedded.SchemaRegistryServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * notify against a real broker and registry: two Alerts produced (Avro, Confluent wire format) to the
 * alerts topic reach a local Slack-style endpoint and a PagerDuty-style endpoint through the same
 * service the command runs; offsets are committed, so a restart with the same group sends nothing again.
 */
@RealKafka
class NotifyKafkaIT {
    @Test
    void alertsOnTheTopicAreDeliveredAndCommitted(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "schema.registry.url", registry.confluentApiUrl());
        String topic = "notifyit.alerts";
        kafka.createTopics(2, topic);

        try (RecordingServer server = RecordingServer.start()) {
            List<NotifierSpec> specs = NotifiersFile.parse("""
                    notifiers:
                      - {type: slack, name: chat, urlEnv: SLACK_URL}
                      - {type: pagerduty, name: pd, url: "%s", routingKeyEnv: PD_KEY, minSeverity: HIGH}
                    """.formatted(server.url("/v2/enqueue")), "notifiers.yaml", java.nio.file.Path.of("."),
                    Map.of("SLACK_URL", server.url("/slack"), "PD_KEY", "key-1"));

            Map<String, Object> producerConfig = new HashMap<>(client);
            producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
            try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerConfig)) {
                for (Alert alert : List.of(TestAlerts.alert("kafka-1", Severity.CRITICAL), TestAlerts.alert("kafka-2", Severity.MEDIUM))) {
                    producer.send(new ProducerRecord<>(topic, alert.getContainerId(), alert)).get();
                }
            }

            String group = "notify-it";
            NotifyEngine engine = NotifyEngine.start(specs);
            NotifyService service = new NotifyService(client, topic, engine, group, true);
            StringWriter out = new StringWriter();
            Thread runner = new Thread(() -> service.run(new PrintWriter(out), Duration.ofMillis(500)), "notify-it");
            runner.start();
            try {
                List<RecordingServer.Request> slack = server.await("/slack", 2, Duration.ofSeconds(60));
                List<RecordingServer.Request> pd = server.await("/v2/enqueue", 1, Duration.ofSeconds(10));
                Set<String> texts = new HashSet<>();
                slack.forEach(r -> texts.add(r.json().path("blocks").get(3).path("elements").get(0).path("text").asText()));
                assertTrue(texts.stream().anyMatch(t -> t.contains("alert kafka-1")) && texts.stream().anyMatch(t -> t.contains("alert kafka-2")), texts.toString());
                assertEquals("kafka-1", pd.get(0).json().path("dedup_key").asText(), "MEDIUM is below the pager's HIGH");
                assertEquals("critical", pd.get(0).json().path("payload").path("severity").asText());
                awaitCommitted(kafka, group, topic, 2);
            } finally {
                service.stop();
                runner.join(TimeUnit.SECONDS.toMillis(30));
                engine.close(Duration.ofSeconds(5));
            }
            assertEquals(2, engine.stats().get(0).sent(), engine.status());
            assertEquals(1, engine.stats().get(1).sent(), engine.status());
            assertTrue(service.statusLine().startsWith("notify: 2 alerts read | chat: sent 2"), service.statusLine());

            // The same group again: the offsets were committed, so nothing is sent twice.
            NotifyEngine again = NotifyEngine.start(specs);
            NotifyService restarted = new NotifyService(client, topic, again, group, true);
            Thread second = new Thread(() -> restarted.run(new PrintWriter(new StringWriter()), Duration.ZERO), "notify-it-2");
            second.start();
            Thread.sleep(3000);
            restarted.stop();
            second.join(TimeUnit.SECONDS.toMillis(30));
            again.close(Duration.ofSeconds(5));
            assertEquals(2, server.requests("/slack").size());
            assertEquals(1, server.requests("/v2/enqueue").size());
        }
    }

    private static void awaitCommitted(KafkaBroker kafka, String group, String topic, long expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long committed = 0;
        while (System.nanoTime() < deadline) {
            Map<TopicPartition, OffsetAndMetadata> offsets;
            try (Admin admin = kafka.admin()) {
                offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            }
            committed = offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
            if (committed >= expected) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("committed " + committed + " of " + expected);
    }
}
