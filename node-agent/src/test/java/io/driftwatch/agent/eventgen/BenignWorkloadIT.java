package io.driftwatch.agent.eventgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.eventgen.SharedStack.Received;
import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other side of {@link EventGeneratorIT}, on the same stack: what a container legitimately does must raise no
 * alert. In a runc busybox-static container watched by the node agent:
 * <ul>
 *   <li><b>a package install</b>: a process named {@code apk} (its exe /sbin/apk, a copy of busybox, as apk-tools is a
 *       program of its own; {@code apk} is a package manager in rules-drl's classify/processes.drl) unpacks a
 *       package into /usr/bin and /usr/lib (a binary, a library and its symlink, a doc file) and rewrites its database
 *       /lib/apk/db/installed through installed.new and a rename, as apk does;</li>
 *   <li><b>log rotation</b>: a process named {@code logrotate} reads its configuration, drops the oldest log, renames
 *       app.log.1 to app.log.2 and app.log to app.log.1, creates a new app.log, compresses app.log.2, and rotates
 *       other.log in copytruncate mode (copy, then truncate);</li>
 *   <li><b>a cron run</b>: a process named {@code crond} logs to /var/log/cron.log and runs its job as cron does,
 *       {@code /bin/sh -c "date >> /var/log/cron-job.log"};</li>
 *   <li><b>an admin session</b>: a login shell (it reads /etc/profile and ~/.profile) that lists /, reads
 *       /etc/hostname and /etc/os-release, runs id, looks at the logs, and writes and then edits a note in /tmp with
 *       {@code ed} (busybox's vi needs a terminal, which runc exec here has not).</li>
 * </ul>
 * The named processes are each one exec of their program ({@code exec -a busybox /sbin/apk tar ...}: the kernel names
 * the process after the file, busybox runs the applet in that process), so every file operation is theirs. After
 * {@value EventGeneratorIT#BOUND_MS} ms of quiet it asserts that the audit trail shows the workload (so that no alert
 * is not merely nothing seen) and that no alert came for the container, printing any that did.
 */
@ExtendWith(SharedStack.Extension.class)
class BenignWorkloadIT {
    static final String NODE = "benign-node";

    @TempDir
    Path tmp;

    @Test
    void aPackageInstallLogRotationACronRunAndAnAdminSessionRaiseNoAlert(SharedStack stack) throws Exception {
        RuncSandbox.requirePrerequisites(Path.of("/bin/busybox"));
        long began = System.nanoTime();
        Path staging = tmp.resolve("package");
        String id = "benign-" + Long.toString(System.currentTimeMillis(), 36);
        List<Received<Alert>> alerts;
        List<EnrichedEvent> trail;
        try (WatchedContainer container = WatchedContainer.start(stack, tmp.resolve("container"), id, NODE,
                RuncSandbox.Options.defaults(), rootfs -> image(rootfs, staging))) {
            System.out.printf("benign: container %s watched after %.1f s%n", id, (System.nanoTime() - began) / 1e9);
            long start = System.currentTimeMillis();
            run(container, "package install (apk)", """
                    apk() { (exec -a busybox /sbin/apk "$@"); }
                    apk tar -xf /var/cache/apk/hello-1.0-r0.tar -C /
                    apk sh -c 'while IFS= read -r l; do printf "%s\\n" "$l"; done < /lib/apk/db/installed > /lib/apk/db/installed.new
                      printf "P:hello\\nV:1.0-r0\\nF:usr/bin\\nR:hello\\nF:usr/lib\\nR:libhello.so.1\\nR:libhello.so\\n\\n" >> /lib/apk/db/installed.new'
                    apk mv /lib/apk/db/installed.new /lib/apk/db/installed
                    /usr/bin/hello
                    """);
            run(container, "log rotation (logrotate)", """
                    lr() { (exec -a busybox /usr/sbin/logrotate "$@"); }
                    lr cat /etc/logrotate.conf > /dev/null
                    lr rm -f /var/log/app.log.2.gz
                    lr mv /var/log/app.log.1 /var/log/app.log.2
                    lr mv /var/log/app.log /var/log/app.log.1
                    lr touch /var/log/app.log
                    lr gzip /var/log/app.log.2
                    lr cp /var/log/other.log /var/log/other.log.1
                    lr truncate -s 0 /var/log/other.log
                    """);
            run(container, "cron run (crond)", """
                    exec -a busybox /usr/sbin/crond sh -c 'echo "crond: USER root pid $$ cmd date >> /var/log/cron-job.log" >> /var/log/cron.log
                      /bin/sh -c "date >> /var/log/cron-job.log"'
                    """);
            run(container, "admin session (sh -l)", """
                    exec sh -l -c '
                    ls -la / > /dev/null
                    cat /etc/hostname
                    cat /etc/os-release > /dev/null
                    id
                    ls -l /var/log > /dev/null
                    tail -n 3 /var/log/app.log.1 > /dev/null
                    printf "a\\nremember: rotate app logs weekly\\n.\\nw /tmp/notes.txt\\nq\\n" | ed > /dev/null
                    printf "\\$a\\nchecked the cron job\\n.\\nw\\nq\\n" | ed /tmp/notes.txt > /dev/null
                    cat /tmp/notes.txt
                    df -h / > /dev/null
                    '
                    """);
            long performed = System.currentTimeMillis();
            System.out.printf("benign: workload done in %d ms; waiting %d ms for alerts%n", performed - start,
                    EventGeneratorIT.BOUND_MS);
            Thread.sleep(EventGeneratorIT.BOUND_MS);
            alerts = stack.alerts(id);
            trail = stack.events(id);
            System.out.println("agent: " + container.agent().status());
        }

        Map<String, Integer> byProcess = new TreeMap<>();
        for (EnrichedEvent e : trail) {
            FileEvent f = e.getEvent();
            byProcess.merge(f.getProcessName() + " " + f.getType(), 1, Integer::sum);
        }
        System.out.printf("benign: %d events in the audit trail for the container: %s%n", trail.size(), byProcess);
        Set<String> distinct = new TreeSet<>();
        for (EnrichedEvent e : trail) {
            FileEvent f = e.getEvent();
            distinct.add(String.format("%s %s%s by %s (%s)", f.getType(), f.getPath(),
                    f.getNewPath() == null ? "" : " -> " + f.getNewPath(), f.getProcessName(), f.getProcessInfo()));
        }
        distinct.forEach(l -> System.out.println("benign:   " + l));
        List<String> unseen = new ArrayList<>();
        expect(trail, unseen, "CREATE /usr/bin/hello", f -> f.getType() == EventType.CREATE && "/usr/bin/hello".equals(f.getPath()));
        expect(trail, unseen, "RENAME /lib/apk/db/installed.new -> installed", f -> f.getType() == EventType.RENAME
                && "/lib/apk/db/installed.new".equals(f.getPath()));
        expect(trail, unseen, "RENAME /var/log/app.log -> app.log.1", f -> f.getType() == EventType.RENAME
                && "/var/log/app.log".equals(f.getPath()));
        expect(trail, unseen, "TRUNCATE /var/log/other.log", f -> f.getType() == EventType.TRUNCATE
                && "/var/log/other.log".equals(f.getPath()));
        expect(trail, unseen, "an event for /var/log/cron-job.log", f -> "/var/log/cron-job.log".equals(f.getPath()));
        expect(trail, unseen, "an event for /tmp/notes.txt", f -> "/tmp/notes.txt".equals(f.getPath()));
        for (Received<Alert> r : alerts) {
            Alert a = r.value();
            System.out.printf("benign: ALERT %s [%s] %s by %s: %s%n", a.getRuleId(), String.join(",", a.getMitre()),
                    a.getPath(), a.getProcessName(), a.getMessage());
        }
        System.out.printf("benign: %d alerts for the container; whole test %.1f s%n", alerts.size(),
                (System.nanoTime() - began) / 1e9);
        assertTrue(unseen.isEmpty(), "the audit trail lacks " + unseen + ": the workload was not seen, so no alert proves"
                + " nothing");
        assertEquals(List.of(), alerts.stream().map(r -> r.value().getRuleId() + " " + r.value().getPath() + " by "
                + r.value().getProcessName()).toList(), "a benign workload raised alerts");
    }

    private static void run(WatchedContainer container, String what, String script) {
        long t0 = System.currentTimeMillis();
        RuncSandbox.ExecResult r = container.sh(script);
        System.out.printf("benign: %-28s exit %d in %d ms%s%n", what, r.exitCode(), System.currentTimeMillis() - t0,
                r.stderr().isBlank() ? "" : " (stderr: " + r.stderr().strip().replace('\n', ' ') + ")");
        assertEquals(0, r.exitCode(), what + " failed: " + r.stdout() + r.stderr());
    }

    private static void expect(List<EnrichedEvent> trail, List<String> unseen, String what, Predicate<FileEvent> test) {
        if (trail.stream().map(EnrichedEvent::getEvent).noneMatch(test)) {
            unseen.add(what);
        }
    }

    /**
     * The image: the programs (apk, logrotate, crond as copies of busybox in system directories), a package to install
     * and apk's database, logs to rotate, logrotate's and cron's configuration, and a login shell's profile files.
     */
    static void image(Path rootfs, Path staging) throws IOException {
        WatchedContainer.busyboxCopy(rootfs, "/sbin/apk");
        WatchedContainer.busyboxCopy(rootfs, "/usr/sbin/logrotate");
        WatchedContainer.busyboxCopy(rootfs, "/usr/sbin/crond");

        WatchedContainer.write(staging, "/usr/bin/hello", "#!/bin/sh\necho hello\n", "rwxr-xr-x");
        WatchedContainer.write(staging, "/usr/lib/libhello.so.1", "\u007fELF not really a library\n", "rwxr-xr-x");
        WatchedContainer.symlink(staging, "/usr/lib/libhello.so", "libhello.so.1");
        WatchedContainer.write(staging, "/usr/share/doc/hello/README", "hello, the friendly greeter\n", "rw-r--r--");
        WatchedContainer.directory(rootfs, "/var/cache/apk");
        Process tar = new ProcessBuilder("/bin/busybox", "tar", "-C", staging.toString(), "-cf",
                rootfs.resolve("var/cache/apk/hello-1.0-r0.tar").toString(), "usr").redirectErrorStream(true).start();
        try {
            String out = new String(tar.getInputStream().readAllBytes());
            if (tar.waitFor() != 0) {
                throw new IOException("building the package failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the package", e);
        }
        WatchedContainer.write(rootfs, "/lib/apk/db/installed", "P:busybox\nV:1.35.0-r0\nF:bin\nR:busybox\n\n", "rw-r--r--");

        WatchedContainer.write(rootfs, "/etc/logrotate.conf", "/var/log/app.log {\n  rotate 2\n  compress\n}\n"
                + "/var/log/other.log {\n  copytruncate\n}\n", "rw-r--r--");
        WatchedContainer.write(rootfs, "/var/log/app.log", "GET / 200\nGET /health 200\n", "rw-r--r--");
        WatchedContainer.write(rootfs, "/var/log/app.log.1", "GET / 200\n", "rw-r--r--");
        WatchedContainer.write(rootfs, "/var/log/app.log.2.gz", "old", "rw-r--r--");
        WatchedContainer.write(rootfs, "/var/log/other.log", "worker started\nworker idle\n", "rw-r--r--");
        WatchedContainer.write(rootfs, "/etc/crontabs/root", "*/15 * * * * date >> /var/log/cron-job.log\n", "rw-------");

        WatchedContainer.write(rootfs, "/etc/profile", "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\nexport PAGER=less\n"
                + "umask 022\n", "rw-r--r--");
        WatchedContainer.write(rootfs, "/root/.profile", "export PS1='\\h:\\w\\$ '\nalias ll='ls -l'\n", "rw-r--r--");
        WatchedContainer.write(rootfs, "/etc/hostname", "benign\n", "rw-r--r--");
        WatchedContainer.write(rootfs, "/etc/os-release", "NAME=\"BusyBox\"\nID=busybox\nVERSION_ID=1.35.0\n", "rw-r--r--");
        Files.createDirectories(rootfs.resolve("tmp"));
    }
}
