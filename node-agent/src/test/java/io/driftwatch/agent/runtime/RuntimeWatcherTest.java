package io.driftwatch.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher over state files written by hand: runc's state.json and containerd's task directory, with this JVM as
 * the "init process" (its pid and start time are real, so liveness checks run against /proc as in production).
 */
class RuntimeWatcherTest {

    private static final long NOW = 1_800_000_000_000L;
    private static final int OWN_PID = (int) ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    private Path runcRoot;
    private Path taskRoot;
    private final Events events = new Events();

    /** Records what the watcher reports. */
    static final class Events implements ContainerListener {
        final List<ContainerInfo> started = new ArrayList<>();
        final List<ContainerInfo> stopped = new ArrayList<>();

        @Override
        public void started(ContainerInfo c) {
            started.add(c);
        }

        @Override
        public void stopped(ContainerInfo c) {
            stopped.add(c);
        }
    }

    @BeforeEach
    void roots() throws IOException {
        runcRoot = Files.createDirectories(tmp.resolve("run-runc"));
        taskRoot = Files.createDirectories(tmp.resolve("tasks"));
    }

    private RuntimeWatcher watcher() {
        return watcher(events);
    }

    private RuntimeWatcher watcher(ContainerListener listener) {
        RuntimeWatcher.Config config = RuntimeWatcher.Config.defaults().withRuncRoots(List.of(runcRoot))
                .withContainerdTaskRoots(List.of(taskRoot)).withClock(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
        return new RuntimeWatcher(config, listener);
    }

    static long ownStart() {
        return RuntimeState.processStart(Path.of("/proc"), OWN_PID);
    }

    /** A state.json shaped like the one runc 1.1 writes (trimmed of mounts, devices, cgroups and namespaces). */
    static String runcState(String id, int pid, long start, String created, String rootfs, List<String> labels,
            List<String> bounding) {
        return """
                {"id":"%s","init_process_pid":%d,"init_process_start":%d,"created":"%s",
                 "config":{"no_pivot_root":false,"rootfs":"%s","readonlyfs":false,"hostname":"runc",
                   "capabilities":{"Bounding":%s,"Effective":%s,"Inheritable":null,"Permitted":%s,"Ambient":%s},
                   "version":"1.0.2-dev","labels":%s,"no_new_keyring":false},
                 "rootless":false,
                 "cgroup_paths":{"freezer":"/sys/fs/cgroup/freezer/driftwatch/%s"},
                 "namespace_paths":{"NEWPID":"/proc/%d/ns/pid"},
                 "external_descriptors":["/dev/null","/dev/null","/dev/null"],"intel_rdt_path":""}
                """.formatted(id, pid, start, created, rootfs, json(bounding), json(bounding), json(bounding),
                json(bounding), json(labels), id, pid);
    }

    private static String json(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(",", "[", "]"));
    }

    private Path writeRunc(Path root, String id, String stateJson) throws IOException {
        Path dir = Files.createDirectories(root.resolve(id));
        Files.writeString(dir.resolve("state.json"), stateJson);
        return dir;
    }

    private static final List<String> DEFAULT_CAPS = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");

