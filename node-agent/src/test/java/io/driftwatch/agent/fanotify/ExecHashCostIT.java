package io.driftwatch.agent.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What hashing executed files costs (sensor-bench's load has no executions): the hasher alone on a cache miss and a hit,
 * against sha256sum over the same bytes; then the agent's CPU per EXEC event in a real runc container running one binary
 * again and again (hits), and many distinct binaries (misses), with hashing on and off. Prints the figures
 * (src/sensors.md quotes them); asserts only what must hold whatever the machine's load. Needs root, runc, busybox-static.
 */
class ExecHashCostIT {
    @TempDir
    Path tmp;

    @Test
    void theHasherAloneMissAndHit() throws Exception {
        Path file = tmp.resolve("busybox");
        Files.copy(Path.of("/bin/busybox"), file);
        long size = Files.size(file);
        SensorCounters counters = new SensorCounters();
        ExecHasher hasher = new ExecHasher(ExecHasher.DEFAULT_CAPACITY, ExecHasher.DEFAULT_MAX_BYTES, counters);
        int fd = LibC.open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        try {
            String first = hasher.hash(fd);
            assertEquals(HostFimIT.sha256sum(file), first);
            // misses: a fresh hasher each time (the cache is what is measured away), reading from the page cache
            int misses = 200;
            long t0 = System.nanoTime();
            for (int i = 0; i < misses; i++) {
                ExecHasher cold = new ExecHasher(16, ExecHasher.DEFAULT_MAX_BYTES, new SensorCounters());
                LibC.Quiet.lseek(fd, 0, 0);
                assertEquals(first, cold.hash(fd));
                cold.close();
            }
            double missUs = (System.nanoTime() - t0) / 1e3 / misses;
            int hits = 100_000;
            long t1 = System.nanoTime();
            for (int i = 0; i < hits; i++) {
                hasher.hash(fd);
            }
            double hitUs = (System.nanoTime() - t1) / 1e3 / hits;
            assertEquals(hits, counters.execHashHits.get());
            long s0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                HostFimIT.sha256sum(file);
            }
            double sha256sumUs = (System.nanoTime() - s0) / 1e3 / 20;
            System.out.printf("exec hashing, hasher alone, a %,d-byte file (busybox) in the page cache:%n"
                    + "  miss (read + SHA-256)  %.0f µs (%.0f MB/s)%n  hit (statx + cache)    %.2f µs%n"
                    + "  sha256sum process      %.0f µs (its start included)%n", size, missUs, size / missUs, hitUs,
                    sha256sumUs);
            // A file over the cap is not read: null, counted as skipped.
            ExecHasher capped = new ExecHasher(16, size - 1, counters);
            assertNull(capped.hash(fd));
            assertEquals(1, counters.execHashSkipped.get());
        } finally {
            LibC.close(fd);
            hasher.close();
        }
    }

    @Test
    void agentCpuPerExecWithHashingOnAndOff() throws Exception {
        RuncSandbox.requirePrerequisites(RuncSandbox.Options.defaults().busybox());
        int same = 1000;
        int distinct = 200;
        StringBuilder out = new StringBuilder("exec hashing, agent CPU per EXEC event in a runc container (" + same
                + " executions of one binary, " + distinct + " of distinct ~" + Files.size(Path.of("/bin/busybox")) / 1024
                + " KiB binaries):\n");
        for (boolean hash : new boolean[] {false, true, false, true}) {
            try (RuncSandbox sb = RuncSandbox.create(tmp.resolve("c-" + hash + "-" + System.nanoTime()),
                    "dw-hashcost-" + ProcessHandle.current().pid(), Map.of(),
                    RuncSandbox.Options.defaults().withTmpfsMegabytes(distinct * 3 + 64))) {
                List<FileEvent> events = new CopyOnWriteArrayList<>();
                SensorCounters counters = new SensorCounters();
                FanotifySensor.Config config = FanotifySensor.Config.defaults("node-1").withHashExec(hash);
                try (FanotifySensor sensor = new FanotifySensor(config, events::add, counters).start()) {
                    sensor.watch(new ContainerInfo(sb.id(), "runc", sb.rootfs(), sb.initPid(), System.currentTimeMillis(), null,
                            null, null, null, null, null, Map.of(), false));
                    sb.exec("sh", "-c", "i=0; while [ $i -lt " + distinct + " ]; do cp /bin/busybox /tmp/b$i; echo $i >> /tmp/b$i;"
                            + " chmod 755 /tmp/b$i; i=$((i+1)); done");
                    waitQuiet(counters);
                    double sameUs = cpuPerExec(sb, events, counters, "i=0; while [ $i -lt " + same + " ]; do /bin/busybox true;"
                            + " i=$((i+1)); done", same);
                    double distinctUs = cpuPerExec(sb, events, counters, "i=0; while [ $i -lt " + distinct + " ]; do /tmp/b$i true;"
                            + " i=$((i+1)); done", distinct);
                    List<FileEvent> execs = events.stream().filter(e -> e.getType() == EventType.EXEC).toList();
                    if (hash) {
                        assertTrue(execs.stream().filter(e -> e.getPath().startsWith("/tmp/b")).allMatch(e -> e.getSha256() != null),
                                "every distinct binary hashed");
                        assertTrue(counters.execHashMisses.get() >= distinct, counters.toString());
                        assertTrue(counters.execHashHits.get() >= same - 1, counters.toString());
                        assertNotNull(execs.get(0).getSha256());
                    } else {
                        assertTrue(execs.stream().allMatch(e -> e.getSha256() == null));
                    }
                    out.append(String.format("  hashing %-3s  same binary %.1f µs/exec, distinct binaries %.1f µs/exec"
                            + " (hits %d, misses %d)%n", hash ? "on" : "off", sameUs, distinctUs, counters.execHashHits.get(),
                            counters.execHashMisses.get()));
                }
            }
        }
        System.out.print(out);
    }

    /** The JVM's CPU time (sensor, publisher-less sink, JIT, GC) per EXEC event reported while {@code script} runs. */
    private static double cpuPerExec(RuncSandbox sb, List<FileEvent> events, SensorCounters counters, String script, int n)
            throws Exception {
        long before = events.stream().filter(e -> e.getType() == EventType.EXEC).count();
        long cpu0 = cpu();
        sb.exec("sh", "-c", script);
        long deadline = System.currentTimeMillis() + 60_000;
        while (events.stream().filter(e -> e.getType() == EventType.EXEC).count() < before + n
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        waitQuiet(counters);
        long got = events.stream().filter(e -> e.getType() == EventType.EXEC).count() - before;
        assertTrue(got >= n, "EXEC events: " + got + " of " + n);
        return (cpu() - cpu0) / 1e3 / got;
    }

    private static void waitQuiet(SensorCounters counters) throws InterruptedException {
        long last = -1;
        while (counters.kernelEvents.get() != last) {
            last = counters.kernelEvents.get();
            Thread.sleep(300);
        }
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
