package io.driftwatch.app.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.RuleBundle;
import io.driftwatch.rules.RuleBundles;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.testkit.TestkitDirectories;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * Hot reload on a real broker and registry, through the running app: a bundle published to the
 * rules topic (with {@code rules publish}) is swapped in while events keep flowing, with none lost;
 * a broken bundle is refused and the app runs on; a changed file in the watched directory is
 * swapped in and published for the other instances.
 */
@RealKafka
class RulesReloadIT {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final List<String> CONTAINERS = List.of("c0ffee11", "c0ffee12", "c0ffee13", "c0ffee14");

    @Test
    void aPublishedBundleIsSwappedInWithNoEventLostAndABrokenOneIsRefused(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        DriftwatchConfig config = config(kafka, registry, "reload.", Map.of());
        createTopics(kafka, config);
        TopicCatalog catalog = TopicCatalog.builtIn();
        Path newRules = Files.createDirectories(TestkitDirectories.root().resolve("reload-rules-" + System.nanoTime()));
        Files.createDirectories(newRules.resolve("acme"));
        Files.writeString(newRules.resolve("acme/opt.drl"), RulesManagerTest.rule("ACME-OPT-001", "/opt/acme/"));

        try (DriftwatchApp app = DriftwatchApp.start(config);
             Outputs outputs = new Outputs(config, catalog.name("enriched-events", config), catalog.name("alerts", config))) {
            DriftwatchApp.awaitRunning(app.streams(), WAIT);
            String oldVersion = app.rules().version();
            assertEquals(RuleSet.builtIn().version(), oldVersion);
            ObjectName mbean = app.rulesManager().mbeanName();
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();

            try (EventStream events = new EventStream(config, catalog.name("file-events", config))) {
                await("events before the publication", () -> events.produced() > 20);
                // Every event produced so far is evaluated (on the audit trail, written in the same transaction
                // as its alerts) before the new set is even published.
                int beforePublish = events.produced() - 1;
                Set<String> early = events.ids();
                await("the events before the publication on the audit trail", () -> outputs.enrichedIds().containsAll(early));

                // What `./driftwatch rules publish DIR` does (the CLI module's RulesCommandTest runs the command).
                String newVersion = RuleSet.load(newRules).version();
                DriftwatchConfig publishConfig = DriftwatchConfig.of(Map.of(
                        DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                        DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                        DriftwatchConfig.TOPIC_PREFIX, "reload."));
                var files = io.driftwatch.rules.RuleBundles.read(newRules);
                try (RuleBundleTopic topic = new RuleBundleTopic(publishConfig,
                        RulesSettings.from(publishConfig).topic())) {
                    topic.publish(RuleBundleTopic.bundle(RulesSettings.from(publishConfig).name(),
                            io.driftwatch.rules.RuleBundles.compile(files).version(), files, System.currentTimeMillis()));
                }

                await("the swap to " + newVersion, () -> app.rules().version().equals(newVersion));
                int afterSwap = events.produced();
                assertEquals(newVersion, server.getAttribute(mbean, "Version"));
                assertEquals(1L, server.getAttribute(mbean, "Reloads"));
                await("events after the swap", () -> events.produced() > afterSwap + 20);

                // A bundle that does not compile (written by something other than `rules publish`, which refuses it).
                try (RuleBundleTopic topic = new RuleBundleTopic(config, catalog.name("rules", config))) {
                    topic.publish(RuleBundleTopic.bundle("default", "broken", Map.of("acme/broken.drl", RulesManagerTest.BROKEN),
                            System.currentTimeMillis()));
                }
                await("the refusal", () -> app.rulesManager().metrics().getFailedReloads() == 1);
                assertEquals(newVersion, server.getAttribute(mbean, "Version"));
                assertEquals(1L, server.getAttribute(mbean, "FailedReloads"));
                String lastError = (String) server.getAttribute(mbean, "LastError");
                assertTrue(lastError.contains("acme/broken.drl:5:"), lastError);
                int afterRefusal = events.produced();
                await("events after the refusal", () -> events.produced() > afterRefusal + 20);
                events.stop();
                assertEquals(KafkaStreams.State.RUNNING, app.streams().state());

                // Nothing lost, nothing twice: every event is on the audit trail exactly once.
                Set<String> producedIds = events.ids();
                await("every event on the audit trail", () -> outputs.enrichedIds().containsAll(producedIds));
                int lastAcme = events.lastAcme();
                await("the alert for the last /opt/acme event", () -> outputs.alertFor(lastAcme) != null);
                // Events wait up to driftwatch.rules.reorder.ms (or as long of quiet) to be evaluated in event-time
                // order, per task: the last events of each partition alert a little after the others.
                int producedInTotal = events.produced();
                await("an alert for every event after the swap", () -> java.util.stream.IntStream.range(afterSwap,
                        producedInTotal).allMatch(i -> outputs.alertFor(i) != null));
                Map<String, Long> counts = outputs.enrichedIdList().stream()
                        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
                assertEquals(producedIds, counts.keySet());
                assertTrue(counts.values().stream().allMatch(c -> c == 1), "an event was evaluated twice: " + counts);

                List<Alert> alerts = outputs.alerts();
                assertEquals(alerts.size(), alerts.stream().map(Alert::getAlertId).distinct().count(), "duplicate alerts");
                for (int i = 0; i <= beforePublish; i++) {
                    Alert alert = outputs.alertFor(i);
                    if (events.isBuiltIn(i)) {
                        assertTrue(alert != null, "no alert for event " + i + " before the swap");
                        assertEquals(oldVersion, alert.getRuleVersion(), "alert before the swap: " + alert);
                    } else {
                        assertEquals(null, alert, "the old set has no /opt/acme rule");
                    }
                }
                for (int i = afterSwap; i < events.produced(); i++) {
                    Alert alert = outputs.alertFor(i);
                    assertTrue(alert != null, "no alert for event " + i + " after the swap");
                    assertEquals(newVersion, alert.getRuleVersion(), alert.toString());
                    assertEquals(events.isBuiltIn(i) ? "DW-FIM-001" : "ACME-OPT-001", alert.getRuleId(), alert.toString());
                }
                assertTrue(alerts.stream().filter(a -> a.getRuleId().equals("ACME-OPT-001"))
                        .allMatch(a -> a.getRuleVersion().equals(newVersion)));
            }
        }
    }

