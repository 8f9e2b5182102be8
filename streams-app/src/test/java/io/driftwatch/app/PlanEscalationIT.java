package io.driftwatch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.app.incidents.IncidentUpdates;
import io.driftwatch.app.plan.PlanSettings;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.model.Alert;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.IncidentPlan;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.PlanEscalation;
import io.driftwatch.model.Severity;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.testkit.TestkitDirectories;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proof of issue 20 on the real broker and registry of the testkit: a plan with escalation tiers on short timers
 * (0 s, 10 s, 20 s, 75 s), the app stopped and started between tiers (first on a fresh state directory, so the timers
 * come back from the changelog alone; then the first instance again on its own, stale directory, taking the task back),
 * every tier fired exactly once in order, and an acknowledgement through incident-inputs (as the API sends it) stopping
 * the last tier, which never arrives.
 */
@RealKafka
class PlanEscalationIT {
    private static final Logger LOG = LoggerFactory.getLogger(PlanEscalationIT.class);
    private static final String PREFIX = "plan-it.";
    private static final String APP_ID = "driftwatch-plan-it";
    private static final long TIER2 = 10_000;
    private static final long TIER3 = 20_000;
    private static final long TIER4 = 75_000;

    static final String PLAN = """
            plan: escalation-proof
            contacts:
              alice: {person: "Alice Ng", email: alice@example.com, handle: "@alice"}
              bob: {person: "Bob Ode", email: bob@example.com}
              carol: {person: "Carol Diaz", email: ciso@example.com}
              dana: {person: "Dana Kim", email: dana@example.com}
              oncall: {rota: [alice, bob], shift: 7d, start: "2026-01-05T09:00:00Z"}
            classes:
              - name: credential-tampering
                title: Credentials changed in a container
                match: {rules: ["DW-FIM-02*"]}
                lead: oncall
                channels: [security-email]
                playbook:
                  - {id: preserve, title: Snapshot the evidence, action: SNAPSHOT_EVIDENCE}
                  - {id: contain, title: Pause the container, action: PAUSE_CONTAINER}
                  - {id: rotate, title: Rotate the credentials}
                escalation:
                  - {after: 0s, notify: [oncall], channels: [pager]}
                  - {after: 10s, notify: [bob], channels: [security-email]}
                  - {after: 20s, notify: [carol], channels: [security-email, sms]}
                  - {after: 75s, notify: [dana], channels: [sms]}
              - name: default
                lead: alice
                escalation: [{after: 30m, notify: [alice], channels: [security-email]}]
            """;

