package io.driftwatch.agent.fanotify;

import static io.driftwatch.agent.fanotify.FanotifySensorTmpfsIT.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sensor on a container root that is an overlayfs mount laid out as containerd and Docker do: an
 * "image" as the lower layer, upper and work directories on a tmpfs of their own (so the filesystem mark
 * sees only this test), the merged mount as the container's rootfs. Changes are made through the merged
 * path by host processes; each step asserts what the container is reported as doing, and prints what the
 * kernel really reported (a second fanotify group on the upper and lower filesystems, with
 * MOVED_FROM/MOVED_TO/DELETE_SELF/MOVE_SELF too) next to what the sensor made of it. Needs root.
 */
class OverlaySensorIT {
    @TempDir
    Path tmp;
    Path merged;
    Path ovl;
    FanotifySensor sensor;
    Fanotify tap;
    Thread tapThread;
    volatile boolean tapping = true;
    final List<String> raw = new CopyOnWriteArrayList<>();
    final List<FileEvent> events = new CopyOnWriteArrayList<>();
    final SensorCounters counters = new SensorCounters();

    @BeforeEach
    void mount() throws Exception {
        Path lower = tmp.resolve("lower");
        ovl = tmp.resolve("ovl");
        merged = tmp.resolve("rootfs");
        Files.createDirectories(lower);
        Files.createDirectories(ovl);
        Files.createDirectories(merged);
        sh("mount -t tmpfs -o size=64m tmpfs " + lower);
        String l = lower.toString();
        sh("mkdir -p " + l + "/usr/bin " + l + "/etc " + l + "/root " + l + "/opt/app/lib " + l + "/var/log"
                + " && echo 'root:x:0:0::/root:/bin/sh' > " + l + "/etc/passwd && echo '127.0.0.1 localhost' > " + l
                + "/etc/hosts && echo motd > " + l + "/etc/motd && cp /bin/busybox " + l + "/usr/bin/tool && chmod 755 " + l
                + "/usr/bin/tool && echo ls > " + l + "/root/.ash_history && echo a > " + l + "/opt/app/a && echo b > " + l
                + "/opt/app/lib/b && : > " + l + "/etc/empty && cp /bin/busybox " + l + "/usr/bin/lowertool && echo 'root:x:0:'"
                + " > " + l + "/etc/group && echo 'root:*:1::::::' > " + l + "/etc/shadow");
        sh("mount -t tmpfs -o size=64m tmpfs " + ovl + " && mkdir " + ovl + "/upper " + ovl + "/work");
        sh("mount -t overlay overlay -o lowerdir=" + l + ",upperdir=" + ovl + "/upper,workdir=" + ovl + "/work " + merged);
        sh("grep " + merged + " /proc/self/mountinfo >&2");
        tap = new Fanotify(LibC.FAN_CREATE | LibC.FAN_DELETE | LibC.FAN_RENAME | LibC.FAN_MODIFY | LibC.FAN_CLOSE_WRITE
                | LibC.FAN_ATTRIB | LibC.FAN_ONDIR | LibC.FAN_MOVED_FROM | LibC.FAN_MOVED_TO | LibC.FAN_DELETE_SELF
                | LibC.FAN_MOVE_SELF | LibC.FAN_ACCESS | LibC.FAN_OPEN_EXEC, true);
        tap.watch(ovl.resolve("upper"));
        tap.watch(lower);
        tapThread = new Thread(() -> {
            while (tapping) {
                try {
                    tap.poll(50, ev -> raw.add(describe(ev)));
                } catch (Exception e) {
                    raw.add("tap: " + e);
                }
            }
        });
        tapThread.start();
        ContainerInfo c = new ContainerInfo("c-ovl", "test", merged, null, System.currentTimeMillis(), null, null, null,
                null, null, null, Map.of(), false);
        sensor = new FanotifySensor(FanotifySensor.Config.defaults("node-1"), e -> events.add(e), counters).start();
        sensor.watch(c);
    }