    @Test
    void aChangedFileInTheWatchedDirectoryIsSwappedInAndPublished(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        Path dir = Files.createDirectories(TestkitDirectories.root().resolve("watched-rules-" + System.nanoTime()));
        Files.writeString(dir.resolve("acme.drl"), RulesManagerTest.rule("ACME-DIR-001", "/opt/acme/"));
        DriftwatchConfig config = config(kafka, registry, "reload-dir.", Map.of(
                RulesSettings.DIR, dir.toString(),
                RulesSettings.WATCH_INTERVAL_MS, "200"));
        createTopics(kafka, config);
        TopicCatalog catalog = TopicCatalog.builtIn();
        String rulesTopic = catalog.name("rules", config);

        try (DriftwatchApp app = DriftwatchApp.start(config);
             Outputs outputs = new Outputs(config, catalog.name("alerts", config), rulesTopic)) {
            DriftwatchApp.awaitRunning(app.streams(), WAIT);
            String first = RuleSet.load(dir).version();
            assertEquals(first, app.rules().version());
            // The topic was empty: the directory's set is published at start, for the instances without the directory.
            await("the directory's bundle on the rules topic", () -> outputs.bundle(first).isPresent());

            Files.writeString(dir.resolve("acme.drl"), RulesManagerTest.rule("ACME-DIR-002", "/srv/acme/"));
            String second = RuleSet.load(dir).version();
            await("the swap to " + second, () -> app.rules().version().equals(second));
            assertTrue(app.rulesManager().metrics().getSource().startsWith("directory "));
            await("the changed bundle on the rules topic", () -> outputs.bundle(second).isPresent());
            assertEquals(RuleBundles.sha256(RuleBundles.read(dir)), outputs.bundle(second).orElseThrow().getSha256());

            try (EventStream events = new EventStream(config, catalog.name("file-events", config), "/srv/acme/data/file-")) {
                await("a few events", () -> events.produced() > 5);
                events.stop();
                int last = events.produced() - 1;
                await("the alert of the new rule", () -> outputs.alertFor(last) != null);
                Alert alert = outputs.alertFor(last);
                assertEquals(events.isBuiltIn(last) ? "DW-FIM-001" : "ACME-DIR-002", alert.getRuleId());
                assertEquals(second, alert.getRuleVersion());
            }

            // Another instance, without the directory, follows the topic to the same version.
            RulesSettings follower = new RulesSettings(null, Duration.ofSeconds(2), true, rulesTopic, "default");
            try (RulesManager other = RulesManager.start(follower, new RuleBundleTopic(config, rulesTopic),
                    RuleBundles::compile, false)) {
                assertEquals(second, other.current().version());
                assertTrue(other.metrics().getSource().startsWith("topic "), other.metrics().getSource());
            }
        }
    }

