package io.driftwatch.cli.crash;

import static io.driftwatch.cli.crash.CrashKit.await;
import static io.driftwatch.cli.crash.CrashKit.benign;
import static io.driftwatch.cli.crash.CrashKit.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.cli.crash.CrashKit.TopicReader;
import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.testkit.TestkitDirectories;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Scale-out (issue 5): two instances of the app, each its own JVM, with one application id and
 * {@code num.standby.replicas=1} from their configuration file. Both are given input partitions by the
 * consumer group, each also keeps standby replicas (the setting reached Kafka Streams), and the events
 * of containers on every partition are processed exactly once: each in the audit trail once, each
 * suspicious one alerted once. Both stop cleanly on SIGTERM.
 */
@RealKafka
class ScaleOutIT {
    private static final int PARTITIONS = 4;
    private static final int CONTAINERS_PER_PARTITION = 5;
    private static final String NODE = "node-scale";
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void twoInstancesSharePartitionsKeepStandbysAndProcessEveryEventOnce(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        long began = System.nanoTime();
        String run = Long.toString(System.currentTimeMillis(), 36);
        String applicationId = "driftwatch-scale-" + run;
        Map<String, String> shared = CrashKit.config(kafka, registry, "scale-" + run + ".", applicationId);
        shared.put("num.standby.replicas", "1");
        DriftwatchConfig config = CrashKit.driftwatchConfig(shared);
        CrashKit.createTopics(kafka, config, PARTITIONS);
        String fileEvents = CrashKit.topic(config, "file-events");
        Path root = TestkitDirectories.root().resolve("scale").resolve(run);

        Map<String, AppProcess> instances = new LinkedHashMap<>();
        try (TopicReader<EnrichedEvent> enriched = new TopicReader<>(config, CrashKit.topic(config, "enriched-events"));
             TopicReader<Alert> alerts = new TopicReader<>(config, CrashKit.topic(config, "alerts"));
             KafkaProducer<String, Object> producer = CrashKit.producer(config);
             Admin admin = kafka.admin()) {
            for (String name : List.of("a", "b")) {
                Map<String, String> own = new TreeMap<>(shared);
                own.put("client.id", name);
                instances.put(name, AppProcess.start(name, root.resolve(name), own));
            }
            for (AppProcess instance : instances.values()) {
                instance.awaitReady(WAIT);
            }
            long ready = System.nanoTime();

            Map<String, Set<Integer>> owners = new TreeMap<>();
            assertTrue(await(() -> {
                try {
                    owners.clear();
                    owners.putAll(CrashKit.assignment(admin, applicationId, fileEvents));
                } catch (Exception e) {
                    return false;
                }
                return owners.size() == 2 && owners.values().stream().noneMatch(Set::isEmpty)
                        && owners.values().stream().mapToInt(Set::size).sum() == PARTITIONS;
            }, WAIT), "both instances are given input partitions: " + owners);
            for (AppProcess instance : instances.values()) {
                AppProcess.Ready tasks = instance.awaitReady(r -> !r.active().isEmpty() && !r.standby().isEmpty(), WAIT);
                Set<String> overlap = new TreeSet<>(tasks.active());
                overlap.retainAll(tasks.standby());
                assertTrue(overlap.isEmpty(), "a task is never active and standby on one instance: " + tasks);
                System.out.printf("%s: %s%n", instance, tasks);
            }

            long t0 = System.currentTimeMillis();
            List<String> containers = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                containers.addAll(CrashKit.keysOn("scale-" + run, p, PARTITIONS, CONTAINERS_PER_PARTITION));
            }
            for (String container : containers) {
                producer.send(new ProducerRecord<>(CrashKit.topic(config, "container-metadata"), null, t0 - 60_000,
                        container, CrashKit.container(container, NODE, t0 - 60_000)));
            }
            producer.flush();
            Set<String> produced = new TreeSet<>();
            Map<String, String> suspicious = new TreeMap<>();
            for (int i = 0; i < 10; i++) {
                for (String container : containers) {
                    long time = t0 + i * 100L;
                    String id = "scale-" + container + "-" + i;
                    Object value = i == 5
                            ? event(id, container, NODE, time, EventType.OPEN_WRITE, "/usr/bin/dpkg", 901, 900, "cp", "/bin/cp")
                            : benign(id, container, NODE, time);
                    if (i == 5) {
                        suspicious.put(container, id);
                    }
                    producer.send(new ProducerRecord<>(fileEvents, null, time, container, value));
                    produced.add(id);
                }
            }
            producer.flush();

            assertTrue(await(() -> eventIds(enriched).containsAll(produced), WAIT), "every event processed");
            assertTrue(await(() -> suspicious.values().stream().allMatch(id -> alerts.values().stream()
                    .anyMatch(a -> a.getEventIds().contains(id))), WAIT), "every suspicious event alerted");
            Thread.sleep(3_000); // time for a duplicate to show up, if there were one

            Map<String, Long> counts = enriched.values().stream()
                    .collect(Collectors.groupingBy(e -> e.getEvent().getEventId(), Collectors.counting()));
            assertEquals(produced, counts.keySet(), "the audit trail holds exactly the events produced");
            assertTrue(counts.values().stream().allMatch(n -> n == 1), "each event once: " + counts);
            assertTrue(enriched.values().stream().allMatch(e -> e.getEnrichment() == Enrichment.COMPLETE),
                    "every event enriched with its container's metadata");
            List<Alert> all = alerts.values();
            assertEquals(all.size(), all.stream().map(Alert::getAlertId).distinct().count(), "alert ids unique: " + all);
            for (Map.Entry<String, String> entry : suspicious.entrySet()) {
                Map<String, Long> perRule = all.stream().filter(a -> a.getEventIds().contains(entry.getValue()))
                        .collect(Collectors.groupingBy(Alert::getRuleId, Collectors.counting()));
                assertTrue(perRule.values().stream().allMatch(n -> n == 1), "each rule alerted once on " + entry + ": " + perRule);
            }
            // Every input partition's progress committed by the group: both instances did their share.
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            for (int p = 0; p < PARTITIONS; p++) {
                OffsetAndMetadata offset = committed.get(new TopicPartition(fileEvents, p));
                assertTrue(offset != null && offset.offset() >= 10L * CONTAINERS_PER_PARTITION,
                        "partition " + p + " committed: " + committed);
            }

            for (AppProcess instance : instances.values()) {
                int exit = instance.stop();
                // A JVM ended by SIGTERM exits with 128 + 15 once its shutdown hook (closing the app) has run.
                assertTrue(exit == 0 || exit == 143, instance + " exit code " + exit);
                assertFalse(instance.isAlive());
                assertTrue(instance.output().contains("PENDING_SHUTDOWN -> NOT_RUNNING"),
                        instance + " closed cleanly on SIGTERM:\n" + instance.tail());
            }
            System.out.printf("scale-out test: %d events, %d alerts; instances ready in %.1f s, %.1f s in all%n",
                    produced.size(), all.size(), (ready - began) / 1e9, (System.nanoTime() - began) / 1e9);
        } finally {
            for (AppProcess instance : instances.values()) {
                instance.close();
            }
        }
    }

    private static Set<String> eventIds(TopicReader<EnrichedEvent> enriched) {
        return enriched.values().stream().map(e -> e.getEvent().getEventId()).collect(Collectors.toSet());
    }
}
