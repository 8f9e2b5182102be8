package io.driftwatch.cli.crash;

import static io.driftwatch.cli.crash.CrashKit.await;
import static io.driftwatch.cli.crash.CrashKit.benign;
import static io.driftwatch.cli.crash.CrashKit.event;
import static io.driftwatch.cli.crash.CrashKit.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.cli.crash.CrashKit.TopicReader;
import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * Issue 5, "proof on a real broker": two instances of the app, each its own JVM with its own state
 * directory, share four partitions. In the middle of a mass-deletion burst (15 of 30 deletions done)
 * and between the two halves of a drop-then-execute pair (the CREATE done, the EXEC to come), once the
 * first halves are committed, the instance that owns those containers is killed with SIGKILL while
 * background events keep flowing to every partition. The second halves are sent while it is down; the
 * surviving instance takes its tasks over. Read with {@code isolation.level=read_committed}, afterwards:
 * each of the two stateful alerts exists exactly once (by alert id, and by rule and event ids), no
 * command is duplicated (by id, and per container and action), and every event produced is in the
 * audit trail exactly once. Then the killed instance restarts on its old state directory, rejoins, and
 * events sent after that are processed exactly once too.
 */
@RealKafka
class CrashRecoveryIT {
    private static final int PARTITIONS = 4;
    private static final String NODE = "node-crash";
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int BURST = 30;

