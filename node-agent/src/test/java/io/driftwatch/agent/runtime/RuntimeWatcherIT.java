package io.driftwatch.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.agent.runc.RuncSandbox.Options;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher over real runc containers. Needs root, runc and busybox-static (CI installs them): without them every
 * test fails with the message of {@link RuncSandbox#requirePrerequisites}, never skips.
 */
class RuntimeWatcherIT {

    private static final long STOP_CLOCK = 1_900_000_000_000L;
    private static final Map<String, String> CRI = Map.of(
            "io.kubernetes.cri.sandbox-name", "web-1",
            "io.kubernetes.cri.sandbox-namespace", "shop",
            "io.kubernetes.cri.sandbox-uid", "5f0c2d1e",
            "io.kubernetes.cri.container-name", "nginx",
            "io.kubernetes.cri.container-type", "container",
            "io.kubernetes.cri.image-name", "nginx:1.27");

    @TempDir
    Path tmp;

    /** What the watcher reported, in order, as "started id" / "stopped id" plus the record. */
    record Event(String kind, ContainerInfo container) {
    }

    static final class Recorder implements ContainerListener {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

        @Override
        public void started(ContainerInfo c) {
            events.add(new Event("started", c));
        }

        @Override
        public void stopped(ContainerInfo c) {
            events.add(new Event("stopped", c));
        }

        Event next(String kind) throws InterruptedException {
            Event e = events.poll(5, TimeUnit.SECONDS);
            assertTrue(e != null, "no " + kind + " reported within 5 s");
            assertEquals(kind, e.kind(), "unexpected " + e);
            return e;
        }

        void assertQuiet() {
            assertTrue(events.isEmpty(), "unexpected " + events);
        }
    }

    @BeforeAll
    static void prerequisites() {
        RuncSandbox.requirePrerequisites(Options.defaults().busybox());
    }

    private static RuntimeWatcher.Config config(Path... roots) {
        return RuntimeWatcher.Config.runcOnly(roots).withClock(Clock.fixed(Instant.ofEpochMilli(STOP_CLOCK), ZoneOffset.UTC));
    }

    @Test
    void reportsARealContainerWithItsKubernetesNamesThenItsStop() throws Exception {
        Recorder recorder = new Recorder();
        long before = System.currentTimeMillis();
        try (RuncSandbox sb = RuncSandbox.create(tmp.resolve("a"), "dw-watch-a", CRI);
             RuntimeWatcher watcher = new RuntimeWatcher(config(sb.stateRoot()), recorder)) {
            long after = System.currentTimeMillis();
            watcher.scanOnce();
            watcher.scanOnce();
            ContainerInfo c = recorder.next("started").container();
            recorder.assertQuiet();
            assertEquals("dw-watch-a", c.id());
            assertEquals("runc", c.runtime());
            assertEquals(sb.rootfs(), c.rootfs());
            assertEquals(sb.initPid(), c.initPid());
            assertTrue(c.startedAt() >= before - 1 && c.startedAt() <= after, "startedAt is runc's created time");
            assertNull(c.stoppedAt());
            assertEquals(List.of("web-1", "shop", "nginx", "nginx:1.27", "5f0c2d1e"),
                    List.of(c.podName(), c.namespace(), c.containerName(), c.image(), c.podUid()));
            assertEquals(CRI, c.labels());
            assertFalse(c.privileged());
            assertEquals(c, watcher.byId("dw-watch-a").orElseThrow());

            sb.close();
            watcher.scanOnce();
            ContainerInfo stopped = recorder.next("stopped").container();
            assertEquals("dw-watch-a", stopped.id());
            assertEquals(STOP_CLOCK, stopped.stoppedAt());
            assertEquals(c.startedAt(), stopped.startedAt());
            watcher.scanOnce();
            recorder.assertQuiet();
            assertEquals(List.of(), watcher.running());
        }
    }

    @Test
    void aKilledContainerIsStoppedOnceWhileItsStateStays() throws Exception {
        Recorder recorder = new Recorder();
        try (RuncSandbox sb = RuncSandbox.create(tmp.resolve("k"), "dw-watch-k", Map.of());
             RuntimeWatcher watcher = new RuntimeWatcher(config(sb.stateRoot()), recorder)) {
            watcher.scanOnce();
            recorder.next("started");
            sb.kill();
            watcher.scanOnce();
            assertEquals(STOP_CLOCK, recorder.next("stopped").container().stoppedAt());
            watcher.scanOnce();
            sb.close();
            watcher.scanOnce();
            recorder.assertQuiet();
        }
    }

    @Test
    void twoContainersOneOfThemPrivilegedInANamespacedRoot() throws Exception {
        Recorder recorder = new Recorder();
        try (RuncSandbox a = RuncSandbox.create(tmp.resolve("a"), "dw-watch-1", CRI);
             RuncSandbox b = RuncSandbox.create(tmp.resolve("b"), "dw-watch-2", Map.of(),
                     Options.defaults().withPrivileged(true));
             // b's work directory holds state/<id>/state.json: the <root>/<namespace>/<id> layout of containerd's shim
             RuntimeWatcher watcher = new RuntimeWatcher(config(a.stateRoot(), b.workDir()), recorder)) {
            watcher.scanOnce();
            List<ContainerInfo> started = Stream.of(recorder.next("started"), recorder.next("started"))
                    .map(Event::container).sorted(Comparator.comparing(ContainerInfo::id)).toList();
            ContainerInfo first = started.get(0);
            ContainerInfo second = started.get(1);
            recorder.assertQuiet();
            assertEquals("dw-watch-1", first.id());
            assertFalse(first.privileged());
            assertEquals("dw-watch-2", second.id());
            assertTrue(second.privileged());
            assertEquals(b.rootfs(), second.rootfs());
            assertEquals(2, watcher.running().size());

            b.close();
            watcher.scanOnce();
            assertEquals("dw-watch-2", recorder.next("stopped").container().id());
            assertEquals(List.of("dw-watch-1"), watcher.running().stream().map(ContainerInfo::id).toList());
        }
    }

    @Test
    void pollingThreadSeesStartsAndStops() throws Exception {
        Recorder recorder = new Recorder();
        Path stateRoot = tmp.resolve("p").resolve("state");
        try (RuntimeWatcher watcher = new RuntimeWatcher(
                config(stateRoot).withPollInterval(Duration.ofMillis(50)).withClock(Clock.systemUTC()), recorder)) {
            watcher.start();
            long t0 = System.currentTimeMillis();
            try (RuncSandbox sb = RuncSandbox.create(tmp.resolve("p"), "dw-watch-p", CRI)) {
                ContainerInfo c = recorder.next("started").container();
                System.out.printf("watcher saw the start %d ms after create began%n", System.currentTimeMillis() - t0);
                assertEquals(sb.initPid(), c.initPid());
                sb.pause();
                Thread.sleep(200);
                recorder.assertQuiet(); // paused is still running
                sb.resume();
                long t1 = System.currentTimeMillis();
                sb.close();
                ContainerInfo stopped = recorder.next("stopped").container();
                assertTrue(stopped.stoppedAt() >= t1, "stoppedAt is the clock's time");
                System.out.printf("watcher saw the stop %d ms after close began%n", System.currentTimeMillis() - t1);
            }
            Thread.sleep(200);
            recorder.assertQuiet();
        }
    }
}
