package io.driftwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.fanotify.FanotifySensor;
import io.driftwatch.agent.fanotify.SensorCounters;
import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.agent.runtime.ContainerListener;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sensor on a real runc container found by the real runtime watcher: paths as the container sees
 * them, its id, and what the sensor learns of the processes that ran inside through runc exec.
 */
class ContainerSensorIT {
    @TempDir
    Path tmp;

    @Test
    void containerActivityCarriesContainerPathsIdAndProcess() throws Exception {
        List<FileEvent> events = new CopyOnWriteArrayList<>();
        SensorCounters counters = new SensorCounters();
        try (RuncSandbox sandbox = RuncSandbox.create(tmp.resolve("c"), "sensor-it", Map.of(
                "io.kubernetes.cri.sandbox-name", "web-1", "io.kubernetes.cri.sandbox-namespace", "shop"));
                FanotifySensor sensor = new FanotifySensor(FanotifySensor.Config.defaults("node-a"), events::add, counters)) {
            sensor.start();
            List<ContainerInfo> found = new CopyOnWriteArrayList<>();
            try (RuntimeWatcher watcher = new RuntimeWatcher(RuntimeWatcher.Config.runcOnly(sandbox.stateRoot())
                    .withPollInterval(Duration.ofMillis(100)), new ContainerListener() {
                        @Override
                        public void started(ContainerInfo c) {
                            found.add(c);
                            try {
                                sensor.watch(c);
                            } catch (java.io.IOException e) {
                                throw new IllegalStateException(e);
                            }
                        }

                        @Override
                        public void stopped(ContainerInfo c) {
                            sensor.unwatch(c.id());
                        }
                    })) {
                watcher.start();
                assertEquals(1, found.size());
                assertEquals("web-1", found.get(0).podName());
                // A long-lived shell (read while alive) and short-lived programs (gone before /proc is read).
                RuncSandbox.ExecResult r = sandbox.exec("sh", "-c",
                        "echo x > /tmp/a; sleep 1; echo y >> /tmp/a; cp /tmp/a /tmp/b; chmod 600 /tmp/b; cat /etc/passwd >/dev/null; mv /tmp/b /tmp/c");
                assertTrue(r.succeeded(), r.stderr());
                long deadline = System.currentTimeMillis() + 5_000;
                while (events.stream().noneMatch(e -> e.getType() == EventType.RENAME) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                Thread.sleep(200);
            }
        }
        System.out.println(events.stream().map(e -> e.getType() + " " + e.getPath() + " -> " + e.getNewPath() + " pid="
                + e.getPid() + " ppid=" + e.getPpid() + " name=" + e.getProcessName() + " exe=" + e.getExe() + " parent="
                + e.getParentProcessName() + " uid=" + e.getUid() + " cmd=" + e.getCmdline() + " info=" + e.getProcessInfo())
                .collect(Collectors.joining("\n")));
        System.out.println(counters);
        assertTrue(events.stream().allMatch(e -> "sensor-it".equals(e.getContainerId()) && "node-a".equals(e.getNode())
                && "fanotify".equals(e.getSource()) && e.getPid() != null && e.getProcessInfo() != null));
        assertTrue(events.stream().noneMatch(e -> e.getPath().startsWith(tmp.toString())), "host paths leaked");
        // The shell wrote /tmp/a and was still running when the second write was read: everything is known.
        FileEvent second = events.stream().filter(e -> e.getType() == EventType.MODIFY && e.getPath().equals("/tmp/a"))
                .reduce((a, b) -> b).orElseThrow();
        assertEquals("live", second.getProcessInfo());
        assertEquals("sh", second.getProcessName());
        assertEquals("/bin/busybox", second.getExe(), "exe as the container sees it");
        assertNotNull(second.getPpid());
        assertEquals(0L, second.getUid());
        // Programs started in the container are seen executing (EXEC, with the container's path).
        assertTrue(events.stream().anyMatch(e -> e.getType() == EventType.EXEC && e.getPath().equals("/bin/busybox")));
        FileEvent chmod = events.stream().filter(e -> e.getType() == EventType.CHMOD).findFirst().orElseThrow();
        assertEquals(0600, chmod.getMode());
        assertTrue(events.stream().anyMatch(e -> e.getType() == EventType.OPEN_READ && e.getPath().equals("/etc/passwd")));
        FileEvent mv = events.stream().filter(e -> e.getType() == EventType.RENAME).findFirst().orElseThrow();
        assertEquals("/tmp/b", mv.getPath());
        assertEquals("/tmp/c", mv.getNewPath());
        // Short-lived programs: the record says how their process fields were obtained, never a guess.
        assertTrue(events.stream().allMatch(e -> switch (e.getProcessInfo()) {
            case "live" -> e.getProcessName() != null;
            // gone before /proc was read: the file it executed, and what the exec catcher saw right after the exec
            case "exec" -> e.getExe() != null;
            case "exited" -> e.getProcessName() == null && e.getExe() == null;
            default -> false;
        }));
    }
}