    private String describe(RawEvent ev) {
        List<String> bits = new ArrayList<>();
        String[] names = {"ACCESS", "MODIFY", "ATTRIB", "CLOSE_WRITE", "CLOSE_NOWRITE", "OPEN", "MOVED_FROM", "MOVED_TO",
            "CREATE", "DELETE", "DELETE_SELF", "MOVE_SELF", "OPEN_EXEC"};
        for (int i = 0; i < names.length; i++) {
            if ((ev.mask() & (1L << i)) != 0) {
                bits.add(names[i]);
            }
        }
        if (ev.has(LibC.FAN_RENAME)) {
            bits.add("RENAME");
        }
        if (ev.has(LibC.FAN_ONDIR)) {
            bits.add("ONDIR");
        }
        String where = ev.dir() == null ? "-" : rel(tap.directory(ev.dir())) + "/" + ev.dir().name();
        String to = ev.newDir() == null ? "" : " -> " + rel(tap.directory(ev.newDir())) + "/" + ev.newDir().name();
        String target = ev.target() == null ? "" : " fid=" + HexFormat.of().formatHex(ev.target().handle());
        return String.join("|", bits) + " " + where + to + target + " pid=" + ev.pid();
    }

    private String rel(String p) {
        return p == null ? "?" : p.replace(ovl.toString(), "").replace(tmp.toString(), "");
    }

    @AfterEach
    void unmount() throws Exception {
        tapping = false;
        if (tapThread != null) {
            tapThread.join(2_000);
        }
        if (tap != null) {
            tap.close();
        }
        if (sensor != null) {
            sensor.close();
        }
        sh("umount " + merged + "; umount " + ovl + "; umount " + tmp.resolve("lower"));
    }

    /** Runs {@code command} ('@' is the merged root), waits for the sensor, prints what the kernel and the sensor said. */
    List<String> step(String label, String command) throws Exception {
        int e0 = events.size();
        sh(command.replace("@", merged.toString()));
        long quiet = System.currentTimeMillis();
        long seen = counters.kernelEvents.get();
        long deadline = quiet + 3_000;
        while (System.currentTimeMillis() - quiet < 250 && System.currentTimeMillis() < deadline) {
            Thread.sleep(25);
            if (counters.kernelEvents.get() != seen) {
                seen = counters.kernelEvents.get();
                quiet = System.currentTimeMillis();
            }
        }
        Thread.sleep(50);
        List<FileEvent> stepEvents = List.copyOf(events.subList(e0, events.size()));
        StringBuilder b = new StringBuilder("=== " + label + ": " + command + "\n");
        List<String> kernel = List.copyOf(raw);
        raw.removeAll(kernel);
        for (String r : kernel) {
            b.append("  kernel: ").append(r).append('\n');
        }
        List<String> reported = new ArrayList<>();
        for (FileEvent e : stepEvents) {
            reported.add(e.getType() + " " + e.getPath() + (e.getNewPath() == null ? "" : " -> " + e.getNewPath()));
            b.append("  sensor: ").append(reported.get(reported.size() - 1))
                    .append(e.getMode() == null ? "" : " mode=" + Integer.toOctalString(e.getMode()))
                    .append(e.getPreviousMode() == null ? "" : " prev=" + Integer.toOctalString(e.getPreviousMode()))
                    .append(" pid=").append(e.getPid()).append('\n');
        }
        b.append("  counters: ").append(counters).append('\n');
        System.out.print(b);
        return reported;
    }

    FileEvent last(EventType type, String path) {
        return events.stream().filter(e -> e.getType() == type && e.getPath().equals(path)).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no " + type + " " + path + " in " + events));
    }

