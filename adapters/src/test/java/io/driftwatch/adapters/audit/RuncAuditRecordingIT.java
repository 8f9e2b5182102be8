package io.driftwatch.adapters.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live: records what the kernel's audit logs while a shell in a real runc busybox container changes files
 * (the same script that made the committed samples, src/test/resources/adapters/audit/record-runc-busybox.sh),
 * then reads the log through the adapter and checks the container's events. Needs root, runc, busybox-static
 * and auditd (.ci/run installs them); when any is missing, or auditd cannot start, the test fails and says why.
 * Everything it set up (container, audit rules, its auditd, the tmpfs) is removed in the end.
 */
class RuncAuditRecordingIT {
    private static final Path SCRIPT = Path.of("src/test/resources/adapters/audit/record-runc-busybox.sh");

    @TempDir
    Path work;

    @Test
    void aShellInARuncContainerIsSeenByAuditAsContainerFileEvents() throws Exception {
        Path dir = work.resolve("rec");
        try {
            Run record = run(120, "bash", SCRIPT.toString(), "record", dir.toString(), "enriched");
            if (record.code() != 0) {
                fail("recording with auditd and runc failed (root, runc, busybox-static and auditd are needed; "
                        + "apt-get install runc busybox-static auditd), exit " + record.code() + ":\n" + record.err()
                        + record.out());
            }
            Map<String, String> recorded = new HashMap<>();
            for (String line : record.out().split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    recorded.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            String container = recorded.get("CONTAINER");
            Path log = Path.of(recorded.get("LOG"));
            AuditContainerMap map = AuditContainerMap.empty().add(recorded.get("KEY") + "*=" + container)
                    .add(recorded.get("ROOTFS") + "=" + container);
            LinuxAuditAdapterTest.Collected out = new LinuxAuditAdapterTest.Collected();
            LinuxAuditAdapter adapter = LinuxAuditAdapterTest.run(map, Files.readAllLines(log, StandardCharsets.UTF_8), out);
            assertEquals(List.of(), out.malformed, "the live log must read cleanly");
            List<FileEvent> mine = out.events.stream().filter(e -> e.getContainerId().equals(container)).toList();
            List<String> seen = mine.stream().map(e -> e.getType() + " " + e.getPath()
                    + (e.getNewPath() == null ? "" : " -> " + e.getNewPath())).toList();
            assertEquals(LinuxAuditAdapterTest.EXPECTED, seen, adapter.summary());
            FileEvent setuid = mine.get(5);
            assertEquals(EventType.CHMOD, setuid.getType());
            assertEquals(04644, setuid.getMode());
            assertEquals(0644, setuid.getPreviousMode());
            FileEvent dropped = mine.get(mine.size() - 1);
            assertEquals("/tmp/whoami", dropped.getExe());
            assertEquals("whoami", dropped.getProcessName());
            assertTrue(dropped.getPid() > 1, "a host pid: " + dropped.getPid());
            assertNull(dropped.getLoginUid());
            assertTrue(adapter.counts().failed >= 1, "the chown without CAP_CHOWN failed");
        } finally {
            Run cleanup = run(60, "bash", SCRIPT.toString(), "cleanup", dir.toString());
            assertEquals(0, cleanup.code(), "cleanup: " + cleanup.err());
        }
    }

    @Test
    void logsEmptiedInARuncContainerAreTruncations() throws Exception {
        Path dir = work.resolve("logs");
        try {
            Run record = run(120, "bash", SCRIPT.toString(), "record", dir.toString(), "enriched", "logs");
            if (record.code() != 0) {
                fail("recording with auditd and runc failed (root, runc, busybox-static and auditd are needed; "
                        + "apt-get install runc busybox-static auditd), exit " + record.code() + ":\n" + record.err()
                        + record.out());
            }
            Map<String, String> recorded = new HashMap<>();
            for (String line : record.out().split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    recorded.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            String container = recorded.get("CONTAINER");
            AuditContainerMap map = AuditContainerMap.empty().add(recorded.get("KEY") + "*=" + container)
                    .add(recorded.get("ROOTFS") + "=" + container);
            LinuxAuditAdapterTest.Collected out = new LinuxAuditAdapterTest.Collected();
            LinuxAuditAdapter adapter = LinuxAuditAdapterTest.run(map,
                    Files.readAllLines(Path.of(recorded.get("LOG")), StandardCharsets.UTF_8), out);
            assertEquals(List.of(), out.malformed, "the live log must read cleanly");
            List<String> seen = out.events.stream().filter(e -> e.getContainerId().equals(container))
                    .map(e -> e.getType() + " " + e.getPath() + (e.getNewPath() == null ? "" : " -> " + e.getNewPath()))
                    .toList();
            assertEquals(LinuxAuditAdapterTest.EXPECTED_LOGS, seen, adapter.summary());
        } finally {
            Run cleanup = run(60, "bash", SCRIPT.toString(), "cleanup", dir.toString());
            assertEquals(0, cleanup.code(), "cleanup: " + cleanup.err());
        }
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(int seconds, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("record", ".out");
        Path err = Files.createTempFile("record", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return new Run(-1, Files.readString(out), "timed out after " + seconds + " s\n" + Files.readString(err));
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
