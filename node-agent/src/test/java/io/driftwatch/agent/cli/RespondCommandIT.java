package io.driftwatch.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.schemas.sign.CommandSignatures;
import io.driftwatch.testkit.KafkaBrokerExtension;
import io.driftwatch.testkit.SchemaRegistryExtension;
import io.driftwatch.testkit.TestkitDirectories;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code respond}: the responder alone, in a JVM of its own as the launcher runs it, against a real broker and
 * registry. In dry run a signed command gets SKIPPED_DRY_RUN, an unsigned one REFUSED, another node's none; every
 * decision is in the audit log; and with {@code --stop-with} it stops, cleanly, when that process ends.
 */
@ExtendWith({KafkaBrokerExtension.class, SchemaRegistryExtension.class})
class RespondCommandIT {
    private static final String NODE = "node-r";

    @Test
    void dryRunReportsSignedCommandsAndRefusesUnsignedOnes(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String prefix = "respond-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        kafka.createTopics(1, prefix + "response-commands", prefix + "response-results", prefix + "enriched-events",
                prefix + "alerts", prefix + "dead-letter");
        Path dir = TestkitDirectories.root().resolve(prefix + "work");
        Files.createDirectories(dir);
        Path keyFile = dir.resolve("signing.key");
        String secret = "a-test-key-of-more-than-thirty-two-bytes-" + UUID.randomUUID();
        Files.writeString(keyFile, secret + "\n");
        CommandSignatures signatures = CommandSignatures.of(List.of(secret.getBytes(StandardCharsets.UTF_8)));

        int metricsPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            metricsPort = free.getLocalPort();
        }
        Process owner = new ProcessBuilder("sleep", "600").start();
        try (ChildJvm respond = ChildJvm.start("respond", "256m", dir.resolve("respond.log"), List.of(
                AgentMain.class.getName(), "respond", "--node", NODE, "--bootstrap-server", kafka.bootstrapServers(),
                "--schema-registry-url", registry.confluentApiUrl(), "--topic-prefix", prefix,
                "--signing-key-file", keyFile.toString(), "--responder-dir", dir.resolve("responder").toString(),
                "--runc-root", dir.resolve("no-runc").toString(), "--containerd-root", dir.resolve("no-containerd").toString(),
                "--status-interval", "1", "--metrics-port", Integer.toString(metricsPort),
                "--stop-with", Long.toString(owner.pid())))) {
            respond.awaitLine(Pattern.compile("^driftwatch respond on node " + NODE + ": the responder only"), Duration.ofSeconds(60));

            ResponseCommand pause = signatures.signed(command("pause-1", ResponseAction.PAUSE_CONTAINER, NODE));
            ResponseCommand forged = command("pause-2", ResponseAction.PAUSE_CONTAINER, NODE);
            ResponseCommand elsewhere = signatures.signed(command("pause-3", ResponseAction.PAUSE_CONTAINER, "node-other"));
            send(kafka, registry, prefix, Map.of("pause-1", pause, "pause-2", forged, "pause-3", elsewhere));

            Map<String, ResponseResult> results = results(kafka, registry, prefix, 2, Duration.ofSeconds(60));
            assertEquals(ResponseStatus.SKIPPED_DRY_RUN, results.get("pause-1").getStatus(), results.toString());
            assertTrue(results.get("pause-1").getDetail().startsWith("dry run: would pause container c-pause-1"),
                    results.get("pause-1").getDetail());
            assertEquals(NODE, results.get("pause-1").getNode());
            assertEquals(ResponseStatus.REFUSED, results.get("pause-2").getStatus(), results.toString());
            assertTrue(results.get("pause-2").getDetail().contains("unsigned"), results.get("pause-2").getDetail());
            assertEquals(2, results.size(), "no result for another node's command: " + results);
            String audit = Files.readString(dir.resolve("responder/audit.jsonl"));
            assertTrue(audit.contains("\"commandId\":\"pause-1\"") && audit.contains("\"status\":\"SKIPPED_DRY_RUN\""), audit);
            respond.awaitLine(Pattern.compile("^status: responder: 2 results"), Duration.ofSeconds(10));

            // Its metrics port: the outcomes by action and result, the breaker closed, ready.
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + metricsPort;
            java.net.http.HttpResponse<String> ready = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(base + "/health/ready")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), ready.body());
            String scrape = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(scrape.contains("driftwatch_responder_outcomes_total{action=\"PAUSE_CONTAINER\",result=\"SKIPPED_DRY_RUN\"} 1.0"),
                    scrape);
            assertTrue(scrape.contains("driftwatch_responder_outcomes_total{action=\"PAUSE_CONTAINER\",result=\"REFUSED\"} 1.0"),
                    scrape);
            assertTrue(scrape.contains("driftwatch_responder_outcomes_total{action=\"KILL_CONTAINER\",result=\"DONE\"} 0.0"),
                    scrape);
            assertTrue(scrape.contains("driftwatch_circuit_breaker_state{breaker=\"responder\"} 0.0"), scrape);
            assertTrue(scrape.contains("kafka_consumer_fetch_manager_records_lag_max"), "the consumer's lag is bound");

            owner.destroy();
            assertEquals(0, respond.awaitExit(Duration.ofSeconds(30)), respond.tail(20));
            assertTrue(respond.lines().contains("process " + owner.pid() + " ended: stopping"), respond.tail(20));
        } finally {
            owner.destroyForcibly();
        }
    }

    private static ResponseCommand command(String id, ResponseAction action, String node) {
        long now = System.currentTimeMillis();
        return ResponseCommand.newBuilder().setCommandId(id).setAlertId("alert-" + id).setAction(action).setNode(node)
                .setContainerId("c-" + id).setPodName("pod").setNamespace("default").setParameters(Map.of())
                .setIssuedAt(now).setExpiresAt(now + 600_000).build();
    }

    private static void send(KafkaBroker kafka, SchemaRegistryServer registry, String prefix, Map<String, ResponseCommand> commands)
            throws Exception {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl());
        AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
        values.configure(p, false);
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(p, new StringSerializer(), values)) {
            for (ResponseCommand c : commands.values()) {
                producer.send(new ProducerRecord<>(prefix + "response-commands", c.getNode(), c)).get();
            }
        }
    }

    /** The results on the topic, by command id, once there are {@code expected} (and a moment longer for any extra). */
    private static Map<String, ResponseResult> results(KafkaBroker kafka, SchemaRegistryServer registry, String prefix,
            int expected, Duration timeout) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, prefix + "check");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        c.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl());
        c.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        Map<String, ResponseResult> results = new HashMap<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(prefix + "response-results"));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settled = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settled)) {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(200))) {
                    ResponseResult result = (ResponseResult) r.value();
                    results.put(result.getCommandId(), result);
                }
                if (results.size() >= expected && settled == Long.MAX_VALUE) {
                    settled = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                }
            }
        }
        assertTrue(results.size() >= expected, "results within " + timeout + ": " + results);
        return results;
    }
}