    @Test
    void reportsWhatTheContainerDidNotOverlayInternals() throws Exception {
        assertEquals(List.of("MODIFY /etc/passwd"),
                step("modify an image file (copy-up)", "echo 'evil:x:0:0::/:/bin/sh' >> @/etc/passwd"));
        assertEquals(List.of("CHMOD /usr/bin/tool"),
                step("chmod an image file (copy-up, then chmod)", "chmod u+s @/usr/bin/tool"));
        FileEvent chmod = last(EventType.CHMOD, "/usr/bin/tool");
        assertEquals(04755, chmod.getMode());
        assertEquals(0755, chmod.getPreviousMode()); // from the baseline scan of the merged root
        assertEquals(List.of("CHOWN /etc/group"), step("chown an image file", "chown 1:1 @/etc/group"));
        assertEquals(List.of("DELETE /root/.ash_history"),
                step("delete an image file (whiteout)", "rm @/root/.ash_history"));
        assertEquals(List.of("MKDIR /data"), step("mkdir", "mkdir @/data"));
        assertEquals(List.of("CREATE /data/new", "MODIFY /data/new"), step("create a file", "echo hi > @/data/new"));
        assertEquals(0644, last(EventType.CREATE, "/data/new").getMode());
        assertEquals(List.of("RENAME /data/new -> /data/renamed"),
                step("rename a file of upper/", "mv @/data/new @/data/renamed"));
        assertEquals(List.of("DELETE /data/renamed"), step("delete a file of upper/ only", "rm @/data/renamed"));
        assertEquals(List.of("DELETE /etc/hosts"), step("delete another image file", "rm @/etc/hosts"));
        assertEquals(List.of("CREATE /etc/hosts", "MODIFY /etc/hosts"),
                step("create over a whiteout", "echo '10.0.0.1 evil' > @/etc/hosts"));
        assertEquals(0644, last(EventType.CREATE, "/etc/hosts").getMode());
        assertEquals(List.of("RENAME /etc/motd -> /etc/motd.bak"),
                step("rename an image file (copy-up, RENAME_WHITEOUT)", "mv @/etc/motd @/etc/motd.bak"));
        List<String> rmr = step("rm -r an image directory (opaque directories, exchanges)", "rm -r @/opt/app");
        assertEquals(List.of("DELETE /opt/app/a", "DELETE /opt/app/lib/b", "RMDIR /opt/app", "RMDIR /opt/app/lib"),
                rmr.stream().sorted().toList()); // in readdir order
        assertEquals("RMDIR /opt/app", rmr.get(rmr.size() - 1));
        assertTrue(rmr.indexOf("DELETE /opt/app/lib/b") < rmr.indexOf("RMDIR /opt/app/lib"), rmr.toString());
        assertEquals(List.of("DELETE /etc/passwd"), step("delete a copied-up file", "rm @/etc/passwd"));
        assertEquals(List.of("MKDIR /opt/app"), step("mkdir over a whiteout (exchange)", "mkdir @/opt/app"));
        assertEquals(List.of("CREATE /opt/app/a"), step("create in the opaque directory", ": > @/opt/app/a"));
        assertEquals(List.of("CHMOD /etc/empty"), step("chmod an empty image file", "chmod 600 @/etc/empty"));
        assertEquals(0644, last(EventType.CHMOD, "/etc/empty").getPreviousMode());
        assertEquals(List.of("LINK /etc/group2 -> /etc/group"), step("hard link to an image file", "ln @/etc/group @/etc/group2"));
        assertEquals(List.of("DELETE /etc/motd.bak", "SYMLINK /etc/motd -> /x"),
                step("symlink where a renamed image file was", "rm @/etc/motd.bak; ln -s /x @/etc/motd"));
        // Reads and executions: seen on files of upper/ only. Image files are opened in the lower layer,
        // a filesystem the sensor does not mark (and layers are shared between containers).
        assertEquals(List.of("OPEN_READ /etc/hosts"), step("read files", "cat @/etc/hosts @/etc/shadow >/dev/null"));
        assertEquals(List.of(), step("exec an image binary", "@/usr/bin/lowertool true || true"));
        assertEquals(List.of("EXEC /usr/bin/tool"), step("exec a copied-up binary", "@/usr/bin/tool true || true"));

        System.out.println(counters);
        for (FileEvent e : events) {
            assertEquals("c-ovl", e.getContainerId());
            assertTrue(e.getPid() != null && e.getPid() > 0, e.toString());
            for (String p : new String[] {e.getPath(), e.getNewPath()}) {
                assertFalse(p != null && (p.contains("upper") || p.contains("work") || p.contains("#")), p);
            }
        }
        assertTrue(counters.overlayInternal.get() >= 40, counters.toString());
        assertEquals(0, counters.unresolved.get(), counters.toString());
        assertEquals(0, counters.outsideContainers.get(), counters.toString());
    }
}
