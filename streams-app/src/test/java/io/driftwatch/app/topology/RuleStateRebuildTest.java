package io.driftwatch.app.topology;

import static io.driftwatch.app.topology.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The rule session of a task is rebuilt from its stores when the task starts elsewhere: a mass
 * deletion and a drop-then-execute whose halves straddle the move still alert, exactly once, with
 * the ids an uninterrupted task gives; events are evaluated in event-time order within the bound.
 */
class RuleStateRebuildTest {
    private static final String CONTAINER = "c1";

    /** One task's stores, kept across processor instances as the changelog keeps them across instances. */
    private final class TaskStores {
        final KeyValueStore<String, EnrichedEvent> stateEvents;
        final KeyValueStore<String, EnrichedEvent> reorder;
        final KeyValueStore<String, Long> clock;
        /** The trail's events, as TrailProcessor keeps them (the test writes them there as it would). */
        final org.apache.kafka.streams.state.WindowStore<String, EnrichedEvent> trail;

        TaskStores() {
            trail = Stores.windowStoreBuilder(Stores.inMemoryWindowStore(QueryableStores.TRAIL_EVENTS,
                            java.time.Duration.ofDays(1), java.time.Duration.ofMillis(1), true), Serdes.String(),
                    topics.enrichedEvents.valueSerde()).withLoggingDisabled().build();
            stateEvents = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.RULE_STATE_EVENTS),
                    Serdes.String(), topics.enrichedEvents.valueSerde()).withLoggingDisabled().build();
            reorder = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.RULE_REORDER_BUFFER),
                    Serdes.String(), topics.enrichedEvents.valueSerde()).withLoggingDisabled().build();
            clock = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.RULE_CLOCK),
                    Serdes.String(), Serdes.Long()).withLoggingDisabled().build();
        }
    }

    private final Topics topics;

    RuleStateRebuildTest() {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(DriftwatchConfig.SCHEMA_REGISTRY_URL,
                "mock://rebuild-" + UUID.randomUUID()));
        topics = new Topics(config, SchemaRegistryClient.fromConfigs(config.clientProperties()));
    }

    private static PipelineSettings settings(long reorderMillis) {
        Map<String, String> values = new HashMap<>();
        values.put(PipelineSettings.RULE_REORDER_MS, String.valueOf(reorderMillis));
        return PipelineSettings.from(DriftwatchConfig.of(values));
    }

    private static final class Task {
        final EvaluateProcessor processor;
        final MockProcessorContext<String, Object> context = new MockProcessorContext<>();
        final TaskStores stores;
        final boolean withTrail;

        Task(PipelineSettings settings, TaskStores stores) {
            this(settings, stores, false);
        }

        /** With {@code withTrail}, the trail is kept and the reorder buffer is rebuilt from it. */
        Task(PipelineSettings settings, TaskStores stores, boolean withTrail) {
            this.stores = stores;
            this.withTrail = withTrail;
            for (var store : List.of(stores.stateEvents, stores.reorder, stores.clock, stores.trail)) {
                if (!store.isOpen()) {
                    throw new IllegalStateException("closed");
                }
                context.addStateStore(store);
            }
            context.setCurrentSystemTimeMs(T0);
            processor = new EvaluateProcessor(RuleSet::builtIn, settings, "enriched", "alerts", "commands",
                    withTrail ? "trail" : null);
            processor.init(context);
        }

        void process(FileEvent event) {
            EnrichedEvent enriched = EnrichedEvent.newBuilder().setEvent(event).setContainer(Fixtures.container(CONTAINER, T0 - 60_000))
                    .setUsers(List.of()).setEnrichment(Enrichment.COMPLETE).build();
            processor.process(new Record<>(event.getContainerId(), enriched, event.getTimestamp()));
            if (withTrail) {
                // What the trail's recorder does with the event forwarded to it, in the same task.
                stores.trail.put(event.getContainerId(), enriched, event.getTimestamp());
            }
        }

        List<Alert> alerts() {
            List<Alert> alerts = new ArrayList<>();
            context.forwarded().forEach(f -> {
                // Alerts go to the alerts topic and, with the trail kept, to the trail's recorder too: count them once.
                if (f.record().value() instanceof Alert alert && f.childName().map("alerts"::equals).orElse(true)) {
                    alerts.add(alert);
                }
            });
            return alerts;
        }

        List<ResponseCommand> commands() {
            List<ResponseCommand> commands = new ArrayList<>();
            context.forwarded().forEach(f -> {
                if (f.record().value() instanceof ResponseCommand command) {
                    commands.add(command);
                }
            });
            return commands;
        }
    }

    private TaskStores open() {
        TaskStores stores = new TaskStores();
        MockProcessorContext<String, Object> init = new MockProcessorContext<>();
        for (var store : List.of(stores.stateEvents, stores.reorder, stores.clock, stores.trail)) {
            store.init(init.getStateStoreContext(), store);
        }
        return stores;
    }

    private static List<FileEvent> firstHalf() {
        List<FileEvent> events = new ArrayList<>();
        events.add(Fixtures.event("drop", CONTAINER, T0, EventType.CREATE, "/tmp/x", 300, 0, "curl"));
        for (int i = 0; i < 15; i++) {
            events.add(Fixtures.event("rm" + i, CONTAINER, T0 + 100 + i * 10L, EventType.DELETE, "/srv/data/f" + i, 77, 1,
                    "python3"));
        }
        return events;
    }

    private static List<FileEvent> secondHalf() {
        List<FileEvent> events = new ArrayList<>();
        for (int i = 15; i < 30; i++) {
            events.add(Fixtures.event("rm" + i, CONTAINER, T0 + 100 + i * 10L, EventType.DELETE, "/srv/data/f" + i, 77, 1,
                    "python3"));
        }
        events.add(Fixtures.event("run", CONTAINER, T0 + 2_000, EventType.EXEC, "/tmp/x", 301, 0, "x"));
        return events;
    }

    @Test
    void aTaskStartedElsewhereContinuesTheStatefulRulesExactlyOnce() {
        Task uninterrupted = new Task(settings(0), open());
        firstHalf().forEach(uninterrupted::process);
        secondHalf().forEach(uninterrupted::process);
        List<String> expected = uninterrupted.alerts().stream().map(Alert::getAlertId).sorted().toList();
        assertTrue(uninterrupted.alerts().stream().anyMatch(a -> a.getRuleId().equals("DW-FIM-090")));
        assertTrue(uninterrupted.alerts().stream().anyMatch(a -> a.getRuleId().equals("DW-EXE-001")));

        TaskStores stores = open();
        Task before = new Task(settings(0), stores);
        firstHalf().forEach(before::process);
        assertEquals(List.of(), before.alerts(), "nothing is due before the crash");
        // The instance dies; another opens the task on the same (restored) stores.
        Task after = new Task(settings(0), stores);
        assertEquals(List.of(), after.alerts(), "the rebuild emits nothing");
        secondHalf().forEach(after::process);
        assertEquals(expected, after.alerts().stream().map(Alert::getAlertId).sorted().toList());
        assertEquals(after.commands().size(), after.commands().stream().map(ResponseCommand::getCommandId).distinct().count());
    }

    @Test
    void withoutTheStoresTheStraddlingHalvesAreMissed() {
        Task before = new Task(settings(0), open());
        firstHalf().forEach(before::process);
        Task fresh = new Task(settings(0), open());
        secondHalf().forEach(fresh::process);
        assertEquals(List.of(), fresh.alerts(), "the check above is not vacuous: a fresh session has nothing to go on");
    }

    @Test
    void eventsAreEvaluatedInEventTimeOrderWithinTheBound() {
        Task task = new Task(settings(1_000), open());
        // The EXEC overtakes the CREATE of its file by 200 ms.
        task.process(Fixtures.event("run", CONTAINER, T0 + 200, EventType.EXEC, "/tmp/y", 301, 0, "y"));
        task.process(Fixtures.event("drop", CONTAINER, T0, EventType.CREATE, "/tmp/y", 300, 0, "curl"));
        assertEquals(List.of(), task.alerts(), "both wait for the bound");
        task.process(Fixtures.read("later", CONTAINER, T0 + 1_500));
        List<Alert> alerts = task.alerts();
        assertEquals(1, alerts.size(), alerts.toString());
        assertEquals(List.of("drop", "run"), alerts.get(0).getEventIds());

        Task unordered = new Task(settings(0), open());
        unordered.process(Fixtures.event("run", CONTAINER, T0 + 200, EventType.EXEC, "/tmp/y", 301, 0, "y"));
        unordered.process(Fixtures.event("drop", CONTAINER, T0, EventType.CREATE, "/tmp/y", 300, 0, "curl"));
        assertEquals(List.of(), unordered.alerts(), "without the bound the overtaken CREATE comes too late");
    }

    @Test
    void theBufferSurvivesTheMoveToo() {
        TaskStores stores = open();
        Task before = new Task(settings(1_000), stores);
        before.process(Fixtures.event("run", CONTAINER, T0 + 200, EventType.EXEC, "/tmp/z", 301, 0, "z"));
        before.process(Fixtures.event("drop", CONTAINER, T0, EventType.CREATE, "/tmp/z", 300, 0, "curl"));
        Task after = new Task(settings(1_000), stores);
        after.process(Fixtures.read("later", CONTAINER, T0 + 1_500));
        assertEquals(List.of("drop", "run"), after.alerts().get(0).getEventIds());
    }

    @Test
    void withTheTrailTheBufferIsTakenBackFromItAndNeverWritten() {
        TaskStores stores = open();
        Task before = new Task(settings(1_000), stores, true);
        before.process(Fixtures.event("run", CONTAINER, T0 + 200, EventType.EXEC, "/tmp/t", 301, 0, "t"));
        before.process(Fixtures.event("drop", CONTAINER, T0, EventType.CREATE, "/tmp/t", 300, 0, "curl"));
        assertEquals(0, stores.reorder.approximateNumEntries(), "the trail is the buffer's log: nothing written twice");
        // The instance dies with both events still waiting; the next takes them back from the trail.
        Task after = new Task(settings(1_000), stores, true);
        after.process(Fixtures.read("later", CONTAINER, T0 + 1_500));
        assertEquals(List.of("drop", "run"), after.alerts().get(0).getEventIds());

        // Released events are not taken back a second time.
        Task again = new Task(settings(1_000), stores, true);
        again.process(Fixtures.read("later-still", CONTAINER, T0 + 3_000));
        assertEquals(List.of(), again.alerts(), "what was evaluated before the restart is not evaluated again");
    }

    @Test
    void withTheTrailAnEventOlderThanWhatWasReleasedIsEvaluatedAtOnce() {
        TaskStores stores = open();
        Task task = new Task(settings(1_000), stores, true);
        task.process(Fixtures.event("drop", CONTAINER, T0, EventType.CREATE, "/tmp/u", 300, 0, "curl"));
        task.process(Fixtures.read("later", CONTAINER, T0 + 5_000));
        // The EXEC comes late, behind everything released: it meets the CREATE at once.
        task.process(Fixtures.event("run", CONTAINER, T0 + 500, EventType.EXEC, "/tmp/u", 301, 0, "u"));
        assertEquals(List.of("drop", "run"), task.alerts().get(0).getEventIds());
    }

    @Test
    void withTheTrailAndNoBoundWhatWasEvaluatedIsNotTakenBack() {
        TaskStores stores = open();
        Task before = new Task(settings(0), stores, true);
        before.process(Fixtures.read("first", CONTAINER, T0 - 10));
        before.process(Fixtures.event("drop", CONTAINER, T0, EventType.CREATE, "/tmp/v", 300, 0, "curl"));
        before.process(Fixtures.event("run", CONTAINER, T0 + 200, EventType.EXEC, "/tmp/v", 301, 0, "v"));
        assertEquals(1, before.alerts().size(), before.alerts().toString());
        long kept = stores.stateEvents.approximateNumEntries();
        Task after = new Task(settings(0), stores, true);
        after.process(Fixtures.read("later", CONTAINER, T0 + 1_500));
        assertEquals(List.of(), after.alerts(), "evaluated at once before the restart, so not again after it");
        // Evaluated again, the CREATE would refresh the file's memory and the EXEC's repeat be counted: more state.
        assertEquals(kept, stores.stateEvents.approximateNumEntries(), "nothing was evaluated a second time");
    }

    @Test
    void aContainerGetsOneCommandPerActionWhicheverLaneAlerts() {
        for (boolean restartBetween : new boolean[] {false, true}) {
            TaskStores stores = open();
            Task task = new Task(settings(1_000), stores, true);
            task.process(Fixtures.event("drop", CONTAINER, T0, EventType.CREATE, "/tmp/w", 300, 0, "curl"));
            // A single-event tampering alert (immediate lane): notify, snapshot, pause.
            task.process(Fixtures.event("overwrite", CONTAINER, T0 + 100, EventType.OPEN_WRITE, "/usr/bin/curl", 302, 0, "cp"));
            task.process(Fixtures.event("run", CONTAINER, T0 + 200, EventType.EXEC, "/tmp/w", 301, 0, "w"));
            List<ResponseCommand> commands = new ArrayList<>(task.commands());
            if (restartBetween) {
                task = new Task(settings(1_000), stores, true);
            }
            // The drop-then-execute alert (ordered lane) comes a second later: its notify is the same container's.
            task.process(Fixtures.read("later", CONTAINER, T0 + 1_500));
            if (restartBetween) {
                commands.addAll(task.commands());
            } else {
                commands = task.commands();
            }
            assertTrue(task.alerts().stream().anyMatch(a -> a.getRuleId().equals("DW-EXE-001")), task.alerts().toString());
            var perAction = commands.stream().collect(java.util.stream.Collectors.groupingBy(
                    c -> c.getContainerId() + " " + c.getAction(), java.util.stream.Collectors.counting()));
            assertTrue(perAction.values().stream().allMatch(n -> n == 1), (restartBetween ? "after a restart: " : "") + perAction);
            assertTrue(perAction.containsKey(CONTAINER + " NOTIFY") && perAction.containsKey(CONTAINER + " PAUSE_CONTAINER"),
                    perAction.toString());
        }
    }
}
