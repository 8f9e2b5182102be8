package io.driftwatch.agent.fanotify;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A first look at a process the moment the reader thread sees it execute a file (FAN_OPEN_EXEC). The handler reads
 * /proc later, and a short-lived program ({@code find}, {@code cat}, {@code crontab -l}, {@code shred}) is often gone
 * by then: its EXEC had no name but "busybox" and no command line. The first look is taken while the kernel is still
 * in the exec (the event comes from opening the file), so it usually shows the process as the exec found it: a fork
 * of the shell that runs it, whose command line holds the command ({@code sh -c '... /bin/find /tmp -iname
 * id_rsa'}). When the process is already gone for the handler, its EXEC carries that first look: the name and
 * command line of the process that made the exec, as /proc showed them at the event.
 *
 * <p>Watching the process until the new program shows (a thread polling /proc) was tried and dropped: a program
 * that lives a few hundred microseconds is missed anyway on a loaded node, and the polling took CPU from the sensor.
 */
final class ExecCatcher {
    private static final int CAPACITY = 4_096;

    /** What /proc showed of a process at its exec event. */
    record Caught(String name, String cmdline, boolean cmdlineTruncated) {
    }

    private final Path proc;
    private final int maxCmdlineBytes;
    private final Map<Long, Caught> looks = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Caught> eldest) {
            return size() > CAPACITY;
        }
    };
    private long sequence;

    ExecCatcher(Path proc, int maxCmdlineBytes) {
        this.proc = proc;
        this.maxCmdlineBytes = maxCmdlineBytes;
    }

    /** The reader thread saw process {@code pid} execute a file: a look now; returns the execution's number. */
    long started(int pid) {
        long seq = ++sequence;
        try {
            String name = ProcFiles.comm(proc.resolve(pid + "/comm"));
            ProcFiles.Text cmd = ProcFiles.cmdline(proc.resolve(pid + "/cmdline"), maxCmdlineBytes);
            if (name != null && !cmd.text().isEmpty()) {
                synchronized (this) {
                    looks.put(seq, new Caught(name, cmd.text(), cmd.truncated()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone already (or in the middle of the exec, between its old memory and its new): nothing to keep
        }
        return seq;
    }

    /** What execution {@code seq}'s process showed at its exec event, or null. */
    synchronized Caught result(long seq) {
        return looks.remove(seq);
    }
}
