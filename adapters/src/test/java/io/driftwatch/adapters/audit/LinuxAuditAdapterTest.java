package io.driftwatch.adapters.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit adapter over logs recorded on a real kernel: auditd 3.0.9 (ENRICHED, its default, and RAW) while a
 * shell in a runc busybox container changed files (src/test/resources/adapters/audit/record-runc-busybox.sh; the
 * watch was {@code auditctl -w /tmp/rt1/bundle/rootfs -p wax -k dw-dwaudit-rt1} plus a read watch on the
 * container's /etc/shadow with key {@code dw-dwaudit-rt1-secrets}).
 */
class LinuxAuditAdapterTest {
    static final Path DIR = Path.of("src/test/resources/adapters/audit");
    static final Path ENRICHED = DIR.resolve("runc-busybox.log");
    static final Path RAW = DIR.resolve("runc-busybox-raw.log");
    /** record-runc-busybox.sh's logs session (ENRICHED): logs emptied in the container. */
    static final Path LOGS = DIR.resolve("runc-busybox-logs.log");

    @TempDir
    Path tmp;

    /** Everything an adapter run gave. */
    static final class Collected implements LinuxAuditAdapter.Output {
        final List<FileEvent> events = new ArrayList<>();
        final List<String> malformed = new ArrayList<>();
        final List<String> malformedText = new ArrayList<>();

        @Override
        public void event(FileEvent event) {
            events.add(event);
        }

        @Override
        public void malformed(long line, String text, MalformedAuditException reason) {
            malformed.add(line + ": " + reason.getMessage());
            malformedText.add(text);
        }
    }

    static LinuxAuditAdapter run(AuditContainerMap map, List<String> lines, Collected out) throws Exception {
        LinuxAuditAdapter adapter = new LinuxAuditAdapter(map, "node-a", out);
        for (int i = 0; i < lines.size(); i++) {
            adapter.line(i + 1, lines.get(i));
        }
        adapter.finish();
        return adapter;
    }

    static AuditContainerMap rt1(String name) {
        return AuditContainerMap.empty().add("dw-dwaudit-" + name + "*=" + name)
                .add("/tmp/" + name + "/bundle/rootfs=" + name);
    }

    private static List<String> summary(List<FileEvent> events) {
        return events.stream().map(e -> e.getType() + " " + e.getPath()
                + (e.getNewPath() == null ? "" : " -> " + e.getNewPath())).toList();
    }

    static final List<String> EXPECTED = List.of(
            "CREATE /etc/shadow",                 // from the host, into the container's root: by --audit-rootfs
            "EXEC /bin/sh",                       // runc exec sh -c '...'
            "CREATE /tmp/note.txt",
            "CREATE /usr/bin/tool",
            "TRUNCATE /usr/bin/tool",             // cp over it (O_WRONLY|O_CREAT|O_TRUNC of an existing file)
            "CHMOD /usr/bin/tool",
            "DELETE /tmp/note.txt",
            "CREATE /tmp/a.txt",
            "RENAME /tmp/a.txt -> /tmp/b.txt",
            "CREATE /tmp/c.txt",
            "RENAME /tmp/c.txt -> /tmp/b.txt",    // over an existing file: DELETE, DELETE, CREATE items
            "MKDIR /tmp/newdir",
            "RMDIR /tmp/newdir",
            "SYMLINK /tmp/symlink -> /bin/busybox",
            "LINK /tmp/hardlink -> /tmp/b.txt",
            // the chown without CAP_CHOWN failed (success=no): skipped
            "OPEN_WRITE /etc/passwd",             // echo ... >> /etc/passwd
            "EXEC /bin/busybox",                  // busybox sh runs cat as /proc/self/exe
            "OPEN_READ /etc/shadow",              // key dw-dwaudit-rt1-secrets, by the prefix
            "CREATE /tmp/rel.txt",                // cd /tmp && touch rel.txt: relative name, resolved against CWD
            "EXEC /bin/chown",                    // runc exec --cap CAP_CHOWN chown 1000:1000 /tmp/b.txt
            "CHOWN /tmp/b.txt",
            "EXEC /bin/sh",
            "CREATE /tmp/dropper",
            "CHMOD /tmp/dropper",
            "EXEC /tmp/dropper",                  // a script: the interpreter is the second PATH item
            "CREATE /tmp/whoami",
            "CHMOD /tmp/whoami",
            "EXEC /tmp/whoami");                  // a dropped binary, executed

    @Test
    void aRecordedRuncSessionGivesItsFileOperationsWithContainerPaths() throws Exception {
        Collected out = new Collected();
        LinuxAuditAdapter adapter = run(rt1("rt1"), Files.readAllLines(ENRICHED), out);
        assertEquals(List.of(), out.malformed);
        assertEquals(EXPECTED, summary(out.events));
        assertEquals(1, adapter.counts().failed, "the chown without CAP_CHOWN");
        assertEquals(2, adapter.counts().otherSyscalls, "auditctl's own sendto");
        assertEquals(0, adapter.counts().hostEvents);
        for (FileEvent e : out.events) {
            assertEquals("rt1", e.getContainerId());
            assertEquals("node-a", e.getNode());
            assertEquals("audit", e.getSource());
            assertNull(e.getLoginUid(), "auid unset (4294967295): nobody logged in");
            assertEquals(0L, e.getUid());
            assertTrue(e.getEventId().startsWith("audit-node-a-1795331600."), e.getEventId());
        }
        FileEvent fromHost = out.events.get(0);
        assertEquals("bash", fromHost.getProcessName());
        assertEquals("/usr/bin/bash", fromHost.getExe());
        assertEquals(0644, fromHost.getMode());

        FileEvent shell = out.events.get(1);
        assertEquals(22419, shell.getPid(), "host pids");
        assertEquals(22408, shell.getPpid());
        assertEquals("/bin/sh", shell.getExe(), "EXEC: exe is the file executed");
        // Byte-exact text: the script's newlines are written \x0a (FieldText), never raw.
        assertTrue(shell.getCmdline().startsWith("sh -c \\x0aecho hello > /tmp/note.txt\\x0a"), shell.getCmdline());

        FileEvent cp = out.events.get(4);
        assertEquals("cp", cp.getProcessName());
        assertEquals("/bin/busybox", cp.getExe());
        assertEquals(22425, cp.getPid());
        assertEquals(22419, cp.getPpid());
        assertTrue(cp.getCmdline().startsWith("sh -c \\x0aecho hello > /tmp/note.txt"), "PROCTITLE, NULs as spaces, "
                + "newlines as \\x0a: " + cp.getCmdline());
        assertTrue(io.driftwatch.schemas.text.FieldText.decodeKernelBytes(cp.getCmdline()).length <= 128,
                "the kernel logs 128 bytes of the process title");

        FileEvent setuid = out.events.get(5);
        assertEquals(04644, setuid.getMode(), "chmod u+s");
        assertEquals(0644, setuid.getPreviousMode(), "the PATH record's mode, before the change");
        assertEquals("chmod", setuid.getProcessName());

        FileEvent cat = out.events.get(16);
        assertEquals("exe", cat.getProcessName(), "comm after exec of /proc/self/exe");
        assertEquals("/bin/busybox", cat.getExe());
        assertEquals("cat /etc/shadow", cat.getCmdline(), "from the EXECVE record");
        assertEquals(cat.getPid(), out.events.get(17).getPid());
        assertEquals("cat", out.events.get(17).getProcessName());

        FileEvent dropper = out.events.get(24);
        assertEquals("/tmp/dropper", dropper.getExe());
        assertEquals("/bin/sh /tmp/dropper", dropper.getCmdline());
        assertEquals(0755, out.events.get(25).getMode(), "cp kept busybox's mode");
        FileEvent whoami = out.events.get(27);
        assertEquals("whoami", whoami.getProcessName());
        assertEquals(whoami.getPid(), out.events.get(21).getPid(), "the shell exec'd it in place");
    }

    static final String CLEAR_LOG_DIR = "/tmp/falco-event-generator-syscall-ClearLogActivities-rec";

    /** What the logs session gives (record-runc-busybox.sh record DIR enriched logs). */
    static final List<String> EXPECTED_LOGS = List.of(
            "CREATE /etc/shadow",                  // from the host, as in the files session
            "EXEC /bin/sh",                        // runc exec sh -c '...'
            "TRUNCATE /var/log/messages",          // : > (O_WRONLY|O_CREAT|O_TRUNC) of a log with content
            "TRUNCATE /var/log/wtmp",              // the same of an empty one: audit cannot tell, it was emptied
            "TRUNCATE /var/log/app/app.log",       // cp /dev/null over it
            "OPEN_WRITE /var/log/app/app.log",     // >> (O_APPEND): nothing emptied
            "MKDIR " + CLEAR_LOG_DIR,
            "CREATE " + CLEAR_LOG_DIR + "/syslog", // O_CREAT|O_TRUNC of a file that was not there: a new file
            "DELETE " + CLEAR_LOG_DIR + "/syslog",
            "RMDIR " + CLEAR_LOG_DIR,
            "CREATE /tmp/recorded-end");           // touch: the session's last event
    // echo > /dev/null leaves nothing: /dev is runc's own tmpfs, outside the watch.

    @Test
    void anOpenWithOTruncOfAnExistingFileIsATruncateAndOfANewFileACreate() throws Exception {
        Collected out = new Collected();
        LinuxAuditAdapter adapter = run(rt1("rt2"), Files.readAllLines(LOGS), out);
        assertEquals(List.of(), out.malformed);
        assertEquals(EXPECTED_LOGS, summary(out.events));
        assertEquals(2, adapter.counts().otherSyscalls, "auditctl's own sendto");
        FileEvent messages = out.events.get(2);
        assertEquals(EventType.TRUNCATE, messages.getType());
        assertEquals("sh", messages.getProcessName());
        assertEquals("/bin/busybox", messages.getExe());
        assertEquals("rt2", messages.getContainerId());
        assertTrue(messages.getCmdline().startsWith("sh -c \\x0a: > /var/log/messages\\x0a"), messages.getCmdline());
        assertNull(messages.getMode(), "a truncation changes no mode");
        FileEvent cp = out.events.get(4);
        assertEquals("cp", cp.getProcessName());
        FileEvent syslog = out.events.get(7);
        assertEquals(EventType.CREATE, syslog.getType());
        assertEquals(0644, syslog.getMode(), "the new file's mode, after the umask");
        assertEquals("sh", syslog.getProcessName());
    }

    @Test
    void oTruncOfADeviceIsNoTruncationAndOTruncOnlyCountsWhenTheOpenSucceeded() throws Exception {
        List<String> lines = List.of(
                // echo > /dev/null with /dev watched: O_WRONLY|O_CREAT|O_TRUNC of a character device
                syscall(1, 40, 257, "ffffff9c", "55d0c0", "241", 1, "sh", "/bin/busybox", "\"dw-c1\""),
                path(1, 40, 0, "\"/dev/null\"", "NORMAL", "020666"),
                proctitle(1, 40, "7368"),
                // truncate through open(2) with O_RDONLY|O_TRUNC: Linux empties the file all the same
                syscall(2, 41, 2, "55d0c8", "200", "0", 1, "python3", "/usr/bin/python3.12", "\"dw-c1\""),
                path(2, 41, 0, "\"/var/log/auth.log\"", "NORMAL", "0100640"),
                proctitle(2, 41, "707974686F6E33"),
                // O_TRUNC refused (success=no): the file did not change
                syscall(3, 42, 257, "ffffff9c", "55d0d0", "241", 1, "sh", "/bin/busybox", "\"dw-c1\"")
                        .replace("success=yes exit=0", "success=no exit=-13"),
                path(3, 42, 0, "\"/var/log/secure\"", "NORMAL", "0100600"),
                proctitle(3, 42, "7368"),
                // creat(2) of an existing file: O_CREAT|O_WRONLY|O_TRUNC
                syscall(4, 43, 85, "55d0e0", "1a4", "0", 1, "sh", "/bin/busybox", "\"dw-c1\""),
                path(4, 43, 0, "\"/var/log/btmp\"", "NORMAL", "0100600"),
                proctitle(4, 43, "7368"));
        Collected out = new Collected();
        LinuxAuditAdapter adapter = run(AuditContainerMap.empty().add("dw-c1=c1"), lines, out);
        assertEquals(List.of(), out.malformed);
        assertEquals(List.of("OPEN_WRITE /dev/null", "TRUNCATE /var/log/auth.log", "TRUNCATE /var/log/btmp"),
                summary(out.events));
        assertEquals(1, adapter.counts().failed);
    }

    @Test
    void rawAndEnrichedFormatsGiveTheSameEvents() throws Exception {
        Collected raw = new Collected();
        run(rt1("rt1-raw"), Files.readAllLines(RAW), raw);
        assertEquals(List.of(), raw.malformed);
        assertEquals(EXPECTED, summary(raw.events), "syscall numbers of x86_64 without SYSCALL= names");
        assertEquals(04644, raw.events.get(5).getMode());
        assertEquals("rt1-raw", raw.events.get(0).getContainerId());
    }

    @Test
    void withoutAMappingEverythingIsAHostEventWithHostPaths() throws Exception {
        Collected out = new Collected();
        LinuxAuditAdapter adapter = run(AuditContainerMap.empty(), Files.readAllLines(ENRICHED), out);
        assertEquals(28, out.events.size());
        assertTrue(out.events.stream().allMatch(e -> e.getContainerId().equals("host")));
        assertEquals("/tmp/rt1/bundle/rootfs/etc/shadow", out.events.get(0).getPath());
        assertEquals(28, adapter.counts().unmappedKeys);
        assertTrue(adapter.summary().contains("warning: 28 events had an audit key that maps to no container"),
                adapter.summary());

        // An exact key without the prefix: the read watch's key (dw-dwaudit-rt1-secrets) maps nowhere.
        Collected exact = new Collected();
        run(AuditContainerMap.empty().add("dw-dwaudit-rt1=rt1"), Files.readAllLines(ENRICHED), exact);
        List<String> hosts = exact.events.stream().filter(e -> e.getContainerId().equals("host"))
                .map(e -> e.getType() + " " + e.getPath()).toList();
        assertEquals(List.of("OPEN_READ /etc/shadow"), hosts);
    }

    private static final String SYSCALL = "type=SYSCALL msg=audit(1795400000.%03d:%d): arch=c000003e syscall=%d "
            + "success=yes exit=0 a0=%s a1=%s a2=%s a3=0 items=%d ppid=700 pid=701 auid=1000 uid=1000 gid=1000 "
            + "euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"%s\" exe=\"%s\" key=%s";

    private static String syscall(int ms, int serial, int number, String a0, String a1, String a2, int items,
                                  String comm, String exe, String key) {
        return String.format(SYSCALL, ms, serial, number, a0, a1, a2, items, comm, exe, key);
    }

    private static String path(int ms, int serial, int item, String name, String nametype, String mode) {
        return String.format("type=PATH msg=audit(1795400000.%03d:%d): item=%d name=%s inode=%d dev=00:27 mode=%s "
                + "ouid=0 ogid=0 rdev=00:00 nametype=%s cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
                ms, serial, item, name, 300 + item, mode, nametype);
    }

    private static String cwd(int ms, int serial, String dir) {
        return String.format("type=CWD msg=audit(1795400000.%03d:%d): cwd=\"%s\"", ms, serial, dir);
    }

    private static String proctitle(int ms, int serial, String hex) {
        return String.format("type=PROCTITLE msg=audit(1795400000.%03d:%d): proctitle=%s", ms, serial, hex);
    }

    @Test
    void syscallsTheRecordingDidNotMake() throws Exception {
        List<String> lines = List.of(
                // truncate("/var/log/app.log", 0) from /srv
                syscall(1, 10, 76, "55d0c0", "0", "0", 1, "truncate", "/usr/bin/truncate", "\"dw-c1\""),
                cwd(1, 10, "/srv"),
                path(1, 10, 0, "\"/var/log/app.log\"", "NORMAL", "0100640"),
                proctitle(1, 10, "7472756E63617465002D730030002F7661722F6C6F672F6170702E6C6F67"),
                // rm -r: unlinkat(AT_FDCWD, "logs", AT_REMOVEDIR) relative to /srv
                syscall(2, 11, 263, "ffffff9c", "55d0c8", "200", 2, "rm", "/usr/bin/rm", "\"dw-c1\""),
                cwd(2, 11, "/srv"),
                path(2, 11, 0, "\"/srv\"", "PARENT", "040755"),
                path(2, 11, 1, "\"logs\"", "DELETE", "040755"),
                proctitle(2, 11, "726D002D72006C6F6773"),
                // openat2 with its OPENAT2 record (O_WRONLY|O_APPEND, octal 02001), a name with a space (hex-encoded)
                syscall(3, 12, 437, "ffffff9c", "55d0d0", "7ffc10", 1, "python3", "/usr/bin/python3.12", "\"dw-c1\""),
                "type=OPENAT2 msg=audit(1795400000.003:12): oflag=02001 mode=00 resolve=0x0",
                cwd(3, 12, "/"),
                path(3, 12, 0, "2F6574632F6D7920636F6E66", "NORMAL", "0100644"),
                proctitle(3, 12, "707974686F6E33"),
                // execve of a long argument, logged in pieces; two keys (hex, separated by 0x01); a node= prefix
                "node=web-1 " + syscall(4, 13, 59, "55d0e0", "55d0f0", "55d100", 1, "curl", "/usr/bin/curl",
                        "64772D633101737573706963696F7573"),
                "node=web-1 type=EXECVE msg=audit(1795400000.004:13): argc=2 a0=\"curl\" a1_len=12 a1[0]=\"http://\" a1[1]=\"x.io/\"",
                "node=web-1 " + cwd(4, 13, "/"),
                "node=web-1 " + path(4, 13, 0, "\"/usr/bin/curl\"", "NORMAL", "0100755"),
                "node=web-1 " + proctitle(4, 13, "6375726C"),
                // aarch64, RAW: fchmodat(AT_FDCWD, "bin/tool", 04755) and mkdirat(AT_FDCWD, "d", 0700)
                "type=SYSCALL msg=audit(1795400000.005:14): arch=c00000b7 syscall=53 success=yes exit=0 a0=ffffffffffffff9c "
                        + "a1=aaaad0 a2=9ed a3=0 items=1 ppid=1 pid=42 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
                        + "egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"chmod\" exe=\"/bin/chmod\" key=\"dw-c1\"",
                cwd(5, 14, "/opt"),
                path(5, 14, 0, "\"bin/tool\"", "NORMAL", "0100755"),
                proctitle(5, 14, "63686D6F64"),
                // interleaved: event 15's PATH arrives after event 16 began; 15 completes with its PROCTITLE
                syscall(6, 15, 83, "55d100", "1c0", "0", 2, "mkdir", "/bin/mkdir", "\"dw-c1\""),
                syscall(6, 16, 87, "55d108", "0", "0", 2, "rm", "/bin/rm", "\"dw-c1\""),
                cwd(6, 15, "/"),
                path(6, 15, 0, "\"/data/\"", "PARENT", "040755"),
                path(6, 15, 1, "\"/data/new\"", "CREATE", "040700"),
                proctitle(6, 15, "6D6B646972"),
                cwd(6, 16, "/"),
                path(6, 16, 1, "\"/data/old\"", "DELETE", "0100644"),
                proctitle(6, 16, "726D"),
                // a syscall on an fd the watch matched by inode: no name
                syscall(7, 17, 91, "3", "1ed", "0", 1, "chmod", "/bin/chmod", "\"dw-c1\""),
                path(7, 17, 0, "(null)", "NORMAL", "0100644"),
                proctitle(7, 17, "63686D6F64"),
                // a login record: not a syscall event
                "type=USER_LOGIN msg=audit(1795400000.008:18): pid=900 uid=0 auid=1000 ses=3 msg='op=login id=1000 "
                        + "exe=\"/usr/sbin/sshd\" hostname=? addr=10.0.0.5 terminal=/dev/pts/0 res=success'");
        Collected out = new Collected();
        LinuxAuditAdapter adapter = run(AuditContainerMap.empty().add("dw-c1=c1"), lines, out);
        assertEquals(List.of(), out.malformed);
        assertEquals(List.of("TRUNCATE /var/log/app.log", "RMDIR /srv/logs", "OPEN_WRITE /etc/my conf", "EXEC /usr/bin/curl",
                "CHMOD /opt/bin/tool", "MKDIR /data/new", "DELETE /data/old"), summary(out.events));
        assertEquals(1000L, out.events.get(0).getLoginUid(), "auid");
        assertEquals(0L, out.events.get(0).getUid(), "the effective uid");
        assertEquals("c1", out.events.get(3).getContainerId(), "the first of two keys maps");
        assertEquals("web-1", out.events.get(3).getNode());
        assertEquals("audit-web-1-1795400000.004:13", out.events.get(3).getEventId());
        assertEquals("curl http://x.io/", out.events.get(3).getCmdline());
        assertEquals(04755, out.events.get(4).getMode());
        assertEquals(0700, out.events.get(5).getMode());
        assertEquals(1, adapter.counts().withoutPath);
        assertEquals(1, adapter.counts().otherEvents);
    }

    @Test
    void malformedLinesAndEventsAreReportedAndTheRestGoesOn() throws Exception {
        List<String> good = List.of(
                syscall(1, 20, 87, "55d0c0", "0", "0", 1, "rm", "/bin/rm", "\"dw-c1\""),
                path(1, 20, 0, "\"/etc/cron.d/x\"", "DELETE", "0100644"),
                proctitle(1, 20, "726D"));
        List<String> lines = new ArrayList<>(List.of(
                "garbage",                                                                           // 1
                "type=SYSCALL msg=audit(17954x0000.001:21): arch=c000003e syscall=87",               // 2 bad stamp
                syscall(2, 22, 87, "55d0c0", "0", "0", 1, "rm", "/bin/rm", "\"dw-c1\"")              // 3 bad pid
                        .replace("pid=701", "pid=99999999999"),
                proctitle(2, 22, "726D"),                                                           // 4
                path(3, 23, 0, "\"/orphan\"", "NORMAL", "0100644"),                                  // 5 no SYSCALL
                proctitle(3, 23, "726D"),                                                           // 6
                syscall(4, 24, 90, "55d0c0", "zz", "0", 1, "chmod", "/bin/chmod", "\"dw-c1\""),      // 7 bad hex arg
                path(4, 24, 0, "\"/x\"", "NORMAL", "0100644"),
                proctitle(4, 24, "ABC")));                                                           // 9 (event 7-9)
        lines.addAll(good);
        Collected out = new Collected();
        LinuxAuditAdapter adapter = run(AuditContainerMap.empty().add("dw-c1=c1"), lines, out);
        assertEquals(List.of("DELETE /etc/cron.d/x"), summary(out.events));
        assertEquals(List.of(
                "1: not an audit record: no 'type=' at the start of the line",
                "2: bad event stamp 'audit(17954x0000.001:21)': want SECONDS.MILLIS:SERIAL",
                "3: 'pid' out of range: 99999999999",
                "5: records of event 1795400000.003:23 without its SYSCALL record",
                "7: field 'a1' is not hexadecimal: 'zz'"), out.malformed);
        assertEquals(lines.get(2) + "\n" + lines.get(3), out.malformedText.get(2), "the event's lines, for the dead letter");
        assertEquals(2, adapter.counts().malformedLines);
        assertEquals(3, adapter.counts().malformedEvents);
    }

    @Test
    void aFollowedLogCompletesAnEventWithoutItsLastRecordAfterAQuietSpell() throws Exception {
        Collected out = new Collected();
        LinuxAuditAdapter adapter = new LinuxAuditAdapter(AuditContainerMap.empty(), null, out);
        adapter.tick(1_000);
        adapter.line(1, syscall(1, 30, 87, "55d0c0", "0", "0", 1, "rm", "/bin/rm", "(null)"));
        adapter.line(2, path(1, 30, 0, "\"/tmp/x\"", "DELETE", "0100644"));
        adapter.tick(2_000);
        assertEquals(List.of(), out.events, "may still get its PROCTITLE");
        adapter.tick(3_100);
        assertEquals(List.of("DELETE /tmp/x"), summary(out.events));
        assertNull(out.events.get(0).getNode());
        assertEquals("audit-1795400000.001:30", out.events.get(0).getEventId());
    }

    @Test
    void mappingsFromFlagsAndFiles() throws Exception {
        Path file = tmp.resolve("keys");
        Files.writeString(file, "# key -> container\ndw-web  c0ffee01   # the web pod\n\ndw-db*  dbdbdb\n"
                + "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs  abc\n");
        AuditContainerMap map = AuditContainerMap.empty().load(file).add("dw-db-secrets=special");
        assertEquals("c0ffee01", map.byKey("dw-web"));
        assertNull(map.byKey("dw-web2"));
        assertEquals("dbdbdb", map.byKey("dw-db-1"));
        assertEquals("special", map.byKey("dw-db-secrets"), "an exact key wins over a prefix");
        AuditContainerMap.Resolved r = map.resolve(List.of(),
                "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs/etc/passwd", null);
        assertEquals("abc", r.containerId());
        assertEquals("/etc/passwd", r.path());
        assertEquals("host", map.resolve(List.of("other"), "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abcd/x",
                null).containerId());
        Files.writeString(file, "just-one-word\n");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> AuditContainerMap.empty().load(file));
        assertTrue(bad.getMessage().startsWith(file + ":1: "), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AuditContainerMap.empty().add("novalue"));
        assertThrows(IllegalArgumentException.class, () -> AuditContainerMap.empty().add("/=x"));
    }

    @Test
    void pathNormalisation() {
        assertEquals("/tmp/x", LinuxAuditAdapter.resolve("x", "/tmp", true));
        assertEquals("/etc/passwd", LinuxAuditAdapter.resolve("../etc/./passwd", "/tmp", true));
        assertEquals("x", LinuxAuditAdapter.resolve("x", "/tmp", false), "relative to an unknown directory fd");
        assertEquals("/", LinuxAuditAdapter.normalize("/../.."));
    }
}
