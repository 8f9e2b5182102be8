package io.driftwatch.agent.fanotify;

import static io.driftwatch.agent.fanotify.FanotifySensorTmpfsIT.sh;
import static io.driftwatch.agent.fanotify.FanotifySensorTmpfsIT.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Host FIM and exec hashing on real kernel events: host paths in a directory of the machine's root filesystem (the same
 * filesystem every other process on the machine writes to, so the filter is exercised by real traffic too), and a real
 * runc container on its own tmpfs. Needs root, runc and busybox-static (as the other runc tests).
 */
class HostFimIT {
    Path tmp;
    Path watched;
    Path outside;
    Path homes;
    FanotifySensor sensor;
    RuncSandbox sandbox;
    final List<FileEvent> events = new CopyOnWriteArrayList<>();
    final SensorCounters counters = new SensorCounters();

    @BeforeEach
    void start() throws Exception {
        RuncSandbox.requirePrerequisites(RuncSandbox.Options.defaults().busybox());
        // Not @TempDir: under the build directory, on the machine's root filesystem (a /tmp on tmpfs would hide the
        // point: one mark that sees every write of the node).
        tmp = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "hostfim");
        watched = Files.createDirectories(tmp.resolve("etc"));
        outside = Files.createDirectories(tmp.resolve("var-tmp"));
        homes = Files.createDirectories(tmp.resolve("home"));
        Files.createDirectories(homes.resolve("bob"));
        Files.writeString(watched.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n");
        Files.writeString(outside.resolve("staged"), "* * * * * root sh /tmp/x\n");
        FanotifySensor.Host host = new FanotifySensor.Host(Path.of("/"),
                new HostPaths(List.of(watched.toString(), homes + "/*/.ssh")));
        sensor = new FanotifySensor(FanotifySensor.Config.defaults("node-1").withHost(host), events::add, counters).start();
        List<Path> marked = sensor.watchHost();
        assertFalse(marked.isEmpty());
        sandbox = RuncSandbox.create(tmp.resolve("c"), "dw-hostfim-" + ProcessHandle.current().pid(), Map.of());
        sensor.watch(new ContainerInfo(sandbox.id(), "runc", sandbox.rootfs(), sandbox.initPid(), System.currentTimeMillis(),
                null, null, null, null, null, null, Map.of(), false));
    }