    @Test
    void reportsARuncContainerWithCriAnnotations() throws IOException {
        writeRunc(runcRoot, "c1", runcState("c1", OWN_PID, ownStart(), "2026-11-22T07:00:55.838132402Z", "/tmp/probe/rootfs",
                List.of("io.kubernetes.cri.sandbox-name=web-1", "io.kubernetes.cri.sandbox-namespace=shop",
                        "io.kubernetes.cri.container-name=nginx", "io.kubernetes.cri.image-name=nginx:1.27",
                        "io.kubernetes.cri.sandbox-uid=0f9c-11", "io.kubernetes.cri.container-type=container",
                        "bundle=/tmp/probe"),
                DEFAULT_CAPS));
        try (RuntimeWatcher w = watcher()) {
            w.scanOnce();
            assertEquals(1, events.started.size());
            ContainerInfo c = events.started.get(0);
            assertEquals("c1", c.id());
            assertEquals("runc", c.runtime());
            assertEquals(Path.of("/tmp/probe/rootfs"), c.rootfs());
            assertEquals(OWN_PID, c.initPid());
            assertEquals(Instant.parse("2026-11-22T07:00:55.838Z").toEpochMilli(), c.startedAt());
            assertNull(c.stoppedAt());
            assertEquals("nginx", c.containerName());
            assertEquals("web-1", c.podName());
            assertEquals("shop", c.namespace());
            assertEquals("0f9c-11", c.podUid());
            assertEquals("nginx:1.27", c.image());
            assertFalse(c.privileged());
            assertFalse(c.labels().containsKey("bundle"), "runc's own bundle label is not an annotation");
            assertEquals("web-1", c.labels().get("io.kubernetes.cri.sandbox-name"));
            assertEquals(List.of(c), w.running());
            assertEquals(c, w.byId("c1").orElseThrow());
        }
    }

    @Test
    void criOAnnotationsAndPrivilege() throws IOException {
        List<String> all = new ArrayList<>(DEFAULT_CAPS);
        all.add("CAP_SYS_ADMIN");
        writeRunc(runcRoot, "crio1", runcState("crio1", OWN_PID, ownStart(), "2026-01-02T03:04:05.5+01:00", "/r",
                List.of("io.kubernetes.pod.name=api-7", "io.kubernetes.pod.namespace=prod",
                        "io.kubernetes.container.name=api", "io.kubernetes.pod.uid=u-1",
                        "io.kubernetes.cri-o.ImageName=registry.local/api:2", "io.kubernetes.cri-o.ContainerType=container"),
                all));
        try (RuntimeWatcher w = watcher()) {
            w.scanOnce();
            ContainerInfo c = events.started.get(0);
            assertEquals(List.of("api-7", "prod", "api", "u-1", "registry.local/api:2"),
                    List.of(c.podName(), c.namespace(), c.containerName(), c.podUid(), c.image()));
            assertEquals(Instant.parse("2026-01-02T02:04:05.500Z").toEpochMilli(), c.startedAt());
            assertTrue(c.privileged());
        }
    }

    @Test
    void outsideKubernetesNamesStayNullAndUnparseableCreatedFallsBackToDiscovery() throws IOException {
        writeRunc(runcRoot, "plain", runcState("plain", OWN_PID, ownStart(), "yesterday", "/r", List.of("bundle=/b"),
                DEFAULT_CAPS));
        try (RuntimeWatcher w = watcher()) {
            w.scanOnce();
            ContainerInfo c = events.started.get(0);
            assertNull(c.podName());
            assertNull(c.namespace());
            assertNull(c.containerName());
            assertNull(c.image());
            assertEquals(Map.of(), c.labels());
            assertEquals(NOW, c.startedAt());
        }
    }

    @Test
    void podSandboxesAreLeftOut() throws IOException {
        writeRunc(runcRoot, "pause", runcState("pause", OWN_PID, ownStart(), "2026-11-22T07:00:55Z", "/r",
                List.of("io.kubernetes.cri.container-type=sandbox", "io.kubernetes.cri.sandbox-name=web-1"), DEFAULT_CAPS));
        writeRunc(runcRoot, "crio-pause", runcState("crio-pause", OWN_PID, ownStart(), "2026-11-22T07:00:55Z", "/r",
                List.of("io.kubernetes.cri-o.ContainerType=sandbox"), DEFAULT_CAPS));
        try (RuntimeWatcher w = watcher()) {
            w.scanOnce();
            w.scanOnce();
            assertEquals(List.of(), events.started);
            assertEquals(List.of(), w.running());
        }
    }

    @Test
    void deadOrReusedInitPidIsNotReported() throws IOException {
        int pidMax = Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel/pid_max")).trim());
        writeRunc(runcRoot, "gone", runcState("gone", pidMax + 1, 1, "2026-11-22T07:00:55Z", "/r", List.of(), DEFAULT_CAPS));
        writeRunc(runcRoot, "reused", runcState("reused", OWN_PID, ownStart() + 1, "2026-11-22T07:00:55Z", "/r", List.of(),
                DEFAULT_CAPS));
        try (RuntimeWatcher w = watcher()) {
            w.scanOnce();
            assertEquals(List.of(), events.started);
        }
    }

