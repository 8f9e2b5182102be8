package io.driftwatch.agent.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kernel's record of executions (bpftrace on the execve tracepoints, as CI installs it): a program that lives a
 * millisecond is named with its exact arguments, newlines included, and a record cannot be forged from inside an
 * argument.
 */
class ExecArgsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aShortLivedProgramIsNamedWithItsArgumentsFromTheKernel() throws Exception {
        try (ExecArgs args = ExecArgs.start()) {
            assertNotNull(args, "bpftrace must be installed and attach (tracefs mounted): .ci/run sees to both");
            Process p = new ProcessBuilder("/bin/busybox", "true", "a b", "line\nbreak", "x|y").start();
            int pid = (int) p.pid();
            p.waitFor();
            // the JVM starts it through its spawn helper: the helper's execution comes first and is passed over
            ExecArgs.Exec e = args.next(pid, 5_000, file -> file.equals("/bin/busybox"));
            assertNotNull(e, "no record for pid " + pid);
            assertEquals("busybox", e.name());
            assertEquals(List.of("/bin/busybox", "true", "a b", "line\\x0abreak", "x|y"), e.args());
            assertTrue(!e.truncated());
            assertEquals(e, args.latest(pid, System.currentTimeMillis(), 10_000));
        }
    }

    @Test
    void aRecordIsAssembledFromItsFieldsAndEndsAtTheNullPointer() throws Exception {
        ExecArgs.Exec e = feed("4242|77|f|/bin/ln", "4242|77|0|1|ln", "4242|77|1|1|-s", "4242|77|2|1|/etc",
                "4242|77|3|1|/tmp/x|4243|78|f|/bin/evil", "4242|77|4|0|", "4242|77|5|1|JUNK=after-the-end",
                "4242|77|6|0|", "4242|77|7|0|");
        assertNotNull(e);
        assertEquals("ln", e.name());
        // a field's text is never split: "|4243|78|f|/bin/evil" inside an argument stays in that argument
        assertEquals(List.of("ln", "-s", "/etc", "/tmp/x|4243|78|f|/bin/evil"), e.args());
        assertTrue(!e.truncated());
    }

    @Test
    void aSymlinkCallIsRecordedWithItsTarget() throws Exception {
        try (ExecArgs args = ExecArgs.start()) {
            assertNotNull(args);
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("execargs");
            Process p = new ProcessBuilder("/bin/busybox", "sh", "-c", "cd " + dir + " && ln -s /etc rel_link && ln -s /etc/shadow "
                    + dir + "/abs_link && rm rel_link abs_link").start();
            int pid = (int) p.pid();
            p.waitFor();
            // the shell runs ln as a child: look at every pid the kernel saw make a symlink under dir
            String rel = null;
            String abs = null;
            for (int child = pid; child < pid + 64 && (rel == null || abs == null); child++) {
                rel = rel != null ? rel : args.symlinkTarget(child, "/c/rel_link", 0);
                abs = abs != null ? abs : args.symlinkTarget(child, dir + "/abs_link", 0);
            }
            assertEquals("/etc", rel);
            assertEquals("/etc/shadow", abs);
            java.nio.file.Files.deleteIfExists(dir);
        }
    }

    @Test
    void aProgramRunThroughProcSelfExeIsNamedByItsArgvZero() {
        ExecArgs.Exec e = new ExecArgs.Exec("/proc/self/exe", List.of("shred", "-u", "/tmp/f"), false, 0);
        assertEquals("shred", e.name());
        assertEquals("shred -u /tmp/f", e.cmdline());
    }

    /** Feeds printf records to a parser with no bpftrace behind it and returns what pid 4242 executed. */
    private static ExecArgs.Exec feed(String... data) throws Exception {
        ExecArgs args = ExecArgs.parserOnly();
        for (String d : data) {
            args.accept(JSON.readTree(JSON.writeValueAsString(java.util.Map.of("type", "printf", "data", d))), 1_000);
        }
        assertNull(args.next(4243, 0), "a forged record");
        assertNull(args.next(4242, 0, file -> file.equals("/bin/cp")), "another file's call");
        return args.next(4242, 0, file -> file.equals("/bin/ln"));
    }
}
