package io.driftwatch.agent.fanotify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * pid -> what the sensor can learn of the process, from /proc while it still runs. fanotify gives only a
 * pid, and reading /proc after the fact races with the process: a short-lived one ({@code cp}, {@code
 * chmod}) is often gone by then. So the table also remembers, per pid, the last file the sensor saw it
 * execute (FAN_OPEN_EXEC): that names the program even after the process has exited. Every answer says
 * how it was obtained ({@link Info#how()}): {@code live}, {@code exec} or {@code exited}.
 */
final class ProcessTable {
    static final String LIVE = "live";
    static final String EXEC = "exec";
    static final String EXITED = "exited";

    private static final long TTL_MS = 2_000;
    private static final int CAPACITY = 16_384;

    private final Path proc;
    private final Map<Integer, Info> cache = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Info> eldest) {
            return size() > CAPACITY;
        }
    };
    private final Map<Integer, String> executed = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
            return size() > CAPACITY;
        }
    };

    ProcessTable(Path proc) {
        this.proc = proc;
    }

    /**
     * What is known of a process.
     *
     * @param exe   the executable's host path (the sensor maps it into the container), or null
     * @param how   {@code live}: read from /proc while the process ran; {@code exec}: the process had
     *              exited, the program is the file it was seen executing, the rest is unknown; {@code
     *              exited}: gone before anything could be read, every field but the pid is null
     */
    record Info(int pid, Integer ppid, String name, String exe, String cmdline, Long uid, Long gid, Long loginUid,
            String parentName, String how, long readAt) {
    }

    /** Process {@code pid} executed the file at host path {@code exe} (a FAN_OPEN_EXEC event). */
    void executed(int pid, String exe) {
        executed.put(pid, exe);
        cache.remove(pid); // a new program: name, cmdline and credentials may all have changed
    }

    /** Drops what was read of {@code pid}: it may have been read in the middle of an exec. */
    void forget(int pid) {
        cache.remove(pid);
    }

    Info lookup(int pid, long now) {
        Info cached = cache.get(pid);
        if (cached != null && now - cached.readAt() < TTL_MS) {
            return cached;
        }
        Info info = read(pid, now);
        if (info == null) {
            String exe = executed.get(pid);
            if (cached != null && LIVE.equals(cached.how())) {
                return cached; // read while alive, a moment ago: still the best answer
            }
            info = exe != null
                    ? new Info(pid, null, baseName(exe), exe, null, null, null, null, null, EXEC, now)
                    : new Info(pid, null, null, null, null, null, null, null, null, EXITED, now);
            return info;
        }
        cache.put(pid, info);
        return info;
    }

    private Info read(int pid, long now) {
        Path dir = proc.resolve(Integer.toString(pid));
        try {
            String status = Files.readString(dir.resolve("status"), StandardCharsets.UTF_8);
            Integer ppid = null;
            Long uid = null;
            Long gid = null;
            String name = null;
            for (String line : status.split("\n")) {
                if (line.startsWith("Name:")) {
                    name = line.substring(5).strip();
                } else if (line.startsWith("PPid:")) {
                    ppid = Integer.valueOf(line.substring(5).strip());
                } else if (line.startsWith("Uid:")) {
                    uid = Long.valueOf(line.substring(4).strip().split("\\s+")[1]); // effective
                } else if (line.startsWith("Gid:")) {
                    gid = Long.valueOf(line.substring(4).strip().split("\\s+")[1]);
                }
            }
            String exe = readLink(dir.resolve("exe"));
            if (exe == null) {
                exe = executed.get(pid);
            }
            String cmdline = cmdline(dir.resolve("cmdline"));
            Long loginUid = loginUid(dir.resolve("loginuid"));
            String parentName = ppid == null || ppid == 0 ? null : comm(ppid);
            return new Info(pid, ppid, name, exe, cmdline, uid, gid, loginUid, parentName, LIVE, now);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private String comm(int pid) {
        try {
            return Files.readString(proc.resolve(pid + "/comm"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return null;
        }
    }

    private static String readLink(Path link) {
        try {
            String target = Files.readSymbolicLink(link).toString();
            return target.endsWith(" (deleted)") ? target.substring(0, target.length() - 10) : target;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static String cmdline(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        int end = raw.length;
        while (end > 0 && raw[end - 1] == 0) {
            end--;
        }
        if (end == 0) {
            return null;
        }
        StringBuilder s = new StringBuilder(end);
        String text = new String(raw, 0, end, StandardCharsets.UTF_8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            s.append(c == 0 ? ' ' : c);
        }
        return s.toString();
    }

    private static Long loginUid(Path file) {
        try {
            long v = Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip());
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
