package io.driftwatch.agent.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.publish.Publisher;
import io.driftwatch.agent.respond.CommandHandler;
import io.driftwatch.agent.respond.ContainerActions;
import io.driftwatch.agent.respond.EvidenceCollector;
import io.driftwatch.agent.respond.Responder;
import io.driftwatch.agent.respond.k8s.NoKubernetes;
import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.cli.Main;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.sign.CommandSignatures;
import io.driftwatch.testkit.SchemaRegistryExtension;
import io.driftwatch.testkit.SecureKafkaBroker;
import io.driftwatch.testkit.TestCertificates;
import io.driftwatch.testkit.TestkitDirectories;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pipeline on a broker that authenticates (SASL_SSL with SCRAM-SHA-512, and mTLS) and authorises
 * (StandardAuthorizer, no super user but the administrator), each component on its own credentials and with only the
 * ACLs `./driftwatch acls --apply` creates: the agent of node-1 publishes an attack, the app (exactly-once) raises an
 * alert and a signed command that it routes to node-1's own topic, node-1's responder carries it out (dry run), and the
 * notifier, connected over mTLS, reads the alert. The agent's credentials are refused the response-commands topic and
 * node-2's commands.
 */
@ExtendWith(SchemaRegistryExtension.class)
class SecureKafkaIT {
    private static final String PREFIX = "sec.";
    private static final String SIGNING_KEY = "a-shared-secret-of-32-characters";
    private static final String COMMANDS = PREFIX + "response-commands";
    private static SecureKafkaBroker broker;
    private static String registryUrl;
    private static Path dir;
    private static String aclOutput;

