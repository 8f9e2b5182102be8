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
 * <p>While the exec is still under way (no command line yet, or still the parent's name) the reader looks again for at
 * most {@value #LOOK_NANOS} ns: a short-lived program usually shows itself within that, and then its name and
 * command line are also kept for its later events, once it has exited ({@link #program}). A thread polling /proc
 * for longer was tried and dropped: a program that lives a few hundred microseconds was missed anyway on a loaded
 * node, and the polling took CPU from the sensor.
 */
final class ExecCatcher {
    private static final int CAPACITY = 4_096;

    /**
     * What /proc showed of a process at its exec event.
     *
     * @param program true when it showed the new program (its name differs from its parent's), not the process
     *                the exec found
     */
    record Caught(String name, String cmdline, boolean cmdlineTruncated, boolean program, long at) {
    }

    /** How long the reader looks again while the exec is still under way (no command line, or the parent's name). */
    static final long LOOK_NANOS = 200_000;

    private final Path proc;
    private final int maxCmdlineBytes;
    private final Map<Long, Caught> looks = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Caught> eldest) {
            return size() > CAPACITY;
        }
    };
    /** pid -> the new program as the reader saw it, for the process's events once it has exited. */
    private final Map<Integer, Caught> programs = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Caught> eldest) {
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
        String parent = parentName(pid);
        long until = System.nanoTime() + LOOK_NANOS;
        Caught first = null;
        while (true) {
            Caught look = look(pid, parent);
            if (look == null && first == null && comm(pid) == null) {
                break; // gone
            }
            if (look != null && first == null) {
                first = look;
            }
            if (look != null && look.program()) {
                first = look;
                synchronized (this) {
                    programs.put(pid, look);
                }
                break;
            }
            if (System.nanoTime() > until) {
                break;
            }
            Thread.onSpinWait(); // the exec is under way: a short-lived program shows itself within microseconds
        }
        if (first != null) {
            synchronized (this) {
                looks.put(seq, first);
            }
        }
        return seq;
    }

    /** The process now, or null when it shows no command line (gone, or in the middle of the exec). */
    private Caught look(int pid, String parent) {
        try {
            String name = ProcFiles.comm(proc.resolve(pid + "/comm"));
            ProcFiles.Text cmd = ProcFiles.cmdline(proc.resolve(pid + "/cmdline"), maxCmdlineBytes);
            if (name == null || cmd.text().isEmpty()) {
                return null;
            }
            boolean program = !name.equals(parent) && !name.startsWith("runc:[");
            return new Caught(name, cmd.text(), cmd.truncated(), program, System.currentTimeMillis());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private String comm(int pid) {
        try {
            return ProcFiles.comm(proc.resolve(pid + "/comm"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private String parentName(int pid) {
        try {
            String stat = ProcFiles.text(proc.resolve(pid + "/stat"), ProcFiles.MAX_STAT_BYTES);
            int close = stat.lastIndexOf(')');
            int ppid = Integer.parseInt(stat.substring(close + 2).split(" ")[1]);
            return comm(ppid);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** What {@code pid}'s latest program showed right after its exec (within the last 10 s), or null. */
    synchronized Caught program(int pid, long now) {
        Caught c = programs.get(pid);
        return c != null && now - c.at() < 10_000 ? c : null;
    }

    /** What execution {@code seq}'s process showed at its exec event, or null. */
    synchronized Caught result(long seq) {
        return looks.remove(seq);
    }
}