    @Test
    void tiersFireOnceEachAcrossRestartsAndATaskMoveAndAnAcknowledgementStopsTheRest(KafkaBroker kafka,
            SchemaRegistryServer registry) throws Exception {
        Path root = TestkitDirectories.root().resolve("plan-it-" + ProcessHandle.current().pid());
        Files.createDirectories(root);
        Path planFile = root.resolve("response-plan.yaml");
        Files.writeString(planFile, PLAN);
        DriftwatchConfig first = config(kafka, registry, planFile, root.resolve("state-a"));
        DriftwatchConfig second = config(kafka, registry, planFile, root.resolve("state-b"));
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        catalog.all().forEach(t -> topics.add(new NewTopic(catalog.name(t.role(), first), Optional.of(2),
                Optional.of((short) 1)).configs(t.configs())));
        kafka.createTopics(topics);
        String notificationsTopic = catalog.name("incident-notifications", first);

        try (Reader notifications = new Reader(first, notificationsTopic)) {
            // 1. Instance A: the alert opens an incident; OPENED and tier 1 (after 0) come at once.
            DriftwatchApp a = DriftwatchApp.start(first);
            DriftwatchApp.awaitRunning(a.streams(), Duration.ofSeconds(90));
            Alert alert = alert(System.currentTimeMillis());
            produce(first, catalog.name("alerts", first), alert.getContainerId(), alert);
            IncidentNotification tier1 = notifications.await(n -> n.getKind().equals("ESCALATION") && n.getTier() == 1,
                    Duration.ofSeconds(60));
            String incidentId = tier1.getIncidentId();
            IncidentPlan plan = tier1.getIncident().getPlan();
            long startedAt = plan.getStartedAt();
            assertEquals("credential-tampering", plan.getClassName());
            assertEquals(List.of("pager"), tier1.getChannels());
            assertNotNull(notifications.one(incidentId + "/OPENED"));
            restart(a);
            long closedAfter = System.currentTimeMillis() - startedAt;
            System.out.println("figure: instance A closed " + closedAfter + " ms after the plan started (tier 2 due at "
                    + TIER2 + " ms)");
            assertTrue(closedAfter < TIER2, "A stopped before tier 2 was due (" + closedAfter + " ms)");

            // 2. Instance B, a fresh state directory: the task and its timers come from the changelog alone.
            DriftwatchApp b = DriftwatchApp.start(second);
            IncidentNotification tier2 = notifications.await(n -> n.getKind().equals("ESCALATION") && n.getTier() == 2,
                    Duration.ofSeconds(90));
            long tier2Late = tier2.getAt() - (startedAt + TIER2);
            System.out.println("figure: tier 2 sent by instance B " + tier2Late + " ms after it was due");
            assertTrue(tier2Late >= 0, "never early");
            assertEquals("Bob Ode", tier2.getRecipients().get(0).getName());
            // 3. Instance A again, on its own stale directory (it last saw the incident before tier 2); B leaves, so
            //    the task moves back to A, which must neither repeat tier 2 nor lose tier 3.
            DriftwatchApp again = DriftwatchApp.start(first);
            restart(b);
            IncidentNotification tier3 = notifications.await(n -> n.getKind().equals("ESCALATION") && n.getTier() == 3,
                    Duration.ofSeconds(90));
            System.out.println("figure: tier 3 sent " + (tier3.getAt() - (startedAt + TIER3)) + " ms after it was due");
            assertEquals(List.of("security-email", "sms"), tier3.getChannels());

            // 4. Acknowledged through incident-inputs, as POST /api/v1/incidents/{id}/status sends it.
            long ackAt = System.currentTimeMillis();
            assertTrue(ackAt < startedAt + TIER4 - 5_000, "time left to acknowledge before tier 4 ("
                    + (startedAt + TIER4 - ackAt) + " ms)");
            IncidentInput ack = IncidentUpdates.statusChange(tier3.getIncident(), IncidentStatus.ACKNOWLEDGED, "alice",
                    "on it", ackAt);
            produce(first, catalog.name("incident-inputs", first), tier3.getGroupKey(), ack);
            IncidentNotification acked = notifications.await(n -> n.getKind().equals("STATUS_CHANGED"),
                    Duration.ofSeconds(60));
            assertEquals(incidentId + "/STATUS_CHANGED/ACKNOWLEDGED/" + ackAt, acked.getNotificationId());

            // 5. Past tier 4's time (and a few ticks more): it never comes.
            long waitUntil = startedAt + TIER4 + 8_000;
            while (System.currentTimeMillis() < waitUntil) {
                notifications.poll();
            }
            notifications.poll();
            Incident last = notifications.last(incidentId).getIncident();
            again.close();

            List<String> ids = notifications.all().stream().map(IncidentNotification::getNotificationId).toList();
            System.out.println("figure: notifications " + ids);
            assertEquals(List.of(incidentId + "/OPENED", incidentId + "/ESCALATION/1", incidentId + "/ESCALATION/2",
                    incidentId + "/ESCALATION/3", incidentId + "/STATUS_CHANGED/ACKNOWLEDGED/" + ackAt), ids,
                    "each tier exactly once, in order; tier 4 never");
            IncidentPlan recorded = last.getPlan();
            assertEquals(ackAt, recorded.getAcknowledgedAt());
            assertEquals("alice", recorded.getAcknowledgedBy());
            List<PlanEscalation> tiers = recorded.getEscalations();
            for (int i = 0; i < 3; i++) {
                assertNotNull(tiers.get(i).getFiredAt(), "tier " + (i + 1) + " fired");
                assertNull(tiers.get(i).getStoppedAt());
            }
            assertNull(tiers.get(3).getFiredAt());
            assertEquals(ackAt, tiers.get(3).getStoppedAt());
            assertEquals("alice", tiers.get(3).getStoppedBy());
            assertEquals(IncidentStatus.ACKNOWLEDGED, last.getStatus());
            assertEquals(5, recorded.getNotices().stream().filter(n -> n.getOutcome().equals("sent")).count());
            assertFalse(ids.contains(incidentId + "/ESCALATION/4"));

            // 6. The playbook's automated steps (snapshot, then pause; no response policy ran on this alert): the plan
            //    issued each once across the restarts and the task move, signed, in playbook order, to node-a.
            List<io.driftwatch.model.ResponseCommand> planCommands = committed(first,
                    catalog.name("response-commands", first)).stream()
                    .filter(c -> c.getCommandId().startsWith("plan-")).toList();
            System.out.println("figure: plan commands " + planCommands.stream()
                    .map(c -> c.getAction() + " " + c.getCommandId() + " at +" + (c.getIssuedAt() - startedAt) + " ms")
                    .toList());
            assertEquals(List.of(io.driftwatch.model.ResponseAction.SNAPSHOT_EVIDENCE,
                    io.driftwatch.model.ResponseAction.PAUSE_CONTAINER),
                    planCommands.stream().map(io.driftwatch.model.ResponseCommand::getAction).toList(),
                    "each step once, evidence first");
            io.driftwatch.schemas.sign.CommandSignatures key = io.driftwatch.schemas.sign.CommandSignatures.of(
                    List.of(SIGNING_KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            for (io.driftwatch.model.ResponseCommand c : planCommands) {
                assertNull(key.problem(c), "signed: " + c);
                assertEquals("plan-it-a1", c.getAlertId());
                assertEquals("node-a", c.getNode());
                assertTrue(c.getIssuedAt() >= startedAt + 3_000, "after the grace: " + (c.getIssuedAt() - startedAt));
            }
            List<String> stepNotes = recorded.getSteps().stream().map(st -> st.getId() + ":" + st.getStatus() + ":"
                    + st.getNote()).toList();
            assertTrue(stepNotes.get(0).startsWith("preserve:pending:requested by the plan (command plan-"),
                    stepNotes.toString());
            assertEquals(2, last.getResponses().size(), "both came back through the join: " + last.getResponses());
        }
    }

    private static final String SIGNING_KEY = "plan-it-signing-key";

    /** Every committed ResponseCommand of {@code topic}, by partition then offset (read until 3 s bring nothing). */
    private static List<io.driftwatch.model.ResponseCommand> committed(DriftwatchConfig config, String topic) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        AvroDeserializer<Object> values = new AvroDeserializer<>();
        values.configure(props, false);
        List<io.driftwatch.model.ResponseCommand> all = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long quietUntil = System.currentTimeMillis() + 3_000;
            while (System.currentTimeMillis() < quietUntil) {
                for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(200))) {
                    all.add((io.driftwatch.model.ResponseCommand) record.value());
                    quietUntil = System.currentTimeMillis() + 3_000;
                }
            }
        }
        return all;
    }

    private static DriftwatchConfig config(KafkaBroker kafka, SchemaRegistryServer registry, Path planFile, Path stateDir) {
        return DriftwatchConfig.of(Map.ofEntries(
                Map.entry(DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers()),
                Map.entry(DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl()),
                Map.entry(DriftwatchConfig.TOPIC_PREFIX, PREFIX),
                Map.entry("application.id", APP_ID),
                Map.entry("commit.interval.ms", "200"),
                Map.entry("session.timeout.ms", "6000"),
                Map.entry("heartbeat.interval.ms", "1000"),
                Map.entry("driftwatch.http.port", "0"),
                Map.entry("driftwatch.rules.topic.enabled", "false"),
                Map.entry(PlanSettings.FILE, planFile.toString()),
                Map.entry(PlanSettings.TICK_MS, "200"),
                Map.entry(io.driftwatch.app.topology.CommandSigning.KEY, SIGNING_KEY),
                Map.entry("state.dir", stateDir.toString())));
    }

    /** Closes leaving the group, so that the next start does not wait out the old member's session. */
    private static void restart(DriftwatchApp app) {
        app.streams().close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        app.close();
    }

    private static Alert alert(long time) {
        return Alert.newBuilder().setAlertId("plan-it-a1").setRuleId("DW-FIM-021").setRuleName("passwd written")
                .setRuleVersion("1").setSeverity(Severity.HIGH).setMitre(List.of("T1098")).setTags(List.of("fim"))
                .setTimestamp(time).setEventIds(List.of("e1")).setContainerId("c0ffee42").setContainerName("ledger")
                .setImage("registry.example/ledger:1").setPodName("ledger-1").setNamespace("payments").setNode("node-a")
                .setUsers(List.of()).setSessions(List.of()).setProcessName("sh").setPath("/etc/passwd")
                .setMessage("/etc/passwd written in ledger").setEvidence(Map.of()).setCount(1).build();
    }

    private static void produce(DriftwatchConfig config, String topic, String key, Object value) throws Exception {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** Every committed notification from the start of the topic (no group: assigned, read from offset 0). */
    private static final class Reader implements AutoCloseable {
        private final KafkaConsumer<String, Object> consumer;
        private final List<IncidentNotification> seen = new ArrayList<>();

        Reader(DriftwatchConfig config, String topic) {
            Map<String, Object> props = new HashMap<>(config.clientProperties());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
            AvroDeserializer<Object> values = new AvroDeserializer<>();
            values.configure(props, false);
            consumer = new KafkaConsumer<>(props, new StringDeserializer(), values);
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        void poll() {
            for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(200))) {
                IncidentNotification n = (IncidentNotification) record.value();
                LOG.info("notification {} at {}", n.getNotificationId(), n.getAt());
                seen.add(n);
            }
        }

        IncidentNotification await(java.util.function.Predicate<IncidentNotification> wanted, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                Optional<IncidentNotification> found = seen.stream().filter(wanted).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
                poll();
            }
            throw new AssertionError("no such notification within " + timeout + "; seen " + seen.stream()
                    .map(IncidentNotification::getNotificationId).toList());
        }

        IncidentNotification one(String id) {
            return seen.stream().filter(n -> n.getNotificationId().equals(id)).findFirst().orElse(null);
        }

        IncidentNotification last(String incidentId) {
            IncidentNotification last = null;
            for (IncidentNotification n : seen) {
                if (n.getIncidentId().equals(incidentId)) {
                    last = n;
                }
            }
            return last;
        }

        List<IncidentNotification> all() {
            return List.copyOf(seen);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