    @Test
    void aMissingRulesTopicDoesNotHoldUpTheStart(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        DriftwatchConfig config = config(kafka, registry, "reload-missing.", Map.of());
        RulesSettings settings = new RulesSettings(null, Duration.ofSeconds(2), true, "reload-missing.rules", "default");
        long started = System.nanoTime();
        try (RulesManager manager = RulesManager.start(settings, new RuleBundleTopic(config, settings.topic()),
                RuleBundles::compile, false)) {
            assertTrue(System.nanoTime() - started < Duration.ofSeconds(15).toNanos(), "start took too long");
            assertEquals(RuleSet.builtIn().version(), manager.current().version());
            assertEquals(RulesManager.BUILT_IN, manager.metrics().getSource());
        }
        try (var admin = kafka.admin()) {
            assertFalse(admin.listTopics().names().get().contains("reload-missing.rules"), "the follower created the topic");
        }
    }

    private static DriftwatchConfig config(KafkaBroker kafka, SchemaRegistryServer registry, String prefix,
                                           Map<String, String> more) {
        Map<String, String> values = new HashMap<>(Map.of(
                DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                DriftwatchConfig.TOPIC_PREFIX, prefix,
                "application.id", "driftwatch-" + prefix.replace(".", ""),
                "state.dir", TestkitDirectories.root().resolve("state-" + prefix + System.nanoTime()).toString(),
                "commit.interval.ms", "100"));
        values.putAll(more);
        return DriftwatchConfig.of(values);
    }

