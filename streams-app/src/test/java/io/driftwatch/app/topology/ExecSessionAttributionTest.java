package io.driftwatch.app.topology;

import static io.driftwatch.app.topology.Fixtures.T0;
import static io.driftwatch.app.topology.Fixtures.container;
import static io.driftwatch.app.topology.Fixtures.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attribution through kubectl exec (DESIGN.md "Attribution"): sessions keyed by pod reach their
 * container's partition through the re-key topic, wait for metadata that has not come, close by
 * their end or the idle bound, and give their users to the session's processes, never to the
 * workload's.
 */
class ExecSessionAttributionTest {
    private static final long IDLE_MS = 600_000;

    @TempDir
    Path stateDir;

    private TestPipeline pipeline() {
        return new TestPipeline(stateDir, Map.of(PipelineSettings.METADATA_GRACE_MS, "5000",
                PipelineSettings.METADATA_WALL_CLOCK_MS, "10000",
                PipelineSettings.SESSION_IDLE_MS, Long.toString(IDLE_MS)), T0);
    }

    /** A session as the Kubernetes audit adapter gives it: pod and container name, no container id. */
    private static ExecSession podSession(String id, String pod, String containerName, String user, long startedAt,
                                          Long endedAt) {
        return ExecSession.newBuilder().setSessionId(id).setUser(user).setGroups(List.of("dev"))
                .setSourceIps(List.of("10.0.0.7")).setNamespace("shop").setPodName(pod).setContainerName(containerName)
                .setContainerId(null).setCommand("sh").setStartedAt(startedAt).setEndedAt(endedAt).build();
    }

    /** Pipes a session under the key the adapters use: {@code namespace/pod}. */
    private static void pipeKeyedByPod(TestPipeline p, ExecSession s) {
        p.sessions.pipeInput(s.getNamespace() + "/" + s.getPodName(), p.topics.execSessionSerde().serializer()
                .serialize(p.topics.execSessions.name(), s), s.getEndedAt() != null ? s.getEndedAt() : s.getStartedAt());
    }

    private static ContainerMetadata named(String id, String pod, String name, long startedAt) {
        return ContainerMetadata.newBuilder(container(id, startedAt)).setPodName(pod).setContainerName(name).build();
    }

    private static Map<String, List<String>> usersByEvent(TestPipeline p) {
        Map<String, List<String>> users = new TreeMap<>();
        p.enriched.readValuesToList().forEach(e -> users.put(e.getEvent().getEventId(), e.getUsers()));
        return users;
    }

    private static List<KeyValue<String, ExecSession>> sessionStore(TestPipeline p) {
        KeyValueStore<String, ExecSession> store = p.driver.getKeyValueStore(StoreNames.EXEC_SESSIONS);
        List<KeyValue<String, ExecSession>> all = new ArrayList<>();
        try (KeyValueIterator<String, ExecSession> it = store.all()) {
            it.forEachRemaining(all::add);
        }
        return all;
    }

    private static List<TestRecord<String, byte[]>> reKeyed(TestPipeline p) {
        return p.driver.createOutputTopic(p.topics.execSessionsByContainer.name(), new StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer()).readRecordsToList();
    }

    private static FileEvent shell(String id, String containerId, long time, int pid) {
        return event(id, containerId, time, EventType.EXEC, "/bin/sh", pid, 0, "sh");
    }

    private static FileEvent write(String id, String containerId, long time, int pid, int ppid, String process) {
        return event(id, containerId, time, EventType.OPEN_WRITE, "/etc/passwd", pid, ppid, process);
    }

    @Test
    void aSessionKeyedByPodIsReKeyedToItsContainerAndAttributes() {
        try (TestPipeline p = pipeline()) {
            p.pipe(named("c1", "web-1", "app", T0), T0);
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "alice", T0 + 1000, null));
            ExecSession withId = ExecSession.newBuilder(podSession("s2", "web-1", "app", "bob", T0 + 1500, null))
                    .setContainerId("c1").build();
            pipeKeyedByPod(p, withId);
            p.pipe(shell("shell", "c1", T0 + 2000, 900));
            p.pipe(write("edit", "c1", T0 + 3000, 901, 900, "vi"));