    @AfterEach
    void stop() throws Exception {
        if (sensor != null) {
            sensor.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
        if (tmp != null) {
            sh("rm -rf " + tmp);
        }
    }

    @Test
    void theNodesFilesAreReportedAsHostAndNothingElseIs() throws Exception {
        String w = watched.toString();
        String o = outside.toString();
        sh("echo 'evil:x:0:0::/:/bin/sh' >> " + w + "/passwd");
        sh("chmod 600 " + w + "/passwd");
        sh("cat " + w + "/passwd > /dev/null"); // a read: not a change, not reported for the node
        sh("echo x > " + o + "/ignored && echo y >> " + o + "/ignored && rm " + o + "/ignored"); // not a host path
        sh("mkdir " + w + "/cron.d && mv " + o + "/staged " + w + "/cron.d/job"); // renamed into a host path
        sh("mkdir -p " + homes + "/bob/.ssh && echo 'ssh-ed25519 AAAA attacker' > " + homes + "/bob/.ssh/authorized_keys");
        sh("mkdir -p " + homes + "/bob/notes && echo hi > " + homes + "/bob/notes/todo"); // beside the glob, not in it
        sandbox.exec("sh", "-c", "echo c > /etc/from-container && mkdir -p /root/.ssh && echo k > /root/.ssh/authorized_keys");
        sh("echo done > " + w + "/zz-last");
        waitFor(() -> events.stream().anyMatch(e -> e.getPath().equals(w + "/zz-last"))
                && events.stream().anyMatch(e -> "/etc/from-container".equals(e.getPath())));
        System.out.println(events.stream().map(e -> e.getContainerId() + " " + e.getType() + " " + e.getPath() + " -> "
                + e.getNewPath() + " " + e.getSource() + " " + e.getProcessName()).collect(Collectors.joining("\n")));
        System.out.println(counters);

        List<FileEvent> host = events.stream().filter(e -> "host".equals(e.getContainerId())).toList();
        Map<String, List<EventType>> byPath = host.stream().collect(Collectors.groupingBy(FileEvent::getPath,
                Collectors.mapping(FileEvent::getType, Collectors.toList())));
        assertTrue(byPath.getOrDefault(w + "/passwd", List.of()).contains(EventType.MODIFY), byPath.toString());
        FileEvent chmod = host.stream().filter(e -> e.getType() == EventType.CHMOD && e.getPath().equals(w + "/passwd"))
                .findFirst().orElseThrow(() -> new AssertionError("no CHMOD of passwd: " + byPath));
        assertEquals(0600, chmod.getMode());
        assertEquals(0644, chmod.getPreviousMode(), "from the baseline scan of the host paths");
        FileEvent moved = host.stream().filter(e -> e.getType() == EventType.RENAME).findFirst()
                .orElseThrow(() -> new AssertionError("no RENAME into cron.d: " + byPath));
        assertEquals(o + "/staged", moved.getPath());
        assertEquals(w + "/cron.d/job", moved.getNewPath());
        assertTrue(byPath.getOrDefault(homes + "/bob/.ssh", List.of()).contains(EventType.MKDIR), byPath.toString());
        assertTrue(byPath.getOrDefault(homes + "/bob/.ssh/authorized_keys", List.of()).contains(EventType.CREATE),
                byPath.toString());
        for (FileEvent e : host) {
            assertEquals("node-1", e.getNode());
            assertEquals("fanotify-host", e.getSource());
            assertNotNull(e.getPid());
            assertTrue(e.getPath().startsWith(w + "/") || e.getPath().startsWith(homes + "/bob/.ssh")
                    || e.getType() == EventType.RENAME, "outside the host paths: " + e.getPath());
            assertTrue(e.getType() != EventType.OPEN_READ && e.getType() != EventType.EXEC, e.toString());
        }
        // Outside the host paths: nothing (also not the sibling of the glob's match).
        assertTrue(events.stream().noneMatch(e -> e.getPath().startsWith(o + "/ignored")), "outside the host paths");
        assertTrue(events.stream().noneMatch(e -> e.getPath().startsWith(homes + "/bob/notes")), "beside /home/*/.ssh");
        // The container's writes are the container's, with container paths, and never the node's.
        List<FileEvent> mine = events.stream().filter(e -> sandbox.id().equals(e.getContainerId())).toList();
        assertTrue(mine.stream().anyMatch(e -> e.getPath().equals("/etc/from-container")), mine.toString());
        assertTrue(mine.stream().anyMatch(e -> e.getPath().equals("/root/.ssh/authorized_keys")), mine.toString());
        assertTrue(mine.stream().allMatch(e -> "fanotify".equals(e.getSource())));
        assertTrue(host.stream().noneMatch(e -> e.getPath().contains("from-container")
                || e.getPath().startsWith(sandbox.rootfs().toString())), "a container's write reported as the node's");
        assertEquals(host.size(), counters.hostEvents.get());
        // The root filesystem holds no container here: marked for changes only, the cat of passwd is not even read.
        assertEquals(0, counters.hostIgnored.get(), counters.toString());
    }

    @Test
    void executedFilesCarryTheirSha256AndTheCacheIsHitTheSecondTime() throws Exception {
        String expected = sha256sum(sandbox.rootfs().resolve("bin/busybox"));
        sandbox.exec("/bin/busybox", "true");
        waitFor(() -> execs("/bin/busybox").size() >= 1);
        long hitsAfterFirst = counters.execHashHits.get();
        sandbox.exec("/bin/busybox", "true");
        waitFor(() -> execs("/bin/busybox").size() >= 2);
        // A distinct binary: busybox with one more byte (a different file, a different hash, read once).
        sandbox.exec("sh", "-c", "cat /bin/busybox > /tmp/bb2 && echo >> /tmp/bb2 && chmod 755 /tmp/bb2 && /tmp/bb2 true");
        waitFor(() -> !execs("/tmp/bb2").isEmpty());
        System.out.println(counters);

        List<FileEvent> busybox = execs("/bin/busybox");
        assertTrue(busybox.size() >= 2, busybox.toString());
        for (FileEvent e : busybox) {
            assertEquals(expected, e.getSha256(), "sha256 of " + e.getPath() + " (sha256sum says " + expected + ")");
        }
        assertTrue(counters.execHashHits.get() > hitsAfterFirst, "the second exec of the same file is a cache hit: " + counters);
        FileEvent bb2 = execs("/tmp/bb2").get(0);
        assertEquals(sha256sum(sandbox.rootfs().resolve("tmp/bb2")), bb2.getSha256());
        assertFalse(expected.equals(bb2.getSha256()));
        assertTrue(counters.execHashMisses.get() >= 2, counters.toString());
        assertEquals(0, counters.execHashFailed.get(), counters.toString());
    }

    @Test
    void aContainerOnTheNodesFilesystemWidensTheMarkAndStaysTheContainers() throws Exception {
        // A container root that is a plain directory on the node's root filesystem (as overlay upper directories are on
        // most nodes): found after host FIM marked that filesystem for changes only, it needs reads and executions too.
        Path plain = Files.createDirectories(tmp.resolve("plain-root"));
        sh("mkdir -p " + plain + "/usr/bin " + plain + "/etc && cp /bin/busybox " + plain + "/usr/bin/busybox");
        sensor.watch(new ContainerInfo("c-plain", "test", plain, null, System.currentTimeMillis(), null, null, null, null,
                null, null, Map.of(), false));
        sh(plain + "/usr/bin/busybox true");
        sh("echo x > " + plain + "/etc/from-plain");
        sh("cat " + watched + "/passwd > /dev/null");
        sh("echo y >> " + watched + "/passwd");
        waitFor(() -> events.stream().anyMatch(e -> "host".equals(e.getContainerId()) && e.getType() == EventType.MODIFY)
                && events.stream().anyMatch(e -> "/etc/from-plain".equals(e.getPath())));
        System.out.println(counters);
        FileEvent exec = events.stream().filter(e -> "c-plain".equals(e.getContainerId()) && e.getType() == EventType.EXEC
                && "/usr/bin/busybox".equals(e.getPath())).findFirst()
                .orElseThrow(() -> new AssertionError("no EXEC in the container on the node's filesystem: " + events));
        assertEquals(sha256sum(plain.resolve("usr/bin/busybox")), exec.getSha256());
        assertTrue(events.stream().anyMatch(e -> "c-plain".equals(e.getContainerId()) && "/etc/from-plain".equals(e.getPath())));
        assertTrue(events.stream().noneMatch(e -> "host".equals(e.getContainerId()) && e.getPath().startsWith(plain.toString())));
        assertTrue(events.stream().noneMatch(e -> "host".equals(e.getContainerId()) && e.getType() == EventType.OPEN_READ));
        assertTrue(counters.hostIgnored.get() >= 1, "the widened mark queues the node's reads, left out: " + counters);
    }

    private List<FileEvent> execs(String path) {
        return events.stream().filter(e -> e.getType() == EventType.EXEC && sandbox.id().equals(e.getContainerId())
                && path.equals(e.getPath())).toList();
    }

    static String sha256sum(Path file) throws Exception {
        Process p = new ProcessBuilder("sha256sum", file.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        return out.substring(0, 64);
    }
}