    private static void createTopics(KafkaBroker kafka, DriftwatchConfig config) throws Exception {
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        catalog.all().forEach(t -> topics.add(new NewTopic(catalog.name(t.role(), config),
                Optional.of(t.role().equals("rules") ? 1 : 2), Optional.of((short) 1)).configs(t.configs())));
        kafka.createTopics(topics);
        // The containers are known before their events, so events are enriched at once.
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        long started = System.currentTimeMillis() - 60_000;
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(props)) {
            for (String id : CONTAINERS) {
                ContainerMetadata container = ContainerMetadata.newBuilder().setContainerId(id).setNode("node-a")
                        .setContainerName("app-" + id).setImage("registry.example/app:1").setPodName("app-" + id)
                        .setNamespace("acme").setLabels(Map.of()).setStartedAt(started).build();
                producer.send(new ProducerRecord<>(catalog.name("container-metadata", config), null, started, id, container)).get();
            }
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Produces events without pause on its own thread, event i is {@code ev-i}: even ones write
     * {@code /usr/bin/tool-i} (the built-in DW-FIM-001 fires), odd ones {@code <acmePrefix>i},
     * which only a user rule notices.
     */
    private static final class EventStream implements AutoCloseable {
        private final KafkaProducer<String, Object> producer;
        private final String topic;
        private final String acmePrefix;
        private final AtomicInteger produced = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        private volatile Exception failure;

        EventStream(DriftwatchConfig config, String topic) {
            this(config, topic, "/opt/acme/data/file-");
        }

        EventStream(DriftwatchConfig config, String topic, String acmePrefix) {
            Map<String, Object> props = new HashMap<>(config.clientProperties());
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            this.producer = new KafkaProducer<>(props);
            this.topic = topic;
            this.acmePrefix = acmePrefix;
            this.thread = new Thread(this::run, "test-events");
            thread.start();
        }

        private void run() {
            try {
                while (!stop.get()) {
                    int i = produced.get();
                    String container = CONTAINERS.get((i / 2) % CONTAINERS.size());
                    String path = isBuiltIn(i) ? "/usr/bin/tool-" + i : acmePrefix + i;
                    FileEvent event = FileEvent.newBuilder().setEventId("ev-" + i).setTimestamp(System.currentTimeMillis())
                            .setNode("node-a").setContainerId(container).setType(EventType.MODIFY).setPath(path)
                            .setPid(4000 + i).setPpid(1).setProcessName("cp").setExe("/bin/cp").setCmdline("cp x " + path)
                            .setUid(0L).setGid(0L).setSource("test").build();
                    producer.send(new ProducerRecord<>(topic, null, event.getTimestamp(), container, event)).get();
                    produced.incrementAndGet();
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                failure = e;
            }
        }

        boolean isBuiltIn(int i) {
            return i % 2 == 0;
        }

        /** How many events were produced (and acknowledged) so far: ev-0 .. ev-(n-1). */
        int produced() {
            if (failure != null) {
                throw new AssertionError("producing events failed", failure);
            }
            return produced.get();
        }

        int lastAcme() {
            int last = produced.get() - 1;
            return isBuiltIn(last) ? last - 1 : last;
        }

        Set<String> ids() {
            Set<String> ids = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < produced.get(); i++) {
                ids.add("ev-" + i);
            }
            return ids;
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
            assertFalse(thread.isAlive());
            produced();
        }

        @Override
        public void close() throws InterruptedException {
            stop();
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Reads output topics (committed records only) on its own thread, from the beginning. */
    private static final class Outputs implements AutoCloseable {
        private final List<String> enriched = new CopyOnWriteArrayList<>();
        private final Map<String, Alert> alertsByEvent = new ConcurrentHashMap<>();
        private final List<Alert> alerts = new CopyOnWriteArrayList<>();
        private final List<RuleBundle> bundles = new CopyOnWriteArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Outputs(DriftwatchConfig config, String... topics) {
            Map<String, Object> props = new HashMap<>(config.clientProperties());
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "reload-it-" + System.nanoTime());
            props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
            AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
            deserializer.configure(props, false); // instances handed to a consumer are not configured by it
            KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props, new StringDeserializer(), deserializer);
            consumer.subscribe(List.of(topics));
            thread = new Thread(() -> {
                try (consumer) {
                    while (!stop.get()) {
                        for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(100))) {
                            if (record.value() instanceof EnrichedEvent event) {
                                enriched.add(event.getEvent().getEventId());
                            } else if (record.value() instanceof Alert alert) {
                                alerts.add(alert);
                                alert.getEventIds().forEach(id -> alertsByEvent.put(id, alert));
                            } else if (record.value() instanceof RuleBundle bundle) {
                                bundles.add(bundle);
                            }
                        }
                    }
                }
            }, "test-outputs");
            thread.start();
        }

        Alert alertFor(int event) {
            return alertsByEvent.get("ev-" + event);
        }

        Set<String> enrichedIds() {
            return Set.copyOf(enriched);
        }

        List<String> enrichedIdList() {
            return List.copyOf(enriched);
        }

        List<Alert> alerts() {
            return List.copyOf(alerts);
        }

        Optional<RuleBundle> bundle(String version) {
            return bundles.stream().filter(b -> b.getVersion().equals(version)).reduce((a, b) -> b);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }
}
