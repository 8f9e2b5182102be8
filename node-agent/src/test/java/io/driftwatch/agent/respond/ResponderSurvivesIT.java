package io.driftwatch.agent.respond;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.driftwatch.agent.respond.k8s.NoKubernetes;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.schemas.registry.InMemorySchemaRegistry;
import io.driftwatch.schemas.registry.SchemaRegistryException;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.testkit.KafkaBrokerExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The responder's readers against a real broker and a schema registry that can be taken away: an unreadable command
 * record is skipped (and dead-lettered), a registry outage is waited out, a command whose handling throws gets a
 * FAILED result, and in each case the next command is still handled. Before, the first of these ended the command
 * loop for good while the agent ran on without a responder.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ResponderSurvivesIT {
    static final String NODE = "node-a";
    static final ObjectMapper JSON = new ObjectMapper();
    static KafkaBroker broker;
    static HttpServer registry;
    static String registryUrl;
    static volatile boolean registryDown;
    static InMemorySchemaRegistry schemas;

    @TempDir
    Path tmp;
    String prefix;
    Responder responder;
    CommandHandler handler;

    @BeforeAll
    static void start(KafkaBroker kafka) throws Exception {
        broker = kafka;
        schemas = InMemorySchemaRegistry.scope("responder-it-" + UUID.randomUUID());
        registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        registry.createContext("/", ResponderSurvivesIT::registry);
        registry.start();
        registryUrl = "http://127.0.0.1:" + registry.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.stop(0);
        }
    }

    @AfterEach
    void closeResponder() {
        registryDown = false;
        if (responder != null) {
            responder.close();
        }
    }

    /** The Confluent API calls the clients make, answered from an in-memory registry; 503 while "down". */
    static void registry(HttpExchange x) throws IOException {
        try (x) {
            if (registryDown) {
                answer(x, 503, "{\"error_code\":50301,\"message\":\"down for the test\"}");
                return;
            }
            String path = URLDecoder.decode(x.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            String[] parts = path.split("/");
            try {
                if ("POST".equals(x.getRequestMethod()) && parts.length >= 3 && parts[1].equals("subjects")) {
                    Schema schema = new Schema.Parser().parse(JSON.readTree(x.getRequestBody()).path("schema").asText());
                    int id = parts.length == 4 && parts[3].equals("versions")
                            ? schemas.register(parts[2], schema) : schemas.idOf(parts[2], schema);
                    answer(x, 200, JSON.writeValueAsString(Map.of("id", id, "subject", parts[2], "version", 1,
                            "schema", schema.toString())));
                } else if ("GET".equals(x.getRequestMethod()) && path.startsWith("/schemas/ids/")) {
                    Schema schema = schemas.schemaById(Integer.parseInt(parts[3]));
                    answer(x, 200, JSON.writeValueAsString(Map.of("schema", schema.toString())));
                } else {
                    answer(x, 404, "{\"error_code\":40400,\"message\":\"not in this fake\"}");
                }
            } catch (SchemaRegistryException.NotFound e) {
                answer(x, 404, "{\"error_code\":40403,\"message\":\"not found\"}");
            }
        }
    }

    static void answer(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }

    /** Topics of their own for each test, so that tests do not see each other's records. */
    void topics() throws Exception {
        prefix = "rs" + UUID.randomUUID().toString().substring(0, 8) + ".";
        broker.createTopics(2, prefix + "response-commands");
        broker.createTopics(1, prefix + "response-results", prefix + "alerts", prefix + "enriched-events",
                prefix + "dead-letter");
    }

    Responder responder() throws IOException {
        handler = new CommandHandler(new CommandHandler.Config(NODE, false, null, Set.of(), Set.of(), 5, 20, 3, 60_000,
                tmp.resolve("state")), id -> Optional.empty(), id -> List.of(), new ContainerActions(List.of(), "runc"),
                new NoKubernetes(), new EvidenceCollector(tmp.resolve("evidence"), Path.of("/proc"), 10, 1 << 20),
                System::currentTimeMillis);
        // The registry client tries once, so that an outage shows at once; the responder itself retries.
        Map<String, Object> overrides = Map.of("max.retries", 0, "retries.wait.ms", 10);
        return new Responder(new Responder.Config(broker.bootstrapServers(), registryUrl, prefix, NODE, overrides), handler,
                id -> true);
    }

    static ResponseCommand command(String id) {
        return ResponseCommand.newBuilder().setCommandId(id).setAlertId("alert-" + id).setAction(ResponseAction.NOTIFY)
                .setNode(NODE).setContainerId("c-1").setParameters(Map.of()).setIssuedAt(System.currentTimeMillis())
                .setExpiresAt(System.currentTimeMillis() + 600_000).build();
    }

    void sendCommand(String key, ResponseCommand c) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
        values.configure(p, false);
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(p, new StringSerializer(), values)) {
            producer.send(new ProducerRecord<>(prefix + "response-commands", 0, key, c)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void sendRaw(String key, byte[] value) throws Exception {
        Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(prefix + "response-commands", 0, key.getBytes(StandardCharsets.UTF_8), value)).get();
        }
    }

    /** The results on the results topic, read from the start. */
    List<ResponseResult> results() {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        c.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        AvroDeserializer<Object> values = new AvroDeserializer<>();
        values.configure(c, false);
        List<ResponseResult> out = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(c, new StringDeserializer(), values)) {
            TopicPartition tp = new TopicPartition(prefix + "response-results", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add((ResponseResult) r.value());
                }
            }
        }
        return out;
    }

    List<ConsumerRecord<byte[], byte[]>> deadLetters() {
        Map<String, Object> c = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(prefix + "dead-letter", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    Optional<ResponseResult> resultFor(String commandId) {
        return results().stream().filter(r -> commandId.equals(r.getCommandId())).findFirst();
    }

    static void waitFor(String what, long ms, BooleanSupplier done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void anUnreadableCommandIsSkippedCountedAndDeadLetteredAndTheNextCommandIsHandled() throws Exception {
        topics();
        byte[] poison = "not Avro, not anything".getBytes(StandardCharsets.UTF_8);
        sendRaw(NODE, poison);
        sendRaw("node-b", new byte[] {0, 0, 0, 0x7f, 0x7f, 1}); // another node's: skipped here, not dead-lettered here
        sendCommand(NODE, command("after-the-poison"));
        responder = responder().start();
        waitFor("the result of the command after the unreadable records", 30_000,
                () -> resultFor("after-the-poison").isPresent());
        assertEquals(ResponseStatus.REFUSED, resultFor("after-the-poison").get().getStatus()); // unsigned
        assertEquals(2, responder.unreadable.get());
        waitFor("the dead letter", 10_000, () -> responder.deadLettered.get() == 1);
        List<ConsumerRecord<byte[], byte[]>> dead = deadLetters();
        assertEquals(1, dead.size());
        ConsumerRecord<byte[], byte[]> d = dead.get(0);
        assertArrayEquals(poison, d.value());
        assertEquals(NODE, new String(d.key(), StandardCharsets.UTF_8));
        assertEquals(prefix + "response-commands", header(d, "driftwatch.error.topic"));
        assertEquals("0", header(d, "driftwatch.error.partition"));
        assertEquals("0", header(d, "driftwatch.error.offset"));
        assertTrue(!header(d, "driftwatch.error.reason").isBlank());
        assertEquals("org.apache.kafka.common.errors.SerializationException", header(d, "driftwatch.error.exception"));
        System.out.println("responder: " + responder.status() + "; dead letter reason: " + header(d, "driftwatch.error.reason"));
        // Still reading: a command sent now is handled too.
        sendCommand(NODE, command("later"));
        waitFor("the result of a later command", 30_000, () -> resultFor("later").isPresent());
    }

    @Test
    void aRegistryOutageIsWaitedOutNotSkipped() throws Exception {
        topics();
        sendCommand(NODE, command("during-the-outage")); // its schema registered while the registry is up
        registryDown = true;
        responder = responder().start(); // knows no schema yet: must ask the registry, which answers 503
        waitFor("the responder to meet the outage", 30_000, () -> responder.retried.get() >= 3);
        assertTrue(resultFor("during-the-outage").isEmpty());
        registryDown = false;
        waitFor("the result once the registry is back", 30_000, () -> resultFor("during-the-outage").isPresent());
        assertEquals(0, responder.unreadable.get(), "a record that was fine must not be skipped");
        System.out.println("responder: " + responder.status());
    }

    @Test
    void aCommandWhoseHandlingThrowsGetsAFailedResultAndTheLoopGoesOn() throws Exception {
        topics();
        responder = responder();
        handler.close(); // its audit log closed: every decision's write throws
        responder.start();
        sendCommand(NODE, command("throws-1"));
        sendCommand(NODE, command("throws-2"));
        waitFor("both results", 30_000, () -> resultFor("throws-1").isPresent() && resultFor("throws-2").isPresent());
        assertEquals(ResponseStatus.FAILED, resultFor("throws-1").get().getStatus());
        assertEquals(ResponseStatus.FAILED, resultFor("throws-2").get().getStatus());
        assertTrue(resultFor("throws-1").get().getDetail().startsWith("responder error: "), resultFor("throws-1").get().getDetail());
        assertEquals(2, responder.handlingFailed.get());
    }
}