    @BeforeAll
    static void secureCluster(SchemaRegistryServer registry) throws Exception {
        registryUrl = registry.confluentApiUrl();
        dir = Files.createDirectories(TestkitDirectories.root().resolve("secure-kafka"));
        broker = SecureKafkaBroker.start(dir, TestCertificates.authority("CN=Driftwatch test CA"));
        for (String user : List.of("driftwatch-app", "driftwatch-agent-node-1", "driftwatch-agent-node-2")) {
            broker.createScramUser(user, user + "-password");
        }
        // The operator's steps, as super user: the topics, then the ACLs, through the CLI's own code.
        Path admin = properties("admin.properties", broker.superUserClient());
        cli(0, "topics", "create", "--config", admin.toString(), "--partitions", "1", "--replication-factor", "1");
        aclOutput = cli(0, "acls", "--config", admin.toString(), "--node", "node-1,node-2", "--apply");
        // node-2's own commands topic, so that refusing node-1 its records is about the ACL, not a missing topic.
        try (Admin a = Admin.create(broker.superUserClient())) {
            a.createTopics(List.of(new NewTopic(COMMANDS + ".node-2", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void eachComponentOnItsOwnCredentialsTurnsAnAttackIntoAnAlertAndACommandForItsNode() throws Exception {
        assertTrue(aclOutput.contains("applied") && aclOutput.contains("User:driftwatch-agent-node-1"), aclOutput);
        Map<String, String> app = new HashMap<>();
        broker.scramClient("driftwatch-app", "driftwatch-app-password").forEach((k, v) -> app.put(k, v.toString()));
        app.put(DriftwatchConfig.SCHEMA_REGISTRY_URL, registryUrl);
        app.put(DriftwatchConfig.TOPIC_PREFIX, PREFIX);
        app.put("state.dir", Files.createTempDirectory(dir, "app-state-").toString()); // fresh: the broker is new each run
        app.put("driftwatch.response.commands.per.node", "true");
        app.put("driftwatch.response.signing.key", SIGNING_KEY);
        app.put("driftwatch.response.commands.node.replication.factor", "1");
        long t0 = System.currentTimeMillis() - 10_000;

        try (DriftwatchApp running = DriftwatchApp.start(DriftwatchConfig.of(app));
             Responder responder = responder("node-1").start()) {
            DriftwatchApp.awaitRunning(running.streams(), Duration.ofSeconds(60));
            // The agent of node-1 publishes, with the agent's own publisher and credentials.
            try (Publisher agent = new Publisher(new Publisher.Config(broker.saslSslBootstrap(), registryUrl,
                    PREFIX + "file-events", PREFIX + "container-metadata", 1000, agentClient("node-1")))) {
                agent.metadata(ContainerMetadata.newBuilder().setContainerId("c0ffee01").setNode("node-1")
                        .setContainerName("ledger").setImage("registry.example/ledger:1.4.2").setPodName("ledger-1")
                        .setNamespace("payments").setLabels(Map.of()).setStartedAt(t0).build());
                assertTrue(agent.offer(FileEvent.newBuilder().setEventId("sec-1").setTimestamp(t0 + 3000).setNode("node-1")
                        .setContainerId("c0ffee01").setType(EventType.MODIFY).setPath("/usr/bin/dpkg").setPid(901)
                        .setPpid(900).setProcessName("cp").setExe("/bin/cp").setCmdline("cp x /usr/bin/dpkg").setUid(0L)
                        .setGid(0L).setSource("test").build()));
            }

            // The notifier, over mTLS: its certificate's CN is its principal, its group the one acls granted.
            Map<String, Object> notifier = new HashMap<>(broker.mtlsClient("driftwatch-notifier"));
            notifier.put(ConsumerConfig.GROUP_ID_CONFIG, "driftwatch-notify");
            List<Object> alerts = read(notifier, PREFIX + "alerts",
                    a -> a instanceof Alert alert && alert.getEventIds().contains("sec-1"));
            Alert alert = (Alert) alerts.stream().filter(a -> ((Alert) a).getEventIds().contains("sec-1")).findFirst()
                    .orElseThrow();
            assertEquals("node-1", alert.getNode());

            // The command on node-1's own topic, signed; and node-1's responder's result for it.
            Map<String, Object> reader = new HashMap<>(broker.scramClient("driftwatch-app", "driftwatch-app-password"));
            List<Object> commands = read(reader, COMMANDS, c -> c instanceof ResponseCommand command
                    && command.getAlertId().equals(alert.getAlertId()));
            ResponseCommand command = commands.stream().map(ResponseCommand.class::cast)
                    .filter(c -> c.getAlertId().equals(alert.getAlertId())).findFirst().orElseThrow();
            assertEquals("node-1", command.getNode());
            assertEquals(null, CommandSignatures.of(List.of(SIGNING_KEY.getBytes(StandardCharsets.UTF_8))).problem(command));
            // node-1 reads its own topic (no group: READ on the topic is all it takes).
            List<Object> own = read(agentClient("node-1"), COMMANDS + ".node-1", c -> c instanceof ResponseCommand rc
                    && rc.getCommandId().equals(command.getCommandId()));
            assertTrue(own.stream().anyMatch(c -> ((ResponseCommand) c).getCommandId().equals(command.getCommandId())));
            List<Object> results = read(reader, PREFIX + "response-results", r -> r instanceof ResponseResult result
                    && result.getCommandId().equals(command.getCommandId()));
            ResponseResult result = results.stream().map(ResponseResult.class::cast)
                    .filter(r -> r.getCommandId().equals(command.getCommandId())).findFirst().orElseThrow();
            assertEquals("node-1", result.getNode());
            assertEquals(ResponseStatus.SKIPPED_DRY_RUN, result.getStatus(), result.toString());
            assertTrue(running.nodeCommands().routed.get() > 0);
            assertEquals(0, responder.retried.get() + responder.unreadable.get(), responder.status());
        }
    }

    @Test
    void anAgentsCredentialsCannotCommandOtherNodesNorReadTheirCommands() throws Exception {
        Map<String, Object> agent = new HashMap<>(agentClient("node-1"));
        agent.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(agent, new StringSerializer(), new StringSerializer())) {
            for (String topic : List.of(COMMANDS, COMMANDS + ".node-2")) {
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> producer.send(new ProducerRecord<>(topic, "node-2", "a forged command")).get(20, TimeUnit.SECONDS),
                        "writing " + topic);
                assertInstanceOf(TopicAuthorizationException.class, refused.getCause(), topic);
            }
        }
        for (String topic : List.of(COMMANDS + ".node-2", COMMANDS)) {
            Map<String, Object> reader = new HashMap<>(agentClient("node-1"));
            reader.put(ConsumerConfig.GROUP_ID_CONFIG, "driftwatch-responder-node-1");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(reader, new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.subscribe(List.of(topic));
                assertThrows(TopicAuthorizationException.class, () -> pollUntilFailure(consumer), "reading " + topic);
            }
        }
        // Assigning the partition instead of subscribing is refused the same way.
        Map<String, Object> own = new HashMap<>(agentClient("node-1"));
        own.put(ConsumerConfig.GROUP_ID_CONFIG, "driftwatch-responder-node-1");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(own, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition(COMMANDS + ".node-2", 0)));
            assertThrows(TopicAuthorizationException.class, () -> pollUntilFailure(consumer), "assigning node-2's partition");
        }
    }

    private static void pollUntilFailure(KafkaConsumer<String, String> consumer) {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            consumer.poll(Duration.ofMillis(200));
        }
        throw new AssertionError("the consumer was never refused");
    }

