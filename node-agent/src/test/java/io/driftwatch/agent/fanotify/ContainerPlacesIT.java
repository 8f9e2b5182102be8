package io.driftwatch.agent.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 on a real runc container: every place a container writes or executes from (its root, its own /dev and
 * /dev/shm tmpfs mounts), opens that are not reads, and files that are gone before their events are read (created,
 * changed and deleted within a millisecond by busybox's in-process applets) still telling their mode, link count and
 * first name. One container and one sensor for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerPlacesIT {
    @TempDir
    static Path tmp;

    private final List<FileEvent> events = new CopyOnWriteArrayList<>();
    private final SensorCounters counters = new SensorCounters();
    private RuncSandbox sandbox;
    private FanotifySensor sensor;
    private RuntimeWatcher watcher;

    @BeforeAll
    void start() throws Exception {
        sandbox = RuncSandbox.create(tmp.resolve("c"), "places-it", Map.of());
        sandbox.exec("sh", "-c", "echo 'root:$6$x:19000:0:99999:7:::' > /etc/shadow; chmod 0640 /etc/shadow; mkdir -p /lib");
        sensor = new FanotifySensor(FanotifySensor.Config.defaults("node-p"), events::add, counters).start();
        watcher = new RuntimeWatcher(RuntimeWatcher.Config.runcOnly(sandbox.stateRoot()).withPollInterval(Duration.ofMillis(100)),
                new ContainerListener() {
                    @Override
                    public void started(ContainerInfo c) {
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
                });
        watcher.start();
    }

    @AfterAll
    void stop() {
        watcher.close();
        sensor.close();
        sandbox.close();
        System.out.println(counters);
    }

    @BeforeEach
    void clear() {
        events.clear();
    }

    private void run(String script) {
        RuncSandbox.ExecResult r = sandbox.exec("sh", "-c", script);
        assertTrue(r.succeeded(), script + ": " + r.stderr());
    }

    private FileEvent await(String what, Predicate<FileEvent> p) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < deadline) {
            for (FileEvent e : events) {
                if (p.test(e)) {
                    return e;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no event " + what + "; got:\n" + events.stream()
                .map(e -> e.getType() + " " + e.getPath() + " -> " + e.getNewPath() + " mode=" + e.getMode() + " prev="
                        + e.getPreviousMode() + " by " + e.getProcessName() + "[" + e.getPid() + " " + e.getProcessInfo() + "] cmd=" + e.getCmdline())
                .collect(Collectors.joining("\n")) + "\n" + counters);
    }

    private static Predicate<FileEvent> is(EventType type, String path) {
        return e -> e.getType() == type && path.equals(e.getPath()) && "places-it".equals(e.getContainerId());
    }

    @Test
    void devAndDevShmAreWatchedWithContainerPaths() throws Exception {
        // runc mounts /dev/shm noexec (as containerd and Docker do): a script there is run by handing it to a shell
        run("f=$(mktemp -p /dev); printf '#!/bin/sh\\necho hi\\n' > /dev/shm/run.sh; chmod 755 /dev/shm/run.sh;"
                + " sh /dev/shm/run.sh; echo $f > /tmp/devfile; rm -f $f /dev/shm/run.sh");
        String devFile = new String(java.nio.file.Files.readAllBytes(sandbox.rootfs().resolve("tmp/devfile"))).strip();
        assertTrue(devFile.startsWith("/dev/tmp."), devFile);
        await("CREATE " + devFile, is(EventType.CREATE, devFile));
        await("DELETE " + devFile, is(EventType.DELETE, devFile));
        FileEvent create = await("CREATE /dev/shm/run.sh", is(EventType.CREATE, "/dev/shm/run.sh"));
        // the shell runs busybox applets in its own process: /proc may show the applet it runs by the time it is read
        assertTrue(List.of("sh", "rm", "chmod", "busybox", "exe").contains(create.getProcessName()), create.getProcessName());
        FileEvent chmod = await("CHMOD /dev/shm/run.sh", is(EventType.CHMOD, "/dev/shm/run.sh"));
        assertEquals(0755, chmod.getMode());
        FileEvent read = await("OPEN_READ /dev/shm/run.sh", is(EventType.OPEN_READ, "/dev/shm/run.sh"));
        assertTrue(List.of("sh", "busybox").contains(read.getProcessName()), read.getProcessName());
        assertTrue(events.stream().noneMatch(e -> e.getPath().startsWith("/proc/")), "host access paths leaked");
    }

    @Test
    void opensWithoutReadsAreReportedAndWriteOpensAreTold() throws Exception {
        // held open without a read, then closed: an open, not a read
        run("exec 3</etc/shadow; sleep 0.6; exec 3<&-");
        FileEvent open = await("OPEN_READ /etc/shadow", is(EventType.OPEN_READ, "/etc/shadow"));
        assertEquals("sh", open.getProcessName());
        // opened for writing and held without a write: settled from fdinfo
        run("touch /tmp/w; exec 4>>/tmp/w; sleep 0.6; exec 4>&-");
        await("OPEN_WRITE /tmp/w", is(EventType.OPEN_WRITE, "/tmp/w"));
        // an append with a write: a MODIFY, never an OPEN_READ
        run("echo x >> /tmp/w2");
        await("MODIFY /tmp/w2", is(EventType.MODIFY, "/tmp/w2"));
        Thread.sleep(500);
        assertTrue(events.stream().noneMatch(is(EventType.OPEN_READ, "/tmp/w2")), "a write reported as a read");
    }

    @Test
    void aFileGoneAtOnceStillTellsItsMode() throws Exception {
        for (int i = 0; i < 5; i++) {
            String f = "/tmp/race" + i;
            // busybox runs touch, chmod and rm in the shell's own process: microseconds apart
            run("touch " + f + "; chmod u+s " + f + "; rm " + f);
            FileEvent e = await("setuid on " + f, x -> f.equals(x.getPath()) && x.getMode() != null
                    && (x.getMode() & 04000) != 0 && (x.getType() == EventType.CHMOD || x.getType() == EventType.CREATE));
            assertTrue(e.getPreviousMode() == null || (e.getPreviousMode() & 04000) == 0);
            String g = "/tmp/drift" + i;
            run("umask 022; touch " + g + "; chmod 0755 " + g + "; rm " + g);
            await("exec bits on " + g, x -> g.equals(x.getPath()) && x.getMode() != null && (x.getMode() & 0111) != 0
                    && (x.getType() == EventType.CHMOD || x.getType() == EventType.CREATE));
        }
    }

    @Test
    void aHardLinkNamesTheFileItLinksTo() throws Exception {
        run("mkdir /tmp/hl; ln /etc/shadow /tmp/hl/shadow_link; cat /tmp/hl/shadow_link > /dev/null; rm -rf /tmp/hl");
        FileEvent link = await("LINK /tmp/hl/shadow_link", is(EventType.LINK, "/tmp/hl/shadow_link"));
        assertEquals("/etc/shadow", link.getNewPath());
    }

    /**
     * A program over within a millisecond of its exec ({@code find} on an empty directory) is named by what /proc
     * showed: after the exec, its own name and command line; at the exec event, the process the exec found (the
     * forked shell, whose command line is the script); gone before either, the file it executed and nothing more.
     * Which of these a run gets is a race this sensor cannot win every time (src/sensors.md); what is checked is that
     * no EXEC ever carries another program's command line under find's name. The rate is printed.
     */
    @Test
    void aShortLivedProgramIsNeverGivenAnotherCommandLine() throws Exception {
        int named = 0;
        for (int i = 0; i < 5; i++) {
            String dir = "/tmp/empty" + i;
            String command = "/bin/find " + dir + " -maxdepth 1 -iname id_rsa";
            run("mkdir " + dir + "; " + command + "; sleep 0.2");
            Thread.sleep(300);
            for (FileEvent e : events) {
                if (e.getType() == EventType.EXEC && "find".equals(e.getProcessName()) && e.getCmdline() != null
                        && e.getCmdline().contains(dir)) {
                    assertEquals(command, e.getCmdline());
                }
            }
            if (events.stream().anyMatch(e -> e.getType() == EventType.EXEC && e.getCmdline() != null
                    && e.getCmdline().contains(command))) {
                named++;
            }
        }
        System.out.println("short-lived find: its command named by an EXEC in " + named + " of 5 runs");
    }

    @Test
    void aSymlinkCarriesItsTarget() throws Exception {
        run("mkdir /tmp/sl; ln -s /etc /tmp/sl/etc_link; ls /tmp/sl/etc_link > /dev/null; rm -rf /tmp/sl");
        FileEvent link = await("SYMLINK /tmp/sl/etc_link", is(EventType.SYMLINK, "/tmp/sl/etc_link"));
        assertEquals("/etc", link.getNewPath());
    }
}
