package io.driftwatch.agent.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the process table reads from /proc, on a proc directory of our own: a command line is read up to its cap and
 * never whole (a process may have megabytes of arguments), and kernel bytes become byte-exact text.
 */
class ProcessTableTest {
    @TempDir
    Path proc;

    private Path process(int pid, String comm, byte[] cmdline) throws Exception {
        Path dir = proc.resolve(Integer.toString(pid));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("status"), "Name:\t" + comm + "\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t" + pid
                + "\nPid:\t" + pid + "\nPPid:\t1\nUid:\t0\t1000\t0\t0\nGid:\t0\t1001\t0\t0\nGroups:\t0\n");
        Files.write(dir.resolve("comm"), (comm + "\n").getBytes(StandardCharsets.UTF_8));
        if (cmdline != null) {
            Files.write(dir.resolve("cmdline"), cmdline);
        }
        Files.writeString(dir.resolve("loginuid"), "4294967295");
        return dir;
    }

    /** A command line of {@code args} arguments of {@code length} times 'A', each ended by a NUL, as the kernel shows it. */
    private static byte[] arguments(int args, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < args; i++) {
            out.writeBytes("A".repeat(length).getBytes(StandardCharsets.US_ASCII));
            out.write(0);
        }
        return out.toByteArray();
    }

    @Test
    void aOneMebibyteCommandLineIsCutToTheCapAndMarked() throws Exception {
        process(4242, "sh", arguments(256, 4095)); // 1 MiB
        ProcessTable.Info info = new ProcessTable(proc, 4096).lookup(4242, 1_000);
        assertEquals(ProcessTable.LIVE, info.how());
        assertTrue(info.cmdline().length() <= 4096, "cmdline of " + info.cmdline().length() + " characters");
        assertTrue(info.cmdline().startsWith("AAAA"), info.cmdline().substring(0, 10));
        assertTrue(info.cmdlineTruncated());
        assertEquals("A".repeat(4095), info.cmdline()); // the cut falls just after the first argument's NUL
    }

    @Test
    void theCapIsConfigurableAndACommandLineThatFitsIsNotMarked() throws Exception {
        process(7, "sh", arguments(3, 10));
        ProcessTable.Info fits = new ProcessTable(proc, 4096).lookup(7, 1_000);
        assertEquals("AAAAAAAAAA AAAAAAAAAA AAAAAAAAAA", fits.cmdline());
        assertFalse(fits.cmdlineTruncated());
        ProcessTable.Info cut = new ProcessTable(proc, 15).lookup(7, 1_000);
        assertEquals("AAAAAAAAAA AAAA", cut.cmdline());
        assertTrue(cut.cmdlineTruncated());
        // exactly the cap: nothing was left out
        ProcessTable.Info exact = new ProcessTable(proc, 33).lookup(7, 1_000);
        assertEquals("AAAAAAAAAA AAAAAAAAAA AAAAAAAAAA", exact.cmdline());
        assertFalse(exact.cmdlineTruncated());
    }

    @Test
    void aCommandLineLargerThanMemoryIsNeverReadWhole() throws Exception {
        Path dir = process(99, "big", null);
        // 3 GiB, sparse: reading it whole would need an array Java cannot even allocate.
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("cmdline").toFile(), "rw")) {
            f.write(("python3\0-c\0" + "x".repeat(5_000)).getBytes(StandardCharsets.US_ASCII));
            f.setLength(3L << 30);
        }
        ProcessTable.Info info = new ProcessTable(proc).lookup(99, 1_000);
        assertEquals(ProcessTable.LIVE, info.how());
        assertEquals("python3 -c " + "x".repeat(4096 - 11), info.cmdline());
        assertTrue(info.cmdlineTruncated());
    }

    @Test
    void kernelBytesBecomeByteExactText() throws Exception {
        ByteArrayOutputStream cmdline = new ByteArrayOutputStream();
        cmdline.writeBytes("sh\0-c\0echo\nhi \\ ".getBytes(StandardCharsets.UTF_8));
        cmdline.write(0xff); // not UTF-8
        cmdline.writeBytes("\0caf\u00e9\0".getBytes(StandardCharsets.UTF_8));
        Path dir = process(5, "x\u001b[2Jy", cmdline.toByteArray());
        Path exe = proc.resolve("bin/tool\nname");
        Files.createDirectories(exe.getParent());
        Files.writeString(exe, "");
        Files.createSymbolicLink(dir.resolve("exe"), exe);
        ProcessTable.Info info = new ProcessTable(proc).lookup(5, 1_000);
        // arguments joined with spaces; the newline, the invalid byte and the backslash written as escapes
        assertEquals("sh -c echo\\x0ahi \\\\ \\xff caf\u00e9", info.cmdline());
        assertFalse(info.cmdlineTruncated());
        // the terminal escape in the process name cannot repaint a terminal or forge a log line
        assertEquals("x\\x1b[2Jy", info.name());
        assertEquals(proc + "/bin/tool\\x0aname", info.exe());
    }

    @Test
    void aMultiByteCharacterIsNotSplitAtTheCap() throws Exception {
        process(8, "sh", "ab\u00e9\u00e9\0".getBytes(StandardCharsets.UTF_8)); // a b é(2 bytes) é(2 bytes)
        ProcessTable.Info info = new ProcessTable(proc, 5).lookup(8, 1_000);
        assertEquals("ab\u00e9", info.cmdline()); // not "ab\u00e9\\xc3"
        assertTrue(info.cmdlineTruncated());
    }
}
