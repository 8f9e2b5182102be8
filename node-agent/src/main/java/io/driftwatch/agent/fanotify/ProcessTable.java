package io.driftwatch.agent.fanotify;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * pid -> what the sensor can learn of the process, from /proc while it still runs. fanotify gives only a
 * pid, and reading /proc after the fact races with the process: a short-lived one ({@code cp}, {@code
 * chmod}) is often gone by then. So the table also remembers, per pid, the last file the sensor saw it
 * execute (FAN_OPEN_EXEC): that names the program even after the process has exited. Every answer says
 * how it was obtained ({@link Info#how()}): {@code live}, {@code exec} or {@code exited}.
 *
 * <p>Every /proc file is read up to a cap, never whole (see {@link ProcFiles}): the command line up to {@code
 * maxCmdlineBytes} (the agent's {@code --max-cmdline-bytes}), status, comm and loginuid up to a few KiB. Names,
 * arguments and link targets are byte-exact text ({@code \xNN} for bytes that are not UTF-8 and for controls).
 */
final class ProcessTable {
    static final String LIVE = "live";
    static final String EXEC = "exec";
    static final String EXITED = "exited";

    private static final long TTL_MS = 2_000;
    private static final int CAPACITY = 16_384;

    private final Path proc;
    private final int maxCmdlineBytes;
    private final Map<Integer, Info> cache = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Info> eldest) {
            return size() > CAPACITY;
        }
    };
    /**
     * pid -> when its /proc directory was found gone. A process that has exited stays gone: its later events (an
     * {@code rm -r} of thousands of files read after rm exited) do not try /proc again, which costs a failed open and
     * an exception each, for {@value #GONE_TTL_MS} ms or until the pid is seen executing a file (a new process).
     */
    private final Map<Integer, Long> gone = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Long> eldest) {
            return size() > CAPACITY;
        }
    };
    private static final long GONE_TTL_MS = 1_000;
    private final Map<Integer, String> executed = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
            return size() > CAPACITY;
        }
    };

    ProcessTable(Path proc) {
        this(proc, ProcFiles.DEFAULT_MAX_CMDLINE_BYTES);
    }

    private ExecCatcher execs;
    private ExecArgs execArgs;

    /** The kernel's record of a process's latest execution stands in for it once it has exited. */
    void execArgs(ExecArgs args) {
        this.execArgs = args;
    }

    /** What the reader saw of a program right after its exec stands in for it once it has exited. */
    void catcher(ExecCatcher catcher) {
        this.execs = catcher;
    }

    ProcessTable(Path proc, int maxCmdlineBytes) {
        if (maxCmdlineBytes < 1) {
            throw new IllegalArgumentException("the command line cap must be at least 1 byte, not " + maxCmdlineBytes);
        }
        this.proc = proc;
        this.maxCmdlineBytes = maxCmdlineBytes;
    }

    /**
     * What is known of a process.
     *
     * @param exe   the executable's host path (the sensor maps it into the container), or null
     * @param how   {@code live}: read from /proc while the process ran; {@code exec}: the process had
     *              exited, the program is the file it was seen executing, the rest is unknown; {@code
     *              exited}: gone before anything could be read, every field but the pid is null
     * @param cmdlineTruncated the command line was longer than the cap and was cut
     */
    record Info(int pid, Integer ppid, String name, String exe, String cmdline, Long uid, Long gid, Long loginUid,
            String parentName, String how, long readAt, boolean cmdlineTruncated) {
    }

    /** Process {@code pid} executed the file at host path {@code exe} (a FAN_OPEN_EXEC event). */
    void executed(int pid, String exe) {
        executed.put(pid, exe);
        cache.remove(pid); // a new program: name, cmdline and credentials may all have changed
        gone.remove(pid); // running: a pid reused by a new process
    }

    /** Drops what was read of {@code pid}: it may have been read in the middle of an exec. */
    void forget(int pid) {
        cache.remove(pid);
        gone.remove(pid);
    }

    Info lookup(int pid, long now) {
        Info cached = cache.get(pid);
        if (cached != null && now - cached.readAt() < TTL_MS) {
            return cached;
        }
        Long goneAt = gone.get(pid);
        Info info = goneAt != null && now - goneAt >= 0 && now - goneAt < GONE_TTL_MS ? null : read(pid, now);
        if (info == null) {
            if (goneAt == null || now - goneAt >= GONE_TTL_MS || now < goneAt) {
                gone.put(pid, now);
            }
            String exe = executed.get(pid);
            if (cached != null && LIVE.equals(cached.how())) {
                return cached; // read while alive, a moment ago: still the best answer
            }
            ExecArgs.Exec k = execArgs == null || exe == null ? null : execArgs.latest(pid, now, 10_000);
            if (k != null) {
                String cmd = k.cmdline();
                boolean cut = k.truncated() || cmd.length() > maxCmdlineBytes;
                return new Info(pid, null, k.name(), exe, cut && cmd.length() > maxCmdlineBytes ? cmd.substring(0, maxCmdlineBytes) : cmd,
                        null, null, null, null, EXEC, now, cut);
            }
            ExecCatcher.Caught program = execs == null || exe == null ? null : execs.program(pid, now);
            if (program != null) {
                return new Info(pid, null, program.name(), exe, program.cmdline(), null, null, null, null, EXEC, now,
                        program.cmdlineTruncated());
            }
            info = exe != null
                    ? new Info(pid, null, baseName(exe), exe, null, null, null, null, null, EXEC, now, false)
                    : new Info(pid, null, null, null, null, null, null, null, null, EXITED, now, false);
            return info;
        }
        cache.put(pid, info);
        gone.remove(pid);
        return info;
    }

    private Info read(int pid, long now) {
        Path dir = proc.resolve(Integer.toString(pid));
        try {
            String status = ProcFiles.text(dir.resolve("status"), ProcFiles.MAX_STATUS_BYTES);
            Integer ppid = null;
            Long uid = null;
            Long gid = null;
            for (String line : status.split("\n")) {
                if (line.startsWith("PPid:")) {
                    ppid = Integer.valueOf(line.substring(5).strip());
                } else if (line.startsWith("Uid:")) {
                    uid = Long.valueOf(line.substring(4).strip().split("\\s+")[1]); // effective
                } else if (line.startsWith("Gid:")) {
                    gid = Long.valueOf(line.substring(4).strip().split("\\s+")[1]);
                }
            }
            // The name from comm, not status: status escapes it in a way of its own.
            String name = ProcFiles.comm(dir.resolve("comm"));
            String exe = ProcFiles.link(dir.resolve("exe"));
            if (exe == null) {
                exe = executed.get(pid);
            }
            ProcFiles.Text cmdline = ProcFiles.cmdline(dir.resolve("cmdline"), maxCmdlineBytes);
            Long loginUid = loginUid(dir.resolve("loginuid"));
            String parentName = ppid == null || ppid == 0 ? null : comm(ppid);
            return new Info(pid, ppid, name, exe, cmdline.text(), uid, gid, loginUid, parentName, LIVE, now,
                    cmdline.truncated());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private String comm(int pid) {
        try {
            return ProcFiles.comm(proc.resolve(pid + "/comm"));
        } catch (IOException e) {
            return null;
        }
    }

    private static Long loginUid(Path file) {
        try {
            long v = Long.parseLong(ProcFiles.text(file, ProcFiles.MAX_SMALL_BYTES).strip());
            return v == 4294967295L ? null : v;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    static String baseName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