    @Test
    void killMinusNineMidBurstAndMidPairLosesAndDoublesNothing(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        long began = System.nanoTime();
        String run = Long.toString(System.currentTimeMillis(), 36);
        String applicationId = "driftwatch-crash-" + run;
        Map<String, String> shared = CrashKit.config(kafka, registry, "crash-" + run + ".", applicationId);
        DriftwatchConfig config = CrashKit.driftwatchConfig(shared);
        CrashKit.createTopics(kafka, config, PARTITIONS);
        String fileEvents = CrashKit.topic(config, "file-events");
        String metadataTopic = CrashKit.topic(config, "container-metadata");
        Path root = TestkitDirectories.root().resolve("crash").resolve(run);

        Map<String, AppProcess> instances = new LinkedHashMap<>();
        try (TopicReader<EnrichedEvent> enriched = new TopicReader<>(config, CrashKit.topic(config, "enriched-events"));
             TopicReader<Alert> alerts = new TopicReader<>(config, CrashKit.topic(config, "alerts"));
             TopicReader<ResponseCommand> commands = new TopicReader<>(config, CrashKit.topic(config, "response-commands"));
             KafkaProducer<String, Object> producer = CrashKit.producer(config);
             Admin admin = kafka.admin()) {
            for (String name : List.of("a", "b")) {
                Map<String, String> own = new TreeMap<>(shared);
                own.put("client.id", name);
                instances.put(name, AppProcess.start(name, root.resolve(name), own));
            }
            for (AppProcess instance : instances.values()) {
                instance.awaitReady(START);
            }
            // Both instances in the group, each owning partitions of the input.
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
            }, START), "both instances own partitions: " + owners);
            Set<String> allTasks = new TreeSet<>();
            assertTrue(await(() -> {
                allTasks.clear();
                instances.values().forEach(i -> allTasks.addAll(i.lastReady().active()));
                return instances.values().stream().allMatch(i -> !i.lastReady().active().isEmpty())
                        && allTasks.size() >= PARTITIONS;
            }, START), "each instance reports its active tasks: " + instances);
            String victimName = "b";
            String survivorName = "a";
            AppProcess victim = instances.get(victimName);
            AppProcess survivor = instances.get(survivorName);
            int victimPartition = owners.get(victimName).iterator().next();
            System.out.printf("assignment %s; killing %s, owner of partition %d%n", owners, victim, victimPartition);

            // The containers: the burst's and the pair's on a partition of the instance to be killed,
            // background ones on every partition.
            List<String> onVictim = CrashKit.keysOn("crash-" + run + "-v", victimPartition, PARTITIONS, 2);
            String burstContainer = onVictim.get(0);
            String dropContainer = onVictim.get(1);
            List<String> background = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                background.addAll(CrashKit.keysOn("crash-" + run + "-bg", p, PARTITIONS, 2));
            }
            long t0 = System.currentTimeMillis();
            for (String container : concat(List.of(burstContainer, dropContainer), background)) {
                send(producer, metadataTopic, container, t0 - 60_000, CrashKit.container(container, NODE, t0 - 60_000));
            }

            ConcurrentLinkedQueue<String> produced = new ConcurrentLinkedQueue<>();
            AtomicBoolean stopBackground = new AtomicBoolean();
            Thread backgroundTraffic = backgroundTraffic(producer, fileEvents, background, produced, stopBackground);
            backgroundTraffic.start();

            // First halves, in real time: 15 deletions by one process 50 ms apart, and the dropped file.
            List<String> burstIds = new ArrayList<>();
            String createId = "crash-create-" + run;
            FileEvent create = event(createId, dropContainer, NODE, System.currentTimeMillis(), EventType.CREATE,
                    "/tmp/payload", 5000, 4999, "curl", "/usr/bin/curl");
            create.setMode(0755);
            send(producer, fileEvents, dropContainer, create.getTimestamp(), create);
            produced.add(createId);
            long burstStart = System.currentTimeMillis();
            for (int i = 0; i < BURST / 2; i++) {
                burstIds.add(delete(producer, fileEvents, burstContainer, run, i, produced));
                Thread.sleep(50);
            }
            List<String> firstHalf = concat(List.of(createId), burstIds);
            assertTrue(await(() -> eventIds(enriched).containsAll(firstHalf), WAIT),
                    "the first halves committed by " + victim + " before the crash");
            long committedAfter = System.currentTimeMillis() - burstStart;

            victim.kill();
            long killedAt = System.nanoTime();
            System.out.printf("killed %s (SIGKILL) %d ms after the burst began, its first half committed%n", victim,
                    committedAfter);

            // Second halves while the instance is down: the burst goes on, the dropped file is run.
            for (int i = BURST / 2; i < BURST; i++) {
                burstIds.add(delete(producer, fileEvents, burstContainer, run, i, produced));
                Thread.sleep(50);
            }
            long burstSpan = System.currentTimeMillis() - burstStart;
            String execId = "crash-exec-" + run;
            send(producer, fileEvents, dropContainer, System.currentTimeMillis(), event(execId, dropContainer, NODE,
                    System.currentTimeMillis(), EventType.EXEC, "/tmp/payload", 5001, 4999, "payload", "/tmp/payload"));
            produced.add(execId);
            assertTrue(burstSpan < 10_000, "the 30 deletions span " + burstSpan + " ms, within the rule's 10 s window");

            AppProcess.Ready takenOver = survivor.awaitReady(r -> r.active().containsAll(allTasks), WAIT);
            long takeover = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.printf("%s took over every task %d ms after the kill: %s%n", survivor, takeover, takenOver);

            stopBackground.set(true);
            backgroundTraffic.join();
            Set<String> expected = new TreeSet<>(produced);
            assertTrue(await(() -> eventIds(enriched).containsAll(expected), WAIT),
                    "every event in the audit trail after the takeover; missing: " + missing(expected, enriched));
            // The alerts of the straddling pair and burst (the reorder buffer holds events for 1 s of event time).
            await(() -> count(alerts, "DW-FIM-090", burstContainer) > 0 && count(alerts, "DW-EXE-001", dropContainer) > 0,
                    Duration.ofSeconds(30));
            Thread.sleep(5_000); // time for a duplicate to show up, if there were one

            assertAuditTrailExactlyOnce(enriched, expected, run);
            assertStatefulAlertsExactlyOnce(alerts, burstContainer, burstIds, dropContainer, createId, execId);
            assertNoDuplicates(alerts.values(), commands.values());
            assertEquals(1, commands.values().stream().filter(c -> c.getContainerId().equals(burstContainer)
                    && c.getAction() == ResponseAction.PAUSE_CONTAINER).count(),
                    "one PAUSE_CONTAINER for the burst: " + commands.values());

            // The killed instance restarts on its old state directory and rejoins; events after that: once each.
            Map<String, String> own = new TreeMap<>(shared);
            own.put("client.id", victimName);
            AppProcess restarted = AppProcess.start(victimName, root.resolve(victimName), own);
            instances.put(victimName, restarted);
            restarted.awaitReady(WAIT);
            assertTrue(await(() -> {
                try {
                    return CrashKit.assignment(admin, applicationId, fileEvents).size() == 2;
                } catch (Exception e) {
                    return false;
                }
            }, WAIT), "the restarted instance rejoined the group");
            List<String> after = new ArrayList<>();
            long t1 = System.currentTimeMillis();
            for (String container : concat(List.of(burstContainer, dropContainer), background)) {
                String id = "crash-after-" + container;
                send(producer, fileEvents, container, t1, benign(id, container, NODE, t1));
                after.add(id);
            }
            assertTrue(await(() -> eventIds(enriched).containsAll(after), WAIT),
                    "events after the restart processed; missing: " + missing(new TreeSet<>(after), enriched));
            Thread.sleep(3_000);
            Set<String> all = new TreeSet<>(expected);
            all.addAll(after);
            assertAuditTrailExactlyOnce(enriched, all, run);
            assertNoDuplicates(alerts.values(), commands.values());
            System.out.printf("crash test: %d events, %d alerts, %d commands, takeover %d ms, %.1f s in all%n", all.size(),
                    alerts.values().size(), commands.values().size(), takeover, (System.nanoTime() - began) / 1e9);
        } finally {
            for (AppProcess instance : instances.values()) {
                instance.close();
            }
        }
    }

    private static String delete(KafkaProducer<String, Object> producer, String topic, String container, String run, int i,
                                 ConcurrentLinkedQueue<String> produced) throws Exception {
        String id = "crash-delete-" + run + "-" + i;
        long now = System.currentTimeMillis();
        send(producer, topic, container, now, event(id, container, NODE, now, EventType.DELETE, "/srv/data/records-" + i
                + ".db", 4242, 4000, "shred", "/usr/bin/shred"));
        produced.add(id);
        return id;
    }

    /** About 40 benign events a second, round robin over containers on every partition. */
    private static Thread backgroundTraffic(KafkaProducer<String, Object> producer, String topic, List<String> containers,
                                            ConcurrentLinkedQueue<String> produced, AtomicBoolean stop) {
        Thread thread = new Thread(() -> {
            int i = 0;
            while (!stop.get()) {
                String container = containers.get(i % containers.size());
                String id = "crash-bg-" + container + "-" + i;
                long now = System.currentTimeMillis();
                try {
                    send(producer, topic, container, now, benign(id, container, NODE, now));
                    produced.add(id);
                    Thread.sleep(25);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                i++;
            }
        }, "background-traffic");
        thread.setDaemon(true);
        return thread;
    }

    private static void assertAuditTrailExactlyOnce(TopicReader<EnrichedEvent> enriched, Set<String> expected, String run) {
        Map<String, Long> counts = enriched.values().stream()
                .collect(Collectors.groupingBy(e -> e.getEvent().getEventId(), TreeMap::new, Collectors.counting()));
        Map<String, Long> doubled = counts.entrySet().stream().filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertTrue(doubled.isEmpty(), doubled.size() + " events twice or more in the audit trail: " + doubled);
        Set<String> lost = new TreeSet<>(expected);
        lost.removeAll(counts.keySet());
        assertTrue(lost.isEmpty(), lost.size() + " events lost: " + lost);
        Set<String> unexpected = new TreeSet<>(counts.keySet());
        unexpected.removeAll(expected);
        assertTrue(unexpected.isEmpty(), "events in the audit trail that were never produced: " + unexpected);
    }

    private static void assertStatefulAlertsExactlyOnce(TopicReader<Alert> alerts, String burstContainer, List<String> burstIds,
                                                        String dropContainer, String createId, String execId) {
        List<Alert> massDeletion = alerts.values().stream().filter(a -> a.getRuleId().equals("DW-FIM-090")).toList();
        assertEquals(1, massDeletion.size(), "exactly one DW-FIM-090 alert (the burst crossing 30 deletions across the "
                + "crash); got " + describe(massDeletion));
        Alert burst = massDeletion.get(0);
        assertEquals(burstContainer, burst.getContainerId());
        assertTrue(burst.getEventIds().contains(burstIds.get(0)), "names the first deletion (before the crash): " + burst);
        assertTrue(burst.getEventIds().contains(burstIds.get(BURST - 1)),
                "completed by the 30th deletion (after the crash): " + burst);
        assertEquals(1, burst.getCount());

        List<Alert> dropExecute = alerts.values().stream().filter(a -> a.getRuleId().equals("DW-EXE-001")).toList();
        assertEquals(1, dropExecute.size(), "exactly one DW-EXE-001 alert (CREATE before the crash, EXEC after); got "
                + describe(dropExecute));
        assertEquals(dropContainer, dropExecute.get(0).getContainerId());
        assertEquals(List.of(createId, execId), dropExecute.get(0).getEventIds());
    }

    private static void assertNoDuplicates(List<Alert> alerts, List<ResponseCommand> commands) {
        assertEquals(alerts.size(), alerts.stream().map(Alert::getAlertId).distinct().count(),
                "alert ids are unique: " + describe(alerts));
        Map<String, Long> byRuleAndEvents = alerts.stream().collect(Collectors.groupingBy(
                a -> a.getRuleId() + " " + new TreeSet<>(a.getEventIds()), Collectors.counting()));
        assertTrue(byRuleAndEvents.values().stream().allMatch(n -> n == 1),
                "no rule fired twice on the same events: " + byRuleAndEvents);
        assertEquals(commands.size(), commands.stream().map(ResponseCommand::getCommandId).distinct().count(),
                "command ids are unique: " + commands);
        // The whole test spans far less than the policy's 10 minutes: at most one per container and action.
        Map<String, Long> perContainerAndAction = commands.stream().collect(Collectors.groupingBy(
                c -> c.getContainerId() + " " + c.getAction(), Collectors.counting()));
        assertTrue(perContainerAndAction.values().stream().allMatch(n -> n == 1),
                "at most one command per container and action within 10 minutes: " + perContainerAndAction);
    }

    private static long count(TopicReader<Alert> alerts, String rule, String container) {
        return alerts.values().stream().filter(a -> a.getRuleId().equals(rule) && a.getContainerId().equals(container))
                .count();
    }

    private static Set<String> eventIds(TopicReader<EnrichedEvent> enriched) {
        return enriched.values().stream().map(e -> e.getEvent().getEventId()).collect(Collectors.toSet());
    }

    private static Set<String> missing(Set<String> expected, TopicReader<EnrichedEvent> enriched) {
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(eventIds(enriched));
        return missing;
    }

    private static String describe(List<Alert> alerts) {
        Function<Alert, String> line = a -> a.getRuleId() + " " + a.getAlertId() + " " + a.getContainerId() + " count "
                + a.getCount() + " events " + a.getEventIds();
        return alerts.stream().map(line).collect(Collectors.joining("\n  ", "[\n  ", "]"));
    }

    @SafeVarargs
    private static <T> List<T> concat(List<T>... lists) {
        List<T> all = new ArrayList<>();
        for (List<T> list : lists) {
            all.addAll(list);
        }
        return all;
    }
}
