package io.driftwatch.agent.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.runc.RuncSandbox.ExecResult;
import io.driftwatch.agent.runc.RuncSandbox.Options;
import io.driftwatch.agent.runc.RuncSandbox.RuncException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real containers with runc. Needs root, runc and busybox-static (CI installs them): without them every test fails
 * with the message of {@link RuncSandbox#requirePrerequisites}, never skips.
 */
class RuncSandboxIT {

    @TempDir
    Path tmp;

    @BeforeAll
    static void prerequisites() {
        RuncSandbox.requirePrerequisites(Options.defaults().busybox());
    }

    /** Mount points in this mount namespace ({@code /proc/self/mounts}) with their filesystem type. */
    static List<String> mounts(Path target) throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mounts"))) {
            return lines.map(l -> l.split(" ")).filter(f -> f[1].equals(target.toString())).map(f -> f[2]).toList();
        }
    }

    @Test
    void lifecycle() throws IOException {
        Path work = tmp.resolve("sb");
        long t0 = System.nanoTime();
        RuncSandbox sb = RuncSandbox.create(work, "dw-it-life", Map.of("io.kubernetes.cri.container-name", "probe"));
        long created = System.nanoTime();
        try {
            assertEquals(List.of("tmpfs"), mounts(sb.rootfs()), "the rootfs is a tmpfs of its own");
            assertTrue(Files.exists(sb.stateRoot().resolve("dw-it-life/state.json")));
            assertTrue(Files.exists(Path.of("/proc/" + sb.initPid())), "init pid is a host pid");
            assertEquals("running", sb.state());
            assertTrue(Files.isExecutable(sb.rootfs().resolve("bin/busybox")));
            assertEquals(Path.of("busybox"), Files.readSymbolicLink(sb.rootfs().resolve("bin/sh")));

            long e0 = System.nanoTime();
            ExecResult write = sb.exec("sh", "-c", "echo hello > /tmp/drift.txt && id -u && echo oops >&2");
            long e1 = System.nanoTime();
            assertEquals(0, write.exitCode(), write.stderr());
            assertEquals("0", write.stdout().strip());
            assertEquals("oops", write.stderr().strip());
            assertEquals("hello\n", Files.readString(sb.rootfs().resolve("tmp/drift.txt")), "written inside, seen on the host");
            assertEquals("drwxrwxrwt", sb.exec("stat", "-c", "%A", "/tmp").stdout().strip());
            assertEquals("/root", sb.exec("sh", "-c", "echo $HOME").stdout().strip());
            assertEquals("probe", annotation(sb, "io.kubernetes.cri.container-name"));

            ExecResult failed = sb.exec("sh", "-c", "exit 3");
            assertEquals(3, failed.exitCode());
            assertFalse(failed.succeeded());

            sb.pause();
            assertEquals("paused", sb.state());
            sb.resume();
            assertEquals("running", sb.state());
            assertTrue(sb.exec("true").succeeded());

            long d0 = System.nanoTime();
            sb.close();
            long d1 = System.nanoTime();
            System.out.printf("runc sandbox timings: create %d ms, exec %d ms, close %d ms%n", (created - t0) / 1_000_000,
                    (e1 - e0) / 1_000_000, (d1 - d0) / 1_000_000);
        } finally {
            sb.close();
        }
        assertEquals(List.of(), mounts(sb.rootfs()), "tmpfs unmounted");
        assertFalse(Files.exists(work), "work directory removed");
        sb.close(); // idempotent
    }

    @Test
    void killStopsTheContainerAndCloseStillCleansUp() throws IOException {
        try (RuncSandbox sb = RuncSandbox.create(tmp.resolve("k"), "dw-it-kill", Map.of())) {
            sb.kill();
            assertEquals("stopped", sb.state());
            sb.close();
            assertEquals(List.of(), mounts(sb.rootfs()));
            assertFalse(Files.exists(sb.workDir()));
        }
    }

    @Test
    void closeDeletesAPausedContainer() throws IOException {
        RuncSandbox sb = RuncSandbox.create(tmp.resolve("paused"), "dw-it-paused", Map.of());
        sb.pause();
        long t0 = System.nanoTime();
        sb.close();
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "delete -f of a frozen container does not hang");
        assertEquals(List.of(), mounts(sb.rootfs()));
        assertFalse(Files.exists(sb.workDir()));
        assertFalse(isLive(sb.initPid()), "the init process is gone");
    }

    private static boolean isLive(int pid) throws IOException {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    @Test
    void execTimesOut() {
        try (RuncSandbox sb = RuncSandbox.create(tmp.resolve("t"), "dw-it-timeout", Map.of(),
                Options.defaults().withTimeout(Duration.ofSeconds(2)))) {
            long t0 = System.nanoTime();
            RuncException e = assertThrows(RuncException.class, () -> sb.exec("sleep", "30"));
            assertTrue(e.getMessage().contains("did not finish within"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos());
            assertTrue(sb.exec("true").succeeded(), "the container still works");
        }
    }

    @Test
    void aContainerThatCannotStartLeavesNothingBehind() throws IOException {
        Path work = tmp.resolve("bad");
        RuncException e = assertThrows(RuncException.class, () -> RuncSandbox.create(work, "dw-it-bad", Map.of(),
                Options.defaults().withArgs("/no/such/program")));
        assertTrue(e.getMessage().contains("runc run dw-it-bad exited"), e.getMessage());
        assertEquals(List.of(), mounts(work.resolve("bundle/rootfs")));
        assertFalse(Files.exists(work));
    }

    @Test
    void missingOrDynamicBusyboxIsNamed() {
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> RuncSandbox.create(tmp.resolve("m"), "x", Map.of(), Options.defaults().withBusybox(tmp.resolve("nope"))));
        assertTrue(missing.getMessage().contains("apt-get install -y busybox-static"), missing.getMessage());
        IllegalStateException dynamic = assertThrows(IllegalStateException.class,
                () -> RuncSandbox.requirePrerequisites(Path.of("/bin/ls")));
        assertTrue(dynamic.getMessage().contains("dynamically linked"), dynamic.getMessage());
    }

    @Test
    void refusesANonEmptyWorkDirectoryAndABadId() throws IOException {
        Files.writeString(tmp.resolve("keep.txt"), "mine");
        assertThrows(IllegalArgumentException.class, () -> RuncSandbox.create(tmp, "x", Map.of()));
        assertTrue(Files.exists(tmp.resolve("keep.txt")));
        assertThrows(IllegalArgumentException.class, () -> RuncSandbox.create(tmp.resolve("y"), "../evil", Map.of()));
    }

    private static String annotation(RuncSandbox sb, String key) throws IOException {
        String state = Files.readString(sb.stateRoot().resolve(sb.id()).resolve("state.json"));
        int at = state.indexOf(key + "=");
        return state.substring(at + key.length() + 1, state.indexOf('"', at));
    }
}
