package io.driftwatch.agent.fanotify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.schemas.text.FieldText;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file and arguments of every execution, taken by the kernel at the execve(2) call: bpftrace on the
 * {@code sys_enter_execve} and {@code sys_enter_execveat} tracepoints. fanotify reports an execution with a pid only,
 * and /proc, read after the fact, loses a program that lives a millisecond ({@code find}, {@code shred},
 * {@code crontab -l}); this source does not. Used when {@code bpftrace} is installed and tracefs is mounted (the agent
 * says so at start when it is not, and goes on with /proc alone).
 *
 * <p>bpftrace prints JSON ({@code -f json}), so an argument holding a newline or a quote cannot forge a record: each
 * record is one JSON line holding one field, led by the pid and the call's time, which come from the kernel; a
 * field's own text (after the third {@code |}) is never split.
 * At most {@value #MAX_ARGS} arguments of at most {@value #STRLEN} bytes are taken; a record that may be longer says
 * so ({@link Exec#truncated()}).
 */
final class ExecArgs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExecArgs.class);
    static final int MAX_ARGS = 8;
    static final int STRLEN = 200;
    private static final int CAPACITY = 16_384;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One execution as the kernel was asked for it: the file named, the arguments, when it was seen (epoch ms). */
    record Exec(String file, List<String> args, boolean truncated, long at) {
        /**
         * The program's name as the kernel sets comm: the base name of the file asked for. A program run through
         * {@code /proc/self/exe} (busybox's shell runs its applets so) is named by its argv[0] instead, which is what
         * it runs as.
         */
        String name() {
            String n = file.startsWith("/proc/") && !args.isEmpty() ? args.get(0) : file;
            int slash = n.lastIndexOf('/');
            return slash < 0 ? n : n.substring(slash + 1);
        }

        String cmdline() {
            return String.join(" ", args);
        }
    }

    private final Process process;
    /** pid -> its executions not yet matched with an EXEC event, oldest first (at most 8). */
    private final Map<Integer, java.util.ArrayDeque<Exec>> pending = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, java.util.ArrayDeque<Exec>> eldest) {
            return size() > CAPACITY;
        }
    };
    /** pid -> its latest execution matched with an EXEC event (its program, for its later events). */
    private final Map<Integer, Exec> current = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Exec> eldest) {
            return size() > CAPACITY;
        }
    };
    private volatile boolean attached;

    private ExecArgs(Process process) {
        this.process = process;
        if (process != null) {
            Thread reader = new Thread(this::read, "exec-args");
            reader.setDaemon(true);
            reader.start();
        }
    }

    /** A parser with no bpftrace behind it, fed with {@link #accept} (tests). */
    static ExecArgs parserOnly() {
        return new ExecArgs(null);
    }

    /**
     * One printf per field (BPF's 512-byte stack holds one string at a time), each led by the pid and the call's time
     * in ns, which tie the fields of one call together: "pid|ns|f|file", then "pid|ns|0|arg0" ... "pid|ns|7|arg7".
     */
    static String script() {
        StringBuilder b = new StringBuilder("tracepoint:syscalls:sys_enter_execve, tracepoint:syscalls:sys_enter_execveat"
                + " { $t = nsecs; printf(\"%d|%llu|f|%s\", pid, $t, str(args->filename));");
        for (int i = 0; i < MAX_ARGS; i++) {
            // the slot's pointer first: argv ends at a null pointer, and what follows it is not an argument
            b.append(" printf(\"%d|%llu|").append(i).append("|%llu|%s\", pid, $t, args->argv[").append(i)
                    .append("], str(args->argv[").append(i).append("]));");
        }
        b.append(" }");
        // symlink(2) and symlinkat(2): the target and the link's name as asked, for a link deleted before the sensor
        // could read it
        for (String call : List.of("sys_enter_symlink", "sys_enter_symlinkat")) {
            b.append(" tracepoint:syscalls:").append(call).append(" { $t = nsecs;")
                    .append(" printf(\"%d|%llu|S|%s\", pid, $t, str(args->oldname));")
                    .append(" printf(\"%d|%llu|L|%s\", pid, $t, str(args->newname)); }");
        }
        return b.toString();
    }

    /** A symlink made: its target and the link's name as the call gave it (absolute, or relative to the cwd). */
    record Symlink(String target, String link, long at) {
    }

    /** pid -> its latest symlink calls (at most 8). */
    private final Map<Integer, java.util.ArrayDeque<Symlink>> symlinks = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, java.util.ArrayDeque<Symlink>> eldest) {
            return size() > 4_096;
        }
    };
    private final Map<String, String> symlinkTargets = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 1024;
        }
    };

    /**
     * The target of the symlink {@code pid} made at the container's {@code path} (the call's name, absolute, or
     * relative and ending the path), waiting at most {@code waitMs} for the call's record; null when none came.
     */
    synchronized String symlinkTarget(int pid, String path, long waitMs) {
        long deadline = System.currentTimeMillis() + waitMs;
        while (true) {
            java.util.ArrayDeque<Symlink> q = symlinks.get(pid);
            if (q != null) {
                for (java.util.Iterator<Symlink> it = q.descendingIterator(); it.hasNext();) {
                    Symlink l = it.next();
                    if (l.link().equals(path) || !l.link().startsWith("/") && path.endsWith("/" + l.link())) {
                        it.remove();
                        return l.target();
                    }
                }
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0 || process == null || !process.isAlive()) {
                return null;
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** The fields of one call seen so far (a call's records come in order: the file, then each argument slot). */
    private static final class Partial {
        String file;
        final List<String> slots = new ArrayList<>();
        int seen;
        boolean ended;
    }

    private final Map<String, Partial> partial = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Partial> eldest) {
            return size() > 1024;
        }
    };

    /** Starts bpftrace, or returns null (and says why) when it is not installed or cannot attach within 15 s. */
    static ExecArgs start() {
        Path bpftrace = find();
        if (bpftrace == null) {
            LOG.info("exec arguments from /proc only: bpftrace is not installed (apt-get install bpftrace)");
            return null;
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(bpftrace.toString(), "-f", "json", "-e", script())
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("BPFTRACE_STRLEN", Integer.toString(STRLEN));
            ExecArgs args = new ExecArgs(pb.start());
            long deadline = System.currentTimeMillis() + 15_000;
            while (!args.attached && args.process.isAlive() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            if (!args.attached) {
                args.close();
                LOG.warn("exec arguments from /proc only: bpftrace did not attach to the execve tracepoints (is tracefs"
                        + " mounted? mount -t tracefs tracefs /sys/kernel/tracing)");
                return null;
            }
            LOG.info("exec arguments from the kernel: bpftrace on sys_enter_execve/execveat");
            return args;
        } catch (IOException e) {
            LOG.warn("exec arguments from /proc only: bpftrace did not start: {}", e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "bpftrace");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                try {
                    accept(JSON.readTree(line), System.currentTimeMillis());
                } catch (IOException | RuntimeException e) {
                    // not a record (bpftrace's own lines): skipped
                }
            }
        } catch (IOException e) {
            // bpftrace ended
        }
    }

    void accept(JsonNode record, long now) {
        String type = record.path("type").asText();
        if ("attached_probes".equals(type)) {
            attached = true;
            return;
        }
        if (!"printf".equals(type)) {
            return;
        }
        String data = record.path("data").asText();
        String[] f = data.split("\\|", 4);
        if (f.length < 4) {
            return;
        }
        int pid;
        try {
            pid = Integer.parseInt(f[0]);
        } catch (NumberFormatException e) {
            return;
        }
        String call = f[0] + '|' + f[1];
        if ("S".equals(f[2])) {
            symlinkTargets.put(call, f[3]);
            return;
        }
        if ("L".equals(f[2])) {
            String target = symlinkTargets.remove(call);
            if (target != null) {
                synchronized (this) {
                    java.util.ArrayDeque<Symlink> q = symlinks.computeIfAbsent(pid, k -> new java.util.ArrayDeque<>());
                    if (q.size() >= 8) {
                        q.pollFirst();
                    }
                    q.addLast(new Symlink(text(target), text(f[3]), now));
                    notifyAll();
                }
            }
            return;
        }
        Partial p;
        if ("f".equals(f[2])) {
            p = new Partial();
            p.file = f[3];
            partial.put(call, p);
            return;
        }
        p = partial.get(call);
        if (p == null) {
            return;
        }
        String[] slot = f[3].split("\\|", 2); // pointer|text
        if (slot.length < 2) {
            return;
        }
        if (!p.ended && !"0".equals(slot[0])) {
            p.slots.add(slot[1]);
        } else {
            p.ended = true;
        }
        p.seen++;
        if (p.seen < MAX_ARGS) {
            return;
        }
        partial.remove(call);
        Exec exec = parse(p.file, p.slots, !p.ended, now);
        if (exec != null) {
            synchronized (this) {
                java.util.ArrayDeque<Exec> q = pending.computeIfAbsent(pid, k -> new java.util.ArrayDeque<>());
                if (q.size() >= 8) {
                    q.pollFirst();
                }
                q.addLast(exec);
                notifyAll();
            }
        }
    }

    /** A call's file and argument slots (empty past the last argument) to an Exec, byte-exact text as the sensor writes. */
    static Exec parse(String file, List<String> args, boolean moreSlots, long now) {
        List<String> text = new ArrayList<>();
        boolean truncated = moreSlots; // every slot held an argument: there may be more
        for (String a : args) {
            text.add(text(a));
            truncated |= a.getBytes(StandardCharsets.UTF_8).length >= STRLEN - 1;
        }
        return new Exec(text(file), text, truncated, now);
    }

    private static String text(String s) {
        return FieldText.fromKernelBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** As {@link #next(int, long, java.util.function.Predicate)} for any file. */
    synchronized Exec next(int pid, long waitMs) {
        return next(pid, waitMs, file -> true);
    }

    /**
     * The execution an EXEC event of {@code pid} stands for: the oldest not yet matched whose file is the one the
     * event names ({@code isFile}: the caller resolves the name asked for, symlinks and all, in the container), waiting
     * at most {@code waitMs} for it; null when none came. The calls before it are dropped: failed attempts of a PATH
     * search, and executions of files the sensor does not watch (an image's files on overlayfs), which have no EXEC
     * event to match. It becomes the pid's program ({@link #latest}).
     */
    synchronized Exec next(int pid, long waitMs, java.util.function.Predicate<String> isFile) {
        long deadline = System.currentTimeMillis() + waitMs;
        while (true) {
            java.util.ArrayDeque<Exec> q = pending.get(pid);
            if (q != null) {
                int skip = 0;
                for (Exec candidate : q) {
                    if (isFile.test(candidate.file())) {
                        for (int i = 0; i < skip; i++) {
                            q.pollFirst();
                        }
                        Exec e = q.pollFirst();
                        current.put(pid, e);
                        return e;
                    }
                    skip++;
                }
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0 || process == null || !process.isAlive()) {
                return null;
            }
            try {
                wait(left);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** The latest execution of {@code pid}, if within the last {@code maxAgeMs}. */
    synchronized Exec latest(int pid, long now, long maxAgeMs) {
        Exec e = current.get(pid);
        return e != null && now - e.at() <= maxAgeMs ? e : null;
    }

    /**
     * Whether {@code file}, the name an execve asked for, is the container's {@code path} (the file fanotify saw
     * opened), following symlinks inside the container's root ({@code /bin/find} -> {@code busybox}). A name under
     * /proc ({@code /proc/self/exe}) is taken as the file itself. Anything it cannot follow does not match: an
     * execution is then named from /proc, never from another call's arguments.
     */
    static boolean names(Path rootfs, String file, String path) {
        if (file.startsWith("/proc/")) {
            return true;
        }
        if (!file.startsWith("/")) {
            return false;
        }
        String name = normalize(file);
        String root = ProcFiles.text(rootfs);
        for (int hop = 0; hop < 8 && !name.equals(path); hop++) {
            Path p = ProcFiles.file(root + name);
            if (!Files.isSymbolicLink(p)) {
                break;
            }
            String target = ProcFiles.link(p);
            if (target == null) {
                break;
            }
            name = normalize(target.startsWith("/") ? target : name.substring(0, name.lastIndexOf('/') + 1) + target);
        }
        return name.equals(path);
    }

    /** An absolute path without "." and ".." (which never climb above "/"). */
    static String normalize(String path) {
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || ".".equals(part)) {
                continue;
            }
            if ("..".equals(part)) {
                parts.pollLast();
            } else {
                parts.addLast(part);
            }
        }
        return "/" + String.join("/", parts);
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