    private static Map<String, Object> agentClient(String node) {
        return broker.scramClient("driftwatch-agent-" + node, "driftwatch-agent-" + node + "-password");
    }

    /** node's responder, in dry run, on the agent's credentials, reading its node's own commands topic. */
    private static Responder responder(String node) throws Exception {
        Map<String, Object> overrides = new HashMap<>(agentClient(node));
        overrides.remove("bootstrap.servers");
        // Fresh each run: the handled command ids kept there would make the same (deterministic) command a repeat.
        Path state = Files.createTempDirectory(dir, "responder-" + node + "-");
        CommandHandler handler = new CommandHandler(new CommandHandler.Config(node, false,
                CommandSignatures.of(List.of(SIGNING_KEY.getBytes(StandardCharsets.UTF_8))), Set.of(), Set.of(), 5, 20, 3,
                60_000, state), id -> Optional.empty(), id -> List.of(), new ContainerActions(List.of(), "runc"),
                new NoKubernetes(), new EvidenceCollector(state.resolve("evidence"), Path.of("/proc"), 10, 1 << 20),
                System::currentTimeMillis);
        return new Responder(new Responder.Config(broker.saslSslBootstrap(), registryUrl, PREFIX, node, overrides, true),
                handler, id -> true);
    }

    /** Reads {@code topic} from the start (no group unless the settings name one) until a record matches. */
    private static List<Object> read(Map<String, Object> client, String topic, Predicate<Object> wanted) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        AvroDeserializer<Object> values = new AvroDeserializer<>();
        values.configure(props, false);
        List<Object> seen = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            if (props.containsKey(ConsumerConfig.GROUP_ID_CONFIG)) {
                consumer.subscribe(List.of(topic));
            } else {
                waitForTopic(topic);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
            }
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(r.value());
                    if (wanted.test(r.value())) {
                        return seen;
                    }
                }
            }
        }
        throw new AssertionError("nothing wanted on " + topic + " within 60 s; seen " + seen);
    }

    private static void waitForTopic(String topic) {
        long deadline = System.currentTimeMillis() + 60_000;
        try (Admin a = Admin.create(broker.superUserClient())) {
            while (System.currentTimeMillis() < deadline) {
                if (a.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic)) {
                    return;
                }
                Thread.sleep(100);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        throw new AssertionError(topic + " was not created within 60 s");
    }

    private static Path properties(String name, Map<String, Object> values) throws Exception {
        Properties props = new Properties();
        values.forEach((k, v) -> props.setProperty(k, v.toString()));
        props.setProperty(DriftwatchConfig.TOPIC_PREFIX, PREFIX);
        props.setProperty(DriftwatchConfig.SCHEMA_REGISTRY_URL, registryUrl);
        props.setProperty("application.id", "driftwatch");
        props.setProperty("driftwatch.response.commands.per.node", "true");
        Path file = dir.resolve(name);
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, "test " + name);
        }
        return file;
    }

    private static String cli(int expectedExit, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int code = commandLine.execute(args);
        assertEquals(expectedExit, code, String.join(" ", args) + ": " + out + err);
        return out + err.toString();
    }
}
