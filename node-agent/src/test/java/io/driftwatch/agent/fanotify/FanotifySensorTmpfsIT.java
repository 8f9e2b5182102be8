package io.driftwatch.agent.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sensor on a real filesystem mark: a tmpfs standing in for a container root, changed by real
 * processes (the host's busybox). Needs root.
 */
class FanotifySensorTmpfsIT {
    @TempDir
    Path tmp;
    Path root;
    FanotifySensor sensor;
    final List<FileEvent> events = new CopyOnWriteArrayList<>();
    final SensorCounters counters = new SensorCounters();
    /** What the sensor's sink does with an event: by default, keep it. */
    volatile FanotifySensor.EventSink sink = events::add;

    @BeforeEach
    void mount() throws Exception {
        root = tmp.resolve("rootfs");
        Files.createDirectories(root);
        sh("mount -t tmpfs -o size=64m tmpfs " + root);
        sh("mkdir -p " + root + "/usr/bin " + root + "/etc " + root + "/root && echo 'root:x:0:0::/root:/bin/sh' > "
                + root + "/etc/passwd && cp /bin/busybox " + root + "/usr/bin/tool && chmod 755 " + root + "/usr/bin/tool"
                + " && echo ls > " + root + "/root/.ash_history");
        ContainerInfo c = new ContainerInfo("c-tmpfs", "test", root, null, System.currentTimeMillis(), null, null, null,
                null, null, null, Map.of(), false);
        sensor = new FanotifySensor(FanotifySensor.Config.defaults("node-1"), e -> sink.offer(e), counters).start();
        sensor.watch(c);
    }

    @AfterEach
    void unmount() throws Exception {
        if (sensor != null) {
            sensor.close();
        }
        sh("umount " + root);
    }

    @Test
    void seesTheRedTeamStepsWithContainerPaths() throws Exception {
        String r = root.toString();
        sh("cp /bin/busybox " + r + "/usr/bin/tool");
        sh("chmod u+s " + r + "/usr/bin/tool");
        sh("rm " + r + "/root/.ash_history");
        sh("echo 'evil:x:0:0::/:/bin/sh' >> " + r + "/etc/passwd");
        sh("mkdir " + r + "/tmp && cp /bin/busybox " + r + "/tmp/dropper && chmod 700 " + r + "/tmp/dropper && "
                + r + "/tmp/dropper true");
        sh("mv " + r + "/etc/passwd " + r + "/etc/passwd.old && ln -s /etc/passwd.old " + r + "/etc/passwd");
        waitFor(() -> events.stream().anyMatch(e -> e.getType() == EventType.SYMLINK));
        Map<String, List<EventType>> byPath = events.stream().collect(Collectors.groupingBy(FileEvent::getPath,
                Collectors.mapping(FileEvent::getType, Collectors.toList())));
        System.out.println(events.stream().map(e -> e.getType() + " " + e.getPath() + " " + e.getNewPath() + " mode="
                + (e.getMode() == null ? null : Integer.toOctalString(e.getMode())) + " prev="
                + (e.getPreviousMode() == null ? null : Integer.toOctalString(e.getPreviousMode())) + " pid=" + e.getPid()
                + " " + e.getProcessName() + " exe=" + e.getExe() + " " + e.getProcessInfo()).collect(Collectors.joining("\n")));
        System.out.println(counters);
        assertTrue(byPath.get("/usr/bin/tool").contains(EventType.MODIFY), byPath.toString());
        FileEvent chmod = events.stream().filter(e -> e.getType() == EventType.CHMOD && e.getPath().equals("/usr/bin/tool"))
                .findFirst().orElseThrow();
        assertEquals(04755, chmod.getMode());
        assertEquals(0755, chmod.getPreviousMode());
        assertTrue(byPath.get("/root/.ash_history").contains(EventType.DELETE), byPath.toString());
        assertTrue(byPath.get("/etc/passwd").contains(EventType.MODIFY), byPath.toString());
        assertTrue(byPath.get("/tmp").contains(EventType.MKDIR), byPath.toString());
        assertTrue(byPath.get("/tmp/dropper").containsAll(List.of(EventType.CREATE, EventType.CHMOD, EventType.EXEC)),
                byPath.toString());
        FileEvent rename = events.stream().filter(e -> e.getType() == EventType.RENAME).findFirst().orElseThrow();
        assertEquals("/etc/passwd", rename.getPath());
        assertEquals("/etc/passwd.old", rename.getNewPath());
        FileEvent link = events.stream().filter(e -> e.getType() == EventType.SYMLINK).findFirst().orElseThrow();
        assertEquals("/etc/passwd.old", link.getNewPath());
        assertTrue(events.stream().allMatch(e -> "c-tmpfs".equals(e.getContainerId()) && e.getPid() != null));
    }

    @Test
    void aModifiedFileLeftEmptyIsATruncation() throws Exception {
        String r = root.toString();
        sh("mkdir -p " + r + "/var/log && echo one > " + r + "/var/log/app.log && echo two >> " + r + "/var/log/app.log");
        sh(": > " + r + "/root/.ash_history");
        sh("echo three >> " + r + "/var/log/app.log");
        Thread.sleep(300); // the size is read after the fact: a write right before a truncation would look like one too
        sh("truncate -s 0 " + r + "/var/log/app.log");
        waitFor(() -> events.stream().filter(e -> e.getType() == EventType.TRUNCATE).count() >= 2);
        List<String> truncations = events.stream().filter(e -> e.getType() == EventType.TRUNCATE)
                .map(FileEvent::getPath).toList();
        assertEquals(List.of("/root/.ash_history", "/var/log/app.log"), truncations);
        // The creation and the appends are not truncations.
        assertTrue(events.stream().anyMatch(e -> e.getType() == EventType.CREATE && e.getPath().equals("/var/log/app.log")));
        assertTrue(events.stream().filter(e -> e.getType() == EventType.MODIFY && e.getPath().equals("/var/log/app.log"))
                .count() >= 2);
    }

    @Test
    void burstOfCreatesAndDeletes() throws Exception {
        String r = root.toString();
        sh("mkdir -p " + r + "/bench && i=0; while [ $i -lt 2000 ]; do : > " + r + "/bench/f$i; i=$((i+1)); done; rm -r " + r + "/bench");
        waitFor(() -> events.stream().anyMatch(e -> e.getType() == EventType.RMDIR));
        System.out.println(counters);
        assertEquals(2000, events.stream().filter(e -> e.getType() == EventType.CREATE).count());
        assertEquals(2000, events.stream().filter(e -> e.getType() == EventType.DELETE).count());
    }

    @Test
    void anEventWhoseHandlingThrowsCostsOnlyThatEventNotTheRestOfItsReadBuffer() throws Exception {
        String r = root.toString();
        CountDownLatch atGate = new CountDownLatch(1);
        CountDownLatch open = new CountDownLatch(1);
        sink = e -> {
            if (e.getPath().equals("/gate")) {
                atGate.countDown();
                try {
                    open.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            } else if (e.getPath().equals("/poison")) {
                throw new IllegalStateException("a bug that only this event meets");
            }
            return events.add(e);
        };
        sh(": > " + r + "/gate");
        assertTrue(atGate.await(10, TimeUnit.SECONDS), "the gate's event never came");
        // The sensor is held inside the gate's event: what follows queues in the kernel and comes in one read.
        sh(": > " + r + "/poison; i=0; while [ $i -lt 20 ]; do : > " + r + "/after$i; i=$((i+1)); done");
        open.countDown();
        waitFor(() -> events.stream().filter(e -> e.getPath().startsWith("/after")).count() >= 20);
        List<String> after = events.stream().filter(e -> e.getType() == EventType.CREATE && e.getPath().startsWith("/after"))
                .map(FileEvent::getPath).distinct().toList();
        System.out.println(counters);
        assertEquals(20, after.size(), "creates after the poisoned event: " + after);
        assertEquals(1, counters.handlingFailed.get());
        assertTrue(events.stream().noneMatch(e -> e.getPath().equals("/poison")));
    }

    @Test
    void namesAndCommandLinesAreByteExact() throws Exception {
        String r = root.toString();
        sh("cd " + r + " && touch \"$(printf 'bad\\377name')\" \"$(printf 'new\\nline')\" 'back\\slash'");
        sh("sh -c 'echo x > " + r + "/argfile; sleep 0.5' \"$(printf 'a\\377b')\" \"$(printf 'c\\nd')\"");
        waitFor(() -> events.stream().anyMatch(e -> e.getPath().equals("/argfile")));
        Map<String, FileEvent> created = events.stream().filter(e -> e.getType() == EventType.CREATE)
                .collect(Collectors.toMap(FileEvent::getPath, e -> e, (a, b) -> a));
        assertTrue(created.containsKey("/bad\\xffname"), created.keySet().toString());
        assertTrue(created.containsKey("/back\\\\slash"), created.keySet().toString());
        FileEvent newline = created.get("/new\\x0aline");
        assertTrue(newline != null, created.keySet().toString());
        assertEquals(0644, newline.getMode()); // the escaped name still names the file for the sensor's stat
        FileEvent arg = created.get("/argfile");
        assertEquals("sh -c echo x > " + r + "/argfile; sleep 0.5 a\\xffb c\\x0ad", arg.getCmdline());
        assertEquals(List.of(), arg.getTruncated());
        assertTrue(events.stream().noneMatch(e -> e.getPath().contains("\ufffd") || e.getPath().contains("\n")
                || e.getCmdline() != null && (e.getCmdline().contains("\ufffd") || e.getCmdline().contains("\n"))));
    }

    @Test
    void aProcessWithAOneMebibyteCommandLineGivesACappedOneMarkedTruncated() throws Exception {
        String r = root.toString();
        List<String> argv = new java.util.ArrayList<>(List.of("sh", "-c", "echo x > " + r + "/long; sleep 0.5", "sh"));
        for (int i = 0; i < 256; i++) {
            argv.add("A".repeat(4095)); // 256 arguments of 4 KiB: 1 MiB (one argument may be at most 128 KiB)
        }
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        waitFor(() -> events.stream().anyMatch(e -> e.getPath().equals("/long")));
        FileEvent e = events.stream().filter(x -> x.getPath().equals("/long")).findFirst().orElseThrow();
        assertTrue(e.getCmdline().length() <= 4096, "cmdline of " + e.getCmdline().length() + " characters");
        assertTrue(e.getCmdline().startsWith("sh -c echo x > " + r + "/long; sleep 0.5 sh AAAA"), e.getCmdline().substring(0, 60));
        assertEquals(List.of("cmdline"), e.getTruncated());
        assertTrue(counters.cmdlineTruncated.get() >= 1);
    }

    static void sh(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor();
        if (rc != 0 && !command.contains("dropper true")) {
            throw new IllegalStateException(command + " -> " + rc + ": " + out);
        }
    }

    static void waitFor(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(200);
    }
}