    @Test
    void garbageAndHalfWrittenStateIsSkippedUntilReadable() throws IOException {
        String full = runcState("half", OWN_PID, ownStart(), "2026-11-22T07:00:55Z", "/r", List.of(), DEFAULT_CAPS);
        Path half = writeRunc(runcRoot, "half", full.substring(0, full.length() / 2));
        writeRunc(runcRoot, "garbage", "\u0000\u0001 not json");
        writeRunc(runcRoot, "empty", "");
        writeRunc(runcRoot, "wrong-shape", "{\"id\":\"wrong-shape\",\"init_process_pid\":\"x\"}");
        Files.createDirectories(runcRoot.resolve("creating")); // no state.json yet
        Files.writeString(runcRoot.resolve("stray-file"), "x");
        try (RuntimeWatcher w = watcher()) {
            w.scanOnce();
            assertEquals(List.of(), events.started);
            Files.writeString(half.resolve("state.json"), full);
            w.scanOnce();
            assertEquals(List.of("half"), events.started.stream().map(ContainerInfo::id).toList());
        }
    }

    @Test
    void aHalfWrittenStateDoesNotStopARunningContainer() throws IOException {
        String full = runcState("c", OWN_PID, ownStart(), "2026-11-22T07:00:55Z", "/r", List.of(), DEFAULT_CAPS);
        Path dir = writeRunc(runcRoot, "c", full);
        try (RuntimeWatcher w = watcher()) {
            w.scanOnce();
            Files.writeString(dir.resolve("state.json"), full.substring(0, 40));
            w.scanOnce();
            Files.writeString(dir.resolve("state.json"), full);
            w.scanOnce();
            assertEquals(1, events.started.size());
            assertEquals(List.of(), events.stopped);
        }
    }

    @Test
    void removedStateDirectoryIsReportedStoppedOnceWithTheClocksTime() throws IOException {
        Path dir = writeRunc(runcRoot, "c", runcState("c", OWN_PID, ownStart(), "2026-11-22T07:00:55Z", "/r", List.of(),
                DEFAULT_CAPS));
        try (RuntimeWatcher w = watcher()) {
            w.scanOnce();
            w.scanOnce();
            Files.delete(dir.resolve("state.json"));
            Files.delete(dir);
            w.scanOnce();
            w.scanOnce();
            assertEquals(1, events.started.size());
            assertEquals(1, events.stopped.size());
            ContainerInfo stopped = events.stopped.get(0);
            assertEquals(NOW, stopped.stoppedAt());
            assertEquals(events.started.get(0).startedAt(), stopped.startedAt());
            assertEquals(NOW, stopped.toMetadata("node-1").getStoppedAt());
            assertEquals(List.of(), w.running());
            assertTrue(w.byId("c").isEmpty());
        }
    }