            List<TestRecord<String, byte[]>> reKeyed = reKeyed(p);
            assertEquals(List.of("shop/web-1", "c1"), reKeyed.stream().map(TestRecord::key).toList(),
                    "without a container id: to every partition under the pod key; with one: keyed by it");
            assertEquals(T0 + 1000, reKeyed.get(0).timestamp(), "the session's time travels with it");
            Map<String, List<String>> users = usersByEvent(p);
            assertEquals(List.of("alice", "bob"), users.get("shell"));
            assertEquals(List.of("alice", "bob"), users.get("edit"));
            assertTrue(sessionStore(p).stream().anyMatch(kv -> kv.key.equals("c1|s1")
                    && "c1".equals(kv.value.getContainerId())), sessionStore(p).toString());
        }
    }

    @Test
    void aSessionKeyedByItsContainerIsNotReKeyed() {
        try (TestPipeline p = pipeline()) {
            p.pipe(named("c1", "web-1", "app", T0), T0);
            p.pipe(Fixtures.session("s1", "c1", "alice", T0 + 1000, null));
            p.pipe(shell("shell", "c1", T0 + 2000, 900));
            assertTrue(reKeyed(p).isEmpty());
            assertEquals(List.of("alice"), usersByEvent(p).get("shell"));
        }
    }

    @Test
    void aSessionBeforeItsContainersMetadataIsHeldThenResolvedAndItsHeldEventsCarryTheUser() {
        try (TestPipeline p = pipeline()) {
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "alice", T0 + 1000, null));
            assertEquals(List.of("pending|shop/web-1/app|s1"), sessionStore(p).stream().map(kv -> kv.key).toList());
            p.pipe(shell("shell", "c1", T0 + 2000, 900)); // held: no metadata yet
            assertTrue(p.enriched.isEmpty());

            p.pipe(named("c1", "web-1", "app", T0), T0 + 2500);
            EnrichedEvent released = p.enriched.readValue();
            assertEquals(Enrichment.METADATA_LATE, released.getEnrichment());
            assertEquals(List.of("alice"), released.getUsers(), "the session is placed before held events go");
            assertEquals(List.of("c1|s1"), sessionStore(p).stream().map(kv -> kv.key).toList(), "no longer pending");

            p.pipe(write("edit", "c1", T0 + 3000, 901, 900, "vi"));
            assertEquals(List.of("alice"), p.enriched.readValue().getUsers());
        }
    }

    @Test
    void aClosingUpdateReplacesAHeldSession() {
        try (TestPipeline p = pipeline()) {
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "alice", T0 + 1000, null));
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "alice", T0 + 1000, T0 + 5000));
            List<KeyValue<String, ExecSession>> held = sessionStore(p);
            assertEquals(1, held.size(), held.toString());
            assertEquals(T0 + 5000, held.get(0).value.getEndedAt());

            p.pipe(named("c1", "web-1", "app", T0), T0 + 6000);
            p.pipe(shell("during", "c1", T0 + 4000, 900));
            p.pipe(write("after", "c1", T0 + 7000, 901, 900, "vi"));
            Map<String, List<String>> users = usersByEvent(p);
            assertEquals(List.of("alice"), users.get("during"));
            assertEquals(List.of(), users.get("after"), "the session ended at T0+5s");
        }
    }

    @Test
    void anOpenRecordArrivingAfterTheCloseDoesNotReopenTheSession() {
        try (TestPipeline p = pipeline()) {
            p.pipe(named("c1", "web-1", "app", T0), T0);
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "alice", T0 + 1000, T0 + 5000));
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "alice", T0 + 1000, null));
            p.pipe(shell("after", "c1", T0 + 7000, 900));
            assertEquals(List.of(), usersByEvent(p).get("after"));
        }
    }

    @Test
    void overlappingSessionsGiveBothUsersWhileBothAreOpenThenOnlyTheOneStillOpen() {
        try (TestPipeline p = pipeline()) {
            p.pipe(named("c1", "web-1", "app", T0), T0);
            pipeKeyedByPod(p, podSession("s-alice", "web-1", "app", "alice", T0 + 1000, null));
            p.pipe(shell("alice-shell", "c1", T0 + 1500, 900));
            pipeKeyedByPod(p, podSession("s-bob", "web-1", "app", "bob", T0 + 2000, null));
            p.pipe(shell("bob-shell", "c1", T0 + 2500, 950));
            p.pipe(write("both", "c1", T0 + 3000, 901, 900, "vi"));
            pipeKeyedByPod(p, podSession("s-alice", "web-1", "app", "alice", T0 + 1000, T0 + 4000));
            p.pipe(write("bob-only", "c1", T0 + 5000, 951, 950, "vi"));
            pipeKeyedByPod(p, podSession("s-bob", "web-1", "app", "bob", T0 + 2000, T0 + 6000));
            p.pipe(write("nobody", "c1", T0 + 7000, 951, 950, "vi"));

            Map<String, List<String>> users = usersByEvent(p);
            assertEquals(List.of("alice"), users.get("alice-shell"));
            assertEquals(List.of("alice", "bob"), users.get("bob-shell"), "every open session's user");
            assertEquals(List.of("alice", "bob"), users.get("both"));
            assertEquals(List.of("bob"), users.get("bob-only"));
            assertEquals(List.of(), users.get("nobody"));
        }
    }

    @Test
    void aSessionWhoseEndNeverComesClosesAfterTheIdleBound() {
        try (TestPipeline p = pipeline()) {
            p.pipe(named("c1", "web-1", "app", T0), T0);
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "alice", T0 + 1000, null));
            p.pipe(shell("shell", "c1", T0 + 2000, 900));
            p.pipe(write("late-but-open", "c1", T0 + 1000 + IDLE_MS, 901, 900, "vi"));
            p.pipe(write("past-idle", "c1", T0 + 1001 + IDLE_MS, 902, 900, "vi"));

            Map<String, List<String>> users = usersByEvent(p);
            assertEquals(List.of("alice"), users.get("shell"));
            assertEquals(List.of("alice"), users.get("late-but-open"));
            assertEquals(List.of(), users.get("past-idle"), "driftwatch.exec.session.idle.ms after its start it is over");
        }
    }

    @Test
    void workloadActivityDuringASessionCarriesNoUsers() {
        try (TestPipeline p = pipeline()) {
            p.pipe(named("c1", "web-1", "app", T0), T0);
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "alice", T0 + 1000, null));
            p.pipe(event("worker", "c1", T0 + 1500, EventType.MODIFY, "/tmp/cache", 40, 1, "java")); // init never seen
            p.pipe(event("init", "c1", T0 + 2000, EventType.MODIFY, "/var/log/app.log", 1, 0, "java"));
            p.pipe(event("grandchild", "c1", T0 + 2100, EventType.CREATE, "/tmp/job", 41, 40, "sh"));
            p.pipe(shell("shell", "c1", T0 + 2500, 900));
            p.pipe(write("child", "c1", T0 + 3000, 901, 900, "vi"));
            // The shell's child detaches (nohup): once its parent exits it is re-parented to the init.
            p.pipe(write("detached", "c1", T0 + 4000, 901, 1, "vi"));
            p.pipe(event("workload-again", "c1", T0 + 4500, EventType.MODIFY, "/var/log/app.log", 1, 0, "java"));

            Map<String, List<String>> users = usersByEvent(p);
            assertEquals(List.of(), users.get("worker"), "a child of the init is the workload's");
            assertEquals(List.of(), users.get("init"));
            assertEquals(List.of(), users.get("grandchild"));
            assertEquals(List.of("alice"), users.get("shell"));
            assertEquals(List.of("alice"), users.get("child"));
            assertEquals(List.of("alice"), users.get("detached"), "a detached session process keeps its users");
            assertEquals(List.of(), users.get("workload-again"));
        }
    }

    @Test
    void withHostPidsTheInitIsTheContainersInitPid() {
        try (TestPipeline p = pipeline()) {
            p.pipe(ContainerMetadata.newBuilder(named("c1", "web-1", "app", T0)).setInitPid(5000).build(), T0);
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "alice", T0 + 1000, null));
            p.pipe(event("init", "c1", T0 + 2000, EventType.MODIFY, "/var/log/app.log", 5000, 4990, "java"));
            p.pipe(event("worker", "c1", T0 + 2100, EventType.MODIFY, "/tmp/cache", 5040, 5000, "java"));
            p.pipe(event("shell", "c1", T0 + 2500, EventType.EXEC, "/bin/sh", 7000, 4990, "sh")); // parent: the shim
            Map<String, List<String>> users = usersByEvent(p);
            assertEquals(List.of(), users.get("init"));
            assertEquals(List.of(), users.get("worker"));
            assertEquals(List.of("alice"), users.get("shell"));
        }
    }

    @Test
    void aSessionNamingNoContainerGoesToEveryContainerOfThePod() {
        try (TestPipeline p = pipeline()) {
            p.pipe(named("c1", "web-1", "app", T0), T0);
            pipeKeyedByPod(p, podSession("s1", "web-1", null, "alice", T0 + 1000, null));
            p.pipe(named("c2", "web-1", "sidecar", T0 + 500), T0 + 1500); // known after the session came
            p.pipe(named("c3", "web-2", "app", T0), T0 + 1600); // another pod
            p.pipe(shell("in-app", "c1", T0 + 2000, 900));
            p.pipe(shell("in-sidecar", "c2", T0 + 2000, 900));
            p.pipe(shell("other-pod", "c3", T0 + 2000, 900));
            Map<String, List<String>> users = usersByEvent(p);
            assertEquals(List.of("alice"), users.get("in-app"), "the pod's only container when the session came");
            assertEquals(List.of("alice"), users.get("in-sidecar"), "a container of the pod that appeared later");
            assertEquals(List.of(), users.get("other-pod"));
        }
    }

    @Test
    void aRestartedContainerDoesNotTakeASessionOfTheOneBefore() {
        try (TestPipeline p = pipeline()) {
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "alice", T0 + 1000, null));
            // The container that ran at the session's start never reported; its successor starts later.
            p.pipe(named("c2", "web-1", "app", T0 + 60_000), T0 + 60_000);
            p.pipe(shell("in-successor", "c2", T0 + 61_000, 900));
            assertEquals(List.of(), usersByEvent(p).get("in-successor"));
            assertNull(p.driver.<String, ExecSession>getKeyValueStore(StoreNames.EXEC_SESSIONS).get("c2|s1"));
        }
    }

    @Test
    void aHeldSessionIsForgottenOnceItsIdleBoundHasPassed() {
        try (TestPipeline p = pipeline()) {
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "alice", T0 + 1000, null));
            p.pipe(named("c9", "other-pod", "app", T0), T0);
            p.pipe(event("quiet", "c9", T0 + IDLE_MS, EventType.MODIFY, "/tmp/x", 1, 0, "java"));
            assertNotNull(p.driver.<String, ExecSession>getKeyValueStore(StoreNames.EXEC_SESSIONS)
                    .get("pending|shop/web-1/app|s1"), "still within its idle bound");
            p.pipe(event("later", "c9", T0 + 1000 + IDLE_MS + 5000 + 120_000, EventType.MODIFY, "/tmp/x", 1, 0, "java"));
            assertTrue(sessionStore(p).isEmpty(), sessionStore(p).toString());
        }
    }

    @Test
    void theEnrichedEventsAndAlertsCarryTheUsersOfASessionKeyedByPod() {
        try (TestPipeline p = pipeline()) {
            p.pipe(named("c1", "web-1", "app", T0), T0);
            pipeKeyedByPod(p, podSession("s1", "web-1", "app", "JohnDoe", T0 + 1000, null));
            p.pipe(event("shell", "c1", T0 + 2000, EventType.EXEC, "/bin/bash", 900, 0, "bash"));
            p.pipe(event("overwrite", "c1", T0 + 3000, EventType.OPEN_WRITE, "/usr/bin/dpkg", 901, 900, "cp"));
            var alert = p.alerts.readValuesToList().stream().filter(a -> a.getEventIds().contains("overwrite"))
                    .findFirst().orElseThrow();
            assertEquals(List.of("JohnDoe"), alert.getUsers());
            Map<String, List<String>> users = new HashMap<>(usersByEvent(p));
            assertEquals(List.of("JohnDoe"), users.get("overwrite"));
        }
    }
}
