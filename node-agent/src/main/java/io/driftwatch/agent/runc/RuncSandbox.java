package io.driftwatch.agent.runc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real container, run with runc from a static busybox: for tests and for {@code ./driftwatch redteam}.
 *
 * <p>Layout under the work directory: {@code bundle/config.json}, {@code bundle/rootfs} (its own tmpfs, so that a
 * fanotify filesystem mark on it sees this container only), {@code state/} (runc's {@code --root}, to give a
 * {@code RuntimeWatcher}), {@code init.pid}, and {@code container.log} (the container's stdout and stderr, and runc's
 * own errors from {@code run}). The rootfs holds {@code /bin/busybox} copied from the host with one symlink per applet,
 * {@code /etc/passwd}, {@code /etc/group}, {@code /root}, {@code /tmp} (mode 1777), {@code /usr/bin} and
 * {@code /usr/sbin}. The container has runc's default namespaces and capabilities (unless
 * {@link Options#privileged()}), a writable root, cgroup {@code /driftwatch/<id>}, the caller's annotations, and the
 * host directories of {@link Options#volumes()} bind-mounted into it (none by default).
 *
 * <p>Needs root, {@code runc} ({@code apt-get install runc}) and a statically linked busybox
 * ({@code apt-get install busybox-static}); {@link #create} fails naming what is missing. {@link #close()} deletes the
 * container, unmounts the tmpfs and removes the work directory; it is idempotent and never throws, also for a
 * sandbox whose creation failed halfway.
 */
public final class RuncSandbox implements AutoCloseable {

    /**
     * How to build the container.
     *
     * @param args           the container's process (default {@code sleep 86400})
     * @param busybox        the host's static busybox to copy (default {@code /bin/busybox})
     * @param tmpfsMegabytes size of the rootfs tmpfs
     * @param privileged     whether the process gets every capability this JVM's bounding set holds (as a privileged
     *                       container does)
     * @param timeout        bound on each runc command, {@link #exec} included
     * @param volumes        host directories bind-mounted into the container (as a hostPath or emptyDir volume would
     *                       be); none by default
     */
    public record Options(List<String> args, Path busybox, int tmpfsMegabytes, boolean privileged, Duration timeout,
            List<Volume> volumes) {

        public Options {
            args = List.copyOf(args);
            if (args.isEmpty()) {
                throw new IllegalArgumentException("args must not be empty");
            }
            Objects.requireNonNull(busybox, "busybox");
            Objects.requireNonNull(timeout, "timeout");
            if (tmpfsMegabytes < 4) {
                throw new IllegalArgumentException("tmpfsMegabytes must be at least 4 (busybox is ~2 MB): " + tmpfsMegabytes);
            }
            volumes = volumes == null ? List.of() : List.copyOf(volumes);
        }

        /** Without volumes (the options before volumes existed). */
        public Options(List<String> args, Path busybox, int tmpfsMegabytes, boolean privileged, Duration timeout) {
            this(args, busybox, tmpfsMegabytes, privileged, timeout, List.of());
        }

        public static Options defaults() {
            return new Options(List.of("sleep", "86400"), Path.of("/bin/busybox"), 32, false, Duration.ofSeconds(30));
        }

        public Options withArgs(String... newArgs) {
            return new Options(List.of(newArgs), busybox, tmpfsMegabytes, privileged, timeout, volumes);
        }

        public Options withBusybox(Path path) {
            return new Options(args, path, tmpfsMegabytes, privileged, timeout, volumes);
        }

        public Options withTmpfsMegabytes(int megabytes) {
            return new Options(args, busybox, megabytes, privileged, timeout, volumes);
        }

        public Options withPrivileged(boolean all) {
            return new Options(args, busybox, tmpfsMegabytes, all, timeout, volumes);
        }

        public Options withTimeout(Duration bound) {
            return new Options(args, busybox, tmpfsMegabytes, privileged, bound, volumes);
        }

        /** These options with one more volume: {@code hostDirectory} bind-mounted read-write at {@code containerPath}. */
        public Options withVolume(Path hostDirectory, String containerPath) {
            List<Volume> more = new ArrayList<>(volumes);
            more.add(new Volume(hostDirectory, containerPath, false));
            return new Options(args, busybox, tmpfsMegabytes, privileged, timeout, more);
        }

        public Options withVolumes(List<Volume> all) {
            return new Options(args, busybox, tmpfsMegabytes, privileged, timeout, all);
        }
    }

    /**
     * A host directory bind-mounted into the container ({@code rbind}; {@code ro} when read-only). The sandbox does not
     * own it: it is neither created nor removed; close only ends the container's own mount of it.
     *
     * @param source      an existing directory on the host
     * @param destination an absolute path in the container (created in the rootfs when missing)
     * @param readOnly    mounted read-only
     */
    public record Volume(Path source, String destination, boolean readOnly) {
        public Volume {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(destination, "destination");
            if (!destination.startsWith("/") || destination.equals("/") || destination.contains("/../")
                    || destination.endsWith("/..")) {
                throw new IllegalArgumentException("volume destination must be an absolute path below /: " + destination);
            }
        }
    }

    /** How a command run in the container ended. */
    public record ExecResult(int exitCode, String stdout, String stderr) {
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    /** A runc command (or the building of the sandbox) failed; the message holds runc's own words. */
    public static final class RuncException extends RuntimeException {
        public RuncException(String message) {
            super(message);
        }

        public RuncException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(RuncSandbox.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** runc's rule for container ids. */
    private static final Pattern ID = Pattern.compile("[\\w+\\-.]+");
    private static final List<String> EXTRA_PATH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
            "/sbin", "/bin");
    /** Every capability up to CAP_CHECKPOINT_RESTORE (Linux 5.9), indexed by its number. */
    private static final List<String> ALL_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE",
            "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
            "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
            "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
            "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
            "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    private final Path workDir;
    private final String id;
    private final Options options;
    private final String runc;
    private final Path rootfs;
    private final Path stateRoot;
    private final AtomicInteger commands = new AtomicInteger();
    private boolean mounted;
    private boolean runAttempted;
    private boolean closed;
    private int initPid;

    private RuncSandbox(Path workDir, String id, Options options, String runc) {
        this.workDir = workDir;
        this.id = id;
        this.options = options;
        this.runc = runc;
        this.rootfs = workDir.resolve("bundle").resolve("rootfs");
        this.stateRoot = workDir.resolve("state");
    }

    /** Creates and starts a container with the default {@link Options}. */
    public static RuncSandbox create(Path workDir, String id, Map<String, String> annotations) {
        return create(workDir, id, annotations, Options.defaults());
    }

    /**
     * Creates and starts a container.
     *
     * @param workDir     where everything goes; created when missing, and must be empty (close removes it)
     * @param id          the container id (letters, digits, {@code _+-.}); also names its cgroup
     * @param annotations OCI annotations, e.g. the CRI's {@code io.kubernetes.cri.sandbox-name}
     * @throws IllegalStateException when root, runc or a static busybox is missing
     * @throws RuncException         when building or running the container fails (everything made so far is undone)
     */
    public static RuncSandbox create(Path workDir, String id, Map<String, String> annotations, Options options) {
        String runc = requirePrerequisites(options.busybox());
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("container id must match " + ID + ": '" + id + "'");
        }
        Path dir = workDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("work directory is not empty: " + dir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create work directory " + dir, e);
        }
        RuncSandbox sandbox = new RuncSandbox(dir, id, options, runc);
        try {
            sandbox.build(annotations);
            return sandbox;
        } catch (RuntimeException | Error e) {
            sandbox.close();
            throw e;
        } catch (IOException e) {
            sandbox.close();
            throw new RuncException("building sandbox " + id + " in " + dir + " failed: " + e, e);
        }
    }

    /**
     * Checks that this process can run sandboxes: root, runc on the PATH (or in an sbin directory) and a statically
     * linked busybox at the given path.
     *
     * @return the runc executable
     * @throws IllegalStateException naming what is missing and how to install it
     */
    public static String requirePrerequisites(Path busybox) {
        String uid = procStatusUid();
        if (!"0".equals(uid)) {
            throw new IllegalStateException("RuncSandbox needs root (it mounts a tmpfs and runs runc); running as uid " + uid);
        }
        String runc = findExecutable("runc");
        if (runc == null) {
            throw new IllegalStateException("runc not found on PATH or in /usr/sbin, /sbin: apt-get install -y runc");
        }
        if (!Files.isRegularFile(busybox) || !Files.isExecutable(busybox)) {
            throw new IllegalStateException("busybox not found at " + busybox + ": apt-get install -y busybox-static");
        }
        if (isDynamicallyLinked(busybox)) {
            throw new IllegalStateException(busybox + " is dynamically linked and cannot run in an empty rootfs: "
                    + "apt-get install -y busybox-static");
        }
        return runc;
    }

    public String id() {
        return id;
    }

    /** The container's root filesystem on the host (a tmpfs mount point). */
    public Path rootfs() {
        return rootfs;
    }

    /** runc's {@code --root} directory, holding {@code <id>/state.json}: the root to give a runtime watcher. */
    public Path stateRoot() {
        return stateRoot;
    }

    public Path workDir() {
        return workDir;
    }

    /** Host pid of the container's first process. */
    public int initPid() {
        return initPid;
    }

    /**
     * Runs a command in the container ({@code runc exec}) and waits for it, up to {@link Options#timeout()}.
     *
     * @throws RuncException when it does not end in time (the process is killed)
     */
    public ExecResult exec(String... argv) {
        if (argv.length == 0) {
            throw new IllegalArgumentException("nothing to exec");
        }
        Path pidFile = workDir.resolve("exec-" + commands.incrementAndGet() + ".pid");
        List<String> cmd = new ArrayList<>(List.of(runc, "--root", stateRoot.toString(), "exec", "--pid-file",
                pidFile.toString(), id));
        cmd.addAll(List.of(argv));
        try {
            return run(cmd, "exec", () -> killPidFile(pidFile));
        } finally {
            deleteQuietly(pidFile);
        }
    }

    /** {@code runc state}: {@code created}, {@code running}, {@code paused} or {@code stopped}. */
    public String state() {
        ExecResult r = runc("state", id);
        try {
            return JSON.readTree(r.stdout()).path("status").asText();
        } catch (IOException e) {
            throw new RuncException("runc state " + id + " printed no JSON: " + r.stdout(), e);
        }
    }

    /** Freezes every process of the container ({@code runc pause}). */
    public void pause() {
        runc("pause", id);
    }

    public void resume() {
        runc("resume", id);
    }

    /** Sends SIGKILL to the init process (TERM does not stop a {@code sleep} running as pid 1) and waits for it to stop. */
    public void kill() {
        runc("kill", id, "KILL");
        long deadline = System.nanoTime() + options.timeout().toNanos();
        while (!state().equals("stopped")) {
            if (System.nanoTime() > deadline) {
                throw new RuncException("container " + id + " did not stop within " + options.timeout() + " of SIGKILL");
            }
            sleep(10);
        }
    }

    /** Deletes the container (runc delete -f), unmounts its rootfs and removes the work directory; never throws. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (runAttempted) {
            try {
                ExecResult r = run(List.of(runc, "--root", stateRoot.toString(), "delete", "-f", id), "delete", () -> { });
                if (!r.succeeded()) {
                    LOG.warn("runc delete -f {} failed ({}): {}", id, r.exitCode(), r.stderr().strip());
                }
            } catch (RuntimeException e) {
                LOG.warn("runc delete -f {} failed", id, e);
            }
        }
        if (mounted && !unmount()) {
            LOG.warn("Leaving {} in place: its rootfs {} is still mounted", workDir, rootfs);
            return;
        }
        try {
            deleteTree(workDir);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not remove sandbox work directory {}", workDir, e);
        }
    }

    /**
     * Fills {@code rootfs} (an existing empty directory) the way every sandbox's root is filled: {@code /bin/busybox}
     * copied from {@code busybox} with one symlink per applet, {@code /etc/passwd} and {@code /etc/group}, {@code /root}
     * (0700), {@code /tmp} (1777), {@code /usr/bin} and {@code /usr/sbin}. Public so that a test can build an image
     * with exactly a sandbox's content (image drift: the image is scanned, the container runs the same files).
     */
    public static void populate(Path rootfs, Path busybox) throws IOException {
        for (String d : List.of("bin", "etc", "usr/bin", "usr/sbin")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.createDirectory(rootfs.resolve("root"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path tmp = Files.createDirectory(rootfs.resolve("tmp"));
        quick(List.of(command("chmod"), "1777", tmp.toString()));
        Path copy = rootfs.resolve("bin/busybox");
        Files.copy(busybox, copy, StandardCopyOption.COPY_ATTRIBUTES);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String applet : quick(List.of(busybox.toString(), "--list")).split("\n")) {
            String name = applet.strip();
            if (!name.isEmpty() && !name.equals("busybox") && !name.contains("/")) {
                Files.createSymbolicLink(rootfs.resolve("bin").resolve(name), Path.of("busybox"));
            }
        }
        Files.writeString(rootfs.resolve("etc/passwd"),
                "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
    }

    /** Runs a short local command (chmod, busybox --list) and returns its output; fails on a non-zero exit. */
    private static String quick(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new RuncException(String.join(" ", cmd) + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new RuncException("interrupted while running " + String.join(" ", cmd));
        }
        return output;
    }

    private void build(Map<String, String> annotations) throws IOException {
        Path bundle = rootfs.getParent();
        Files.createDirectories(rootfs);
        Files.createDirectories(stateRoot);
        mustSucceed(run(List.of(command("mount"), "-t", "tmpfs", "-o", "size=" + options.tmpfsMegabytes() + "m,mode=0755",
                "tmpfs", rootfs.toString()), "mount", () -> { }), "mount tmpfs on " + rootfs);
        mounted = true;
        populate(rootfs, options.busybox());

        mustSucceed(run(List.of(runc, "spec", "--bundle", bundle.toString()), "spec", () -> { }), "runc spec");
        Path configFile = bundle.resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(configFile.toFile());
        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", false);
        process.set("args", strings(options.args()));
        process.put("cwd", "/");
        process.set("env", strings(List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root")));
        if (options.privileged()) {
            ObjectNode caps = (ObjectNode) process.get("capabilities");
            for (String set : List.of("bounding", "effective", "permitted")) {
                caps.set(set, strings(boundingCapabilities()));
            }
        }
        ((ObjectNode) config.get("root")).put("readonly", false);
        if (!options.volumes().isEmpty()) {
            ArrayNode mounts = (ArrayNode) config.get("mounts");
            for (Volume v : options.volumes()) {
                Path source = v.source().toAbsolutePath().normalize();
                if (!Files.isDirectory(source)) {
                    throw new IllegalArgumentException("volume source is not a directory: " + source);
                }
                Files.createDirectories(rootfs.resolve(v.destination().substring(1)));
                ObjectNode mount = mounts.addObject();
                mount.put("destination", v.destination());
                mount.put("type", "bind");
                mount.put("source", source.toString());
                mount.set("options", strings(List.of("rbind", v.readOnly() ? "ro" : "rw")));
            }
        }
        ((ObjectNode) config.get("linux")).put("cgroupsPath", "/driftwatch/" + id);
        ObjectNode ann = config.putObject("annotations");
        annotations.forEach(ann::put);
        JSON.writerWithDefaultPrettyPrinter().writeValue(configFile.toFile(), config);

        Path pidFile = workDir.resolve("init.pid");
        List<String> cmd = List.of(runc, "--root", stateRoot.toString(), "run", "-d", "--pid-file", pidFile.toString(),
                "--bundle", bundle.toString(), id);
        runAttempted = true;
        long t0 = System.nanoTime();
        // -d leaves the container holding runc's stdio: a file, never a pipe the JVM would wait on.
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(workDir.resolve("container.log").toFile());
        int exit = waitFor(pb.start(), cmd, () -> { });
        if (exit != 0) {
            throw new RuncException("runc run " + id + " exited " + exit + ": "
                    + Files.readString(workDir.resolve("container.log")).strip());
        }
        initPid = Integer.parseInt(Files.readString(pidFile).trim());
        LOG.debug("Sandbox {} running as pid {} after runc run in {} ms", id, initPid, (System.nanoTime() - t0) / 1_000_000);
    }

    private ExecResult runc(String... args) {
        List<String> cmd = new ArrayList<>(List.of(runc, "--root", stateRoot.toString()));
        cmd.addAll(List.of(args));
        return mustSucceed(run(cmd, args[0], () -> { }), "runc " + String.join(" ", args));
    }

    private static ExecResult mustSucceed(ExecResult r, String what) {
        if (!r.succeeded()) {
            throw new RuncException(what + " exited " + r.exitCode() + ": " + (r.stderr().strip() + " " + r.stdout().strip()).strip());
        }
        return r;
    }

    /** Runs a command with stdout and stderr to files (a pipe held by a stray child would hang the read). */
    private ExecResult run(List<String> cmd, String name, Runnable onTimeout) {
        int n = commands.incrementAndGet();
        Path out = workDir.resolve(name + "-" + n + ".out");
        Path err = workDir.resolve(name + "-" + n + ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            int exit = waitFor(p, cmd, onTimeout);
            return new ExecResult(exit, Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException("running " + cmd, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private int waitFor(Process p, List<String> cmd, Runnable onTimeout) {
        try {
            if (!p.waitFor(options.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                onTimeout.run();
                p.destroyForcibly();
                throw new RuncException(String.join(" ", cmd) + " did not finish within " + options.timeout());
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new RuncException("interrupted while running " + String.join(" ", cmd));
        }
    }

    private static void killPidFile(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        } catch (IOException | NumberFormatException e) {
            LOG.debug("No exec pid to kill in {}: {}", pidFile, e.toString());
        }
    }

    /** Unmounts the rootfs, retrying while busy and then detaching it lazily; true when it is no longer mounted. */
    private boolean unmount() {
        String umount = command("umount");
        for (int attempt = 0; attempt < 5 && isMounted(rootfs); attempt++) {
            ExecResult r = run(List.of(umount, rootfs.toString()), "umount", () -> { });
            if (!r.succeeded()) {
                LOG.debug("umount {} failed ({}), retrying", rootfs, r.stderr().strip());
                sleep(50);
            }
        }
        if (isMounted(rootfs)) {
            ExecResult r = run(List.of(umount, "-l", rootfs.toString()), "umount", () -> { });
            LOG.warn("Lazily unmounted busy rootfs {}: {}", rootfs, r.succeeded() ? "ok" : r.stderr().strip());
        }
        return !isMounted(rootfs);
    }

    private static boolean isMounted(Path mountPoint) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mounts"))) {
            String target = mountPoint.toString();
            return lines.map(l -> l.split(" ")).anyMatch(f -> f.length > 1 && unescapeMountField(f[1]).equals(target));
        } catch (IOException e) {
            return false;
        }
    }

    /** /proc/self/mounts writes space, tab, newline and backslash as octal escapes ({@code \040}). */
    private static String unescapeMountField(String field) {
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("Could not delete {}: {}", file, e.toString());
        }
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private static String command(String name) {
        String path = findExecutable(name);
        return path == null ? name : path;
    }

    private static String findExecutable(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(EXTRA_PATH);
        for (String dir : dirs) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return null;
    }

    private static String procStatusUid() {
        String uid = procStatus("Uid:");
        return uid == null ? "?" : uid.split("\\s+")[1];
    }

    /**
     * The capabilities in this process's bounding set: what a privileged container can get (as Docker does), since
     * runc fails to start a container asking for more.
     */
    private static List<String> boundingCapabilities() {
        String hex = procStatus("CapBnd:");
        long mask = hex == null ? -1L : Long.parseUnsignedLong(hex, 16);
        List<String> caps = new ArrayList<>();
        for (int bit = 0; bit < ALL_CAPABILITIES.size(); bit++) {
            if ((mask & (1L << bit)) != 0) {
                caps.add(ALL_CAPABILITIES.get(bit));
            }
        }
        return caps;
    }

    /** The value of one line of /proc/self/status, or null. */
    private static String procStatus(String key) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith(key)).map(l -> l.substring(key.length()).strip()).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether an ELF executable asks for a program interpreter (PT_INTERP), i.e. needs a dynamic loader and libc. */
    private static boolean isDynamicallyLinked(Path elf) {
        try (FileChannel ch = FileChannel.open(elf)) {
            ByteBuffer header = ByteBuffer.allocate(64);
            ch.read(header, 0);
            header.flip();
            if (header.limit() < 64 || header.getInt(0) != 0x7f454c46 || header.get(4) != 2) {
                return false; // not a 64-bit ELF: let runc say what is wrong
            }
            header.order(header.get(5) == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            long phoff = header.getLong(32);
            int phentsize = Short.toUnsignedInt(header.getShort(54));
            int phnum = Short.toUnsignedInt(header.getShort(56));
            ByteBuffer ph = ByteBuffer.allocate(phentsize * phnum).order(header.order());
            ch.read(ph, phoff);
            for (int i = 0; i < phnum; i++) {
                if (ph.getInt(i * phentsize) == 3) {
                    return true;
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