    @Test
    void containerdTaskDirectory() throws IOException {
        Path task = Files.createDirectories(taskRoot.resolve("k8s.io").resolve("abc123"));
        Files.createDirectories(task.resolve("rootfs"));
        Files.writeString(task.resolve("config.json"), """
                {"ociVersion":"1.2.0",
                 "process":{"user":{"uid":0,"gid":0},"args":["/pause"],"cwd":"/",
                   "capabilities":{"bounding":["CAP_CHOWN","CAP_SYS_ADMIN"],"effective":["CAP_CHOWN"],"permitted":["CAP_CHOWN"]}},
                 "root":{"path":"rootfs","readonly":false},
                 "annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.container-name":"redis",
                   "io.kubernetes.cri.image-name":"docker.io/library/redis:7","io.kubernetes.cri.sandbox-id":"s1",
                   "io.kubernetes.cri.sandbox-name":"cache-0","io.kubernetes.cri.sandbox-namespace":"default",
                   "io.kubernetes.cri.sandbox-uid":"9d1e"},
                 "linux":{"cgroupsPath":"kubepods-burstable-pod9d1e.slice:cri-containerd:abc123"}}
                """);
        Files.writeString(task.resolve("init.pid"), Integer.toString(OWN_PID));
        Files.setLastModifiedTime(task.resolve("init.pid"), FileTime.fromMillis(1_700_000_000_123L));
        Path notStarted = Files.createDirectories(taskRoot.resolve("k8s.io").resolve("not-started"));
        Files.writeString(notStarted.resolve("config.json"), "{\"root\":{\"path\":\"rootfs\"}}"); // no init.pid yet
        try (RuntimeWatcher w = watcher()) {
            w.scanOnce();
            assertEquals(1, events.started.size());
            ContainerInfo c = events.started.get(0);
            assertEquals("abc123", c.id());
            assertEquals("containerd", c.runtime());
            assertEquals(task.resolve("rootfs"), c.rootfs());
            assertEquals(1_700_000_000_123L, c.startedAt());
            assertEquals(List.of("cache-0", "default", "redis", "9d1e", "docker.io/library/redis:7"),
                    List.of(c.podName(), c.namespace(), c.containerName(), c.podUid(), c.image()));
            assertTrue(c.privileged());
        }
    }

    @Test
    void containerdsRuncShimStateIsMergedWithItsTask() throws IOException {
        Path task = Files.createDirectories(taskRoot.resolve("k8s.io").resolve("abc123"));
        Files.writeString(task.resolve("config.json"), """
                {"root":{"path":"rootfs"},"annotations":{"io.kubernetes.cri.container-name":"redis"}}""");
        Files.writeString(task.resolve("init.pid"), Integer.toString(OWN_PID));
        // containerd's runc shim keeps runc state under <runc root>/<namespace>/<id>
        writeRunc(runcRoot.resolve("k8s.io"), "abc123", runcState("abc123", OWN_PID, ownStart(), "2026-11-22T07:00:55Z",
                task.resolve("rootfs").toString(), List.of("io.kubernetes.cri.container-name=redis", "bundle=" + task),
                DEFAULT_CAPS));
        try (RuntimeWatcher w = watcher()) {
            w.scanOnce();
            w.scanOnce();
            assertEquals(1, events.started.size());
            ContainerInfo c = events.started.get(0);
            assertEquals("containerd", c.runtime());
            assertEquals(Instant.parse("2026-11-22T07:00:55Z").toEpochMilli(), c.startedAt());
            assertEquals("redis", c.containerName());
        }
    }

    @Test
    void aThrowingListenerDoesNotBreakTheScan() throws IOException {
        writeRunc(runcRoot, "a", runcState("a", OWN_PID, ownStart(), "2026-11-22T07:00:55Z", "/a", List.of(), DEFAULT_CAPS));
        writeRunc(runcRoot, "b", runcState("b", OWN_PID, ownStart(), "2026-11-22T07:00:55Z", "/b", List.of(), DEFAULT_CAPS));
        List<String> seen = new ArrayList<>();
        try (RuntimeWatcher w = watcher(new ContainerListener() {
            @Override
            public void started(ContainerInfo c) {
                seen.add(c.id());
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void stopped(ContainerInfo c) {
            }
        })) {
            w.scanOnce();
            w.scanOnce();
            assertEquals(List.of("a", "b"), seen.stream().sorted().toList());
            assertEquals(2, w.running().size());
        }
    }

    @Test
    void missingRootsAreFine() {
        RuntimeWatcher.Config config = RuntimeWatcher.Config.defaults()
                .withRuncRoots(List.of(tmp.resolve("no-such-root")))
                .withContainerdTaskRoots(List.of(tmp.resolve("no-such-tasks")));
        try (RuntimeWatcher w = new RuntimeWatcher(config, events)) {
            w.scanOnce();
            assertEquals(List.of(), w.running());
        }
    }
}
