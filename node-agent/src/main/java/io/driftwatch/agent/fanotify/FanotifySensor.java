package io.driftwatch.agent.fanotify;

import io.driftwatch.agent.RateLimitedLog;
import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's file sensor: fanotify filesystem marks on every filesystem that holds a container root,
 * events turned into DESIGN.md's FileEvents with the path as seen inside the container, the container
 * id from the runtime watcher's rootfs map, and the process from /proc (best effort).
 *
 * <p>What fanotify reports is coarser than FileEvent's types, so the sensor derives them:
 * <ul>
 * <li>FAN_CREATE: MKDIR for a directory, SYMLINK for a symbolic link (newPath = its target), LINK for a
 *     regular file that already has more than one name (newPath unknown: fanotify does not say which),
 *     else CREATE with the new file's mode.
 * <li>FAN_MODIFY (a write or a truncation): MODIFY, once per file and process until the file is closed
 *     (FAN_CLOSE_WRITE); TRUNCATE when the file is empty afterwards; there is no OPEN_WRITE in
 *     file-handle mode.
 * <li>FAN_ATTRIB: the file's mode and owner are read and compared with what the sensor last saw (a scan
 *     of the root filesystem when the container is found, then every event): CHMOD with previousMode,
 *     CHOWN, or nothing for a timestamp-only change (counted).
 * <li>FAN_DELETE: DELETE or RMDIR. FAN_RENAME: RENAME with path and newPath.
 * <li>FAN_OPEN_EXEC: EXEC (path = exe = the file executed). FAN_ACCESS (a read): OPEN_READ, once per file
 *     and process within {@value #READ_FOLD_MS} ms.
 * </ul>
 * fanotify carries no timestamp: the event time is when the sensor read the event (milliseconds after
 * the operation, more under load).
 *
 * <p>Paths, names, command lines and executables are byte-exact text ({@link ProcFiles}): what is valid UTF-8 as it
 * is, other bytes and control characters as {@code \xNN}, a backslash as {@code \\}. The command line is read up
 * to {@link Config#maxCmdlineBytes()}; a longer one is cut and the event's {@code truncated} lists "cmdline". Each
 * event is handled on its own: one whose handling throws is counted ({@code handlingFailed}) and logged, and the
 * rest of the kernel's read buffer is handled all the same.
 *
 * <p><b>On overlayfs</b> (containerd, Docker) the merged root refuses a filesystem mark, so the sensor
 * marks the filesystem of the upper directory and maps upper/ to container paths; work/ is overlayfs's
 * scratch space, and what it does there is counted in {@code overlayInternal}, not reported. As seen on
 * Linux 6.18 (tmpfs upper, default options): a change to a file of the image first copies it up (a
 * temporary O_TMPFILE in work/, then linked into upper/: a CREATE in upper/ whose handle was seen in
 * work/, left out), then the change itself is an ordinary MODIFY, ATTRIB (CHMOD with the image's mode as
 * previousMode, from the baseline scan of the merged root) or rename. Directories are copied up by a
 * mkdir in work/ and a rename into upper/ (left out). A delete of an image file is a rename of the shared
 * whiteout (a character device 0:0) from work/ into upper/: DELETE, or RMDIR over a directory (rm -r of
 * an image directory also swaps in empty opaque directories with RENAME_EXCHANGE: left out). A create
 * where the image had a file that was deleted is a rename from work/ onto the whiteout (a RENAME_EXCHANGE
 * for a directory): CREATE, MKDIR or SYMLINK. Renaming an image file leaves an unreported whiteout at the
 * old name (RENAME_WHITEOUT); the sensor remembers it. Files new in upper/ behave as on any filesystem.
 * What the sensor does not see on overlay: reads and executions of files still in the image (overlayfs
 * opens them in a lower layer, which is not marked and may be shared by several containers), so EXEC
 * and OPEN_READ come only for files the container wrote or copied up; and overlayfs's own xattr updates
 * on upper directories during a copy-up (counted as overlayInternal, or attribOther). Not tried:
 * metacopy=on, redirect_dir=on, index=on, volatile, and layers given as {@code lowerdir+} (new mount API).
 *
 * <p><b>The node itself</b> ({@link #watchHost}, issue 19): the filesystems holding the configured host paths are marked
 * too, for changes only unless a container shares them; an event no container claims whose path is a host path
 * ({@link HostPaths}) is the node's: containerId {@value #HOST_ID}, source {@value #HOST_SOURCE}, the node's path.
 * <b>EXEC events</b> carry the executed file's SHA-256 ({@link ExecHasher}), read through the object's file handle.
 */
public final class FanotifySensor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FanotifySensor.class);
    private static final RateLimitedLog FAILURES = new RateLimitedLog(LOG, 10_000);
    static final long READ_FOLD_MS = 10_000;
    private static final int FOLD_CAPACITY = 65_536;
    private static final int MODE_CAPACITY = 500_000;

    /** Where FileEvents go; false means no room (the event is counted as dropped). */
    public interface EventSink {
        boolean offer(FileEvent event);
    }

    /**
     * @param node            this node's name, on every event
     * @param reads           report reads (FAN_ACCESS) as OPEN_READ
     * @param exec            report executions (FAN_OPEN_EXEC) as EXEC
     * @param unlimitedQueue  FAN_UNLIMITED_QUEUE: the kernel never drops; the agent's bounded buffer counts
     *                        exactly what it drops instead
     * @param baselineLimit   files to stat per container when it is found (for CHMOD's previousMode)
     * @param proc            the proc filesystem (/proc)
     * @param maxCmdlineBytes at most this many bytes of a process's command line are read (and its text is at most
     *                        this many characters); a longer one is cut and marked in the event's {@code truncated}
     * @param mounts          also watch the container's other mounts: /dev, /dev/shm, volumes
     * @param pins            hold new files open for a moment ({@link PinGroup}) so a file deleted at once still tells
     *                        its mode
     * @param execArgs        take each execution's file and arguments from the kernel with bpftrace when it is
     *                        installed ({@link ExecArgs})
     */
    public record Config(String node, boolean reads, boolean exec, boolean unlimitedQueue, int baselineLimit, Path proc,
            int maxCmdlineBytes, boolean mounts, boolean pins, boolean execArgs, boolean hashExec, Host host) {
        public Config(String node, boolean reads, boolean exec, boolean unlimitedQueue, int baselineLimit, Path proc,
                int maxCmdlineBytes) {
            this(node, reads, exec, unlimitedQueue, baselineLimit, proc, maxCmdlineBytes, true, true, true);
        }

        public Config(String node, boolean reads, boolean exec, boolean unlimitedQueue, int baselineLimit, Path proc,
                int maxCmdlineBytes, boolean mounts, boolean pins) {
            this(node, reads, exec, unlimitedQueue, baselineLimit, proc, maxCmdlineBytes, mounts, pins, true);
        }

        /** Executed files hashed ({@link #hashExec}), no host FIM ({@link #host} null: see {@link #withHost}). */
        public Config(String node, boolean reads, boolean exec, boolean unlimitedQueue, int baselineLimit, Path proc,
                int maxCmdlineBytes, boolean mounts, boolean pins, boolean execArgs) {
            this(node, reads, exec, unlimitedQueue, baselineLimit, proc, maxCmdlineBytes, mounts, pins, execArgs, true, null);
        }

        public Config {
            if (maxCmdlineBytes < 1) {
                throw new IllegalArgumentException("maxCmdlineBytes must be at least 1, not " + maxCmdlineBytes);
            }
        }

        public static Config defaults(String node) {
            return new Config(node, true, true, true, 200_000, Path.of("/proc"), ProcFiles.DEFAULT_MAX_CMDLINE_BYTES);
        }

        public Config withMaxCmdlineBytes(int bytes) {
            return new Config(node, reads, exec, unlimitedQueue, baselineLimit, proc, bytes, mounts, pins, execArgs,
                    hashExec, host);
        }

        /** Whether the container's mounts besides its root (/dev, /dev/shm, volumes) are watched (default yes). */
        public Config withMounts(boolean watchMounts) {
            return new Config(node, reads, exec, unlimitedQueue, baselineLimit, proc, maxCmdlineBytes, watchMounts, pins,
                    execArgs, hashExec, host);
        }

        /** Whether new files are held open for a moment by the pin group (default yes): see {@link PinGroup}. */
        public Config withPins(boolean pinNewFiles) {
            return new Config(node, reads, exec, unlimitedQueue, baselineLimit, proc, maxCmdlineBytes, mounts, pinNewFiles,
                    execArgs, hashExec, host);
        }

        /** Whether EXEC events carry the executed file's SHA-256 (default yes): see {@link ExecHasher}. */
        public Config withHashExec(boolean hash) {
            return new Config(node, reads, exec, unlimitedQueue, baselineLimit, proc, maxCmdlineBytes, mounts, pins,
                    execArgs, hash, host);
        }

        /** Host FIM: the node's own paths watched too ({@link FanotifySensor#watchHost()}); null for none. */
        public Config withHost(Host hostFim) {
            return new Config(node, reads, exec, unlimitedQueue, baselineLimit, proc, maxCmdlineBytes, mounts, pins,
                    execArgs, hashExec, hostFim);
        }
    }

    /**
     * Host file-integrity monitoring: which of the node's paths are watched, and where the node's root is as the agent
     * sees it ({@code /} when the agent runs in the host's mount namespace, {@code /host} in a pod that mounts it there).
     */
    public record Host(Path root, HostPaths paths) {
        public Host {
            if (!root.isAbsolute()) {
                throw new IllegalArgumentException("the host root must be an absolute path, not " + root);
            }
            root = root.normalize();
        }

        public static Host defaults() {
            return new Host(Path.of("/"), new HostPaths(HostPaths.DEFAULTS));
        }
    }

    /** The container id of the node's own events (DESIGN.md). */
    public static final String HOST_ID = "host";
    /** The source of the node's own events. */
    public static final String HOST_SOURCE = "fanotify-host";

    /**
     * Mode and owner of a file, and when the sensor took them ({@code batch}: the System.nanoTime at which the
     * handler began the batch it was handling then; {@code Long.MIN_VALUE} for the baseline scan). A stat taken while handling an event is taken after the fact: a chmod queued in the
     * same or the next batch may already show in it, so such a stat cannot serve as that chmod's
     * previousMode.
     */
    private record Stat(int mode, long uid, long gid, long batch, boolean dir, long ino) {
    }

    /** The layers of a container on overlayfs, from its mount's options. */
    private record Overlay(Path upper, Path work, List<Path> lowers) {
    }

    private final Config config;
    private final EventSink sink;
    private final SensorCounters counters;
    private final Fanotify fanotify;
    private final ProcessTable processes;
    private final ContainerIndex index = new ContainerIndex();
    /** containerId -> the fsids marked for it (its root, its other mounts). */
    private final Map<String, List<Long>> markedBy = new ConcurrentHashMap<>();
    private final PinGroup pins;
    private final ExecCatcher execs;
    private final ExecArgs execArgs;
    /** SHA-256 of executed files, or null when {@link Config#hashExec()} is off. */
    private final ExecHasher hasher;
    /** The node itself as a pseudo-container (id {@value #HOST_ID}, rootfs the host root), once {@link #watchHost()} ran. */
    private volatile ContainerInfo hostContainer;
    /** The host root as text ("" for "/"), stripped from the paths of host events. */
    private String hostRoot = "";

    /** How long the handler may still wait this second for the kernel's records (ms), and when it was last refilled. */
    private long waitBudgetMs = WAIT_BUDGET_MS;
    private long waitBudgetSince;
    static final long WAIT_BUDGET_MS = 100;

    /**
     * At most {@code wantMs}, out of {@value #WAIT_BUDGET_MS} ms a second: the handler waits for the kernel's record of
     * an execution or a symlink (usually there already) only so long, so that a storm of vanished files or of
     * executions nobody can match (rm -r of a fresh tree, a build) never holds the sensor up for more than a tenth of
     * its time.
     */
    private long waitBudget(long wantMs) {
        long now = System.currentTimeMillis();
        if (now - waitBudgetSince >= 1_000) {
            waitBudgetSince = now;
            waitBudgetMs = WAIT_BUDGET_MS;
        }
        return Math.max(0, Math.min(wantMs, waitBudgetMs));
    }

    /** Charges the budget with the time since {@code startNanos} (what a wait really took). */
    private void charge(long startNanos) {
        waitBudgetMs -= (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Whether executions get their file and arguments from the kernel (bpftrace attached). */
    public boolean execArgsActive() {
        return execArgs != null;
    }
    private final ReentrantLock lock = new ReentrantLock();
    private final int selfPid = (int) ProcessHandle.current().pid();
    private final String idPrefix;
    private long sequence;
    /** When the handler began the batch it is handling (System.nanoTime), the time stats taken now carry. */
    private long batch = Long.MIN_VALUE + 1;
    /** When the previous batch, and this one, were read by the reader thread. */
    private long previousRead = Long.MIN_VALUE + 1;
    private long lastRead = Long.MIN_VALUE + 1;
    private volatile boolean running = true;
    private Thread thread;

    /** A container's file, as the stats know it. */
    private record FileKey(String containerId, String path) {
    }

    /** (containerId, path) -> mode/owner last seen. */
    private final Map<FileKey, Stat> stats = lru(MODE_CAPACITY);
    /** MODIFY/OPEN_READ already reported for a file and pid -> when. */
    private final Map<Fold, Long> folds = lru(FOLD_CAPACITY);
    /** containerId -> its overlay layers, for containers on overlayfs. */
    private final Map<String, Overlay> overlays = new ConcurrentHashMap<>();
    /**
     * Handles of files seen in an overlay work directory (copy-up temp files) -> whether they have been
     * linked into upper/ yet. Their first CREATE in upper/ is the copy-up, any later one a hard link.
     */
    private final Map<ByteBuffer, Boolean> workObjects = lru(FOLD_CAPACITY);
    /** Host paths in an overlay upper directory that hold a whiteout (the image's file there was deleted). */
    private final Map<String, Boolean> whiteouts = lru(MODE_CAPACITY);
    /** pid -> the read batch in which it last caused overlay work-directory traffic (a copy-up). */
    private final Map<Integer, Long> overlayBusy = lru(4096);

    public FanotifySensor(Config config, EventSink sink, SensorCounters counters) throws IOException {
        this.config = config;
        this.sink = sink;
        this.counters = counters;
        this.processes = new ProcessTable(config.proc(), config.maxCmdlineBytes());
        long mask = LibC.FAN_CREATE | LibC.FAN_DELETE | LibC.FAN_RENAME | LibC.FAN_MODIFY | LibC.FAN_CLOSE_WRITE
                | LibC.FAN_ATTRIB | LibC.FAN_ONDIR | (config.exec() ? LibC.FAN_OPEN_EXEC : 0)
                | (config.reads() ? LibC.FAN_ACCESS | LibC.FAN_OPEN : 0);
        this.fanotify = new Fanotify(mask, config.unlimitedQueue());
        this.pins = config.pins() ? new PinGroup(counters) : null;
        this.execs = config.exec() ? new ExecCatcher(config.proc(), config.maxCmdlineBytes()) : null;
        this.processes.catcher(execs);
        this.execArgs = config.exec() && config.execArgs() ? ExecArgs.start() : null;
        this.processes.execArgs(execArgs);
        this.hasher = config.exec() && config.hashExec()
                ? new ExecHasher(ExecHasher.DEFAULT_CAPACITY, ExecHasher.DEFAULT_MAX_BYTES, counters) : null;
        this.idPrefix = config.node() + "-" + Long.toString(System.currentTimeMillis(), 36) + "-";
    }

    /** Whether both its threads run (false before start and after close, or when one died). */
    public boolean alive() {
        return reader != null && thread != null && reader.isAlive() && thread.isAlive();
    }

    /** Starts the reader thread. */
    public FanotifySensor start() {
        reader = new Thread(this::read, "fanotify-reader");
        reader.setDaemon(true);
        reader.start();
        thread = new Thread(this::loop, "fanotify-sensor");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /**
     * Watches a container: marks the filesystem of its root (for overlayfs, of the upper directory), maps
     * its paths, and records the mode and owner of up to {@code baselineLimit} files. When this returns,
     * the container's changes are being seen.
     */
    public void watch(ContainerInfo container) throws IOException {
        if (container.rootfs() == null) {
            throw new IOException("container " + container.id() + " has no rootfs path: nothing to watch");
        }
        Path rootfs = container.rootfs();
        MountInfo mount = MountInfo.at(config.proc().resolve("self/mountinfo"), rootfs.toString());
        lock.lock();
        try {
            List<Long> marked = new ArrayList<>();
            if (mount != null && "overlay".equals(mount.fsType()) && mount.superOptions().containsKey("upperdir")) {
                Path upper = Path.of(mount.superOptions().get("upperdir"));
                long fsid = fanotify.watch(upper);
                pin(fsid);
                marked.add(fsid);
                String work = mount.superOptions().get("workdir");
                overlays.put(container.id(), new Overlay(upper, work == null ? null : Path.of(work),
                        lowerDirs(mount.superOptions().get("lowerdir"))));
                rememberDirectories(upper, fsid);
                index.add(ProcFiles.text(upper), container, ContainerIndex.Kind.UPPER);
                if (work != null) {
                    index.add(ProcFiles.text(work), container, ContainerIndex.Kind.WORK);
                }
            } else {
                long fsid = fanotify.watch(rootfs);
                pin(fsid);
                marked.add(fsid);
                rememberDirectories(rootfs, fsid);
                index.add(ProcFiles.text(rootfs), container, ContainerIndex.Kind.ROOTFS);
            }
            markedBy.put(container.id(), marked);
            baseline(container, rootfs, "");
            if (config.mounts()) {
                watchMounts(container, marked);
            }
        } finally {
            lock.unlock();
        }
        LOG.info("watching container {} at {}{}", container.id(), rootfs,
                mount != null && "overlay".equals(mount.fsType()) ? " (overlay upper " + mount.superOptions().get("upperdir") + ")" : "");
    }

    /**
     * Host FIM ({@link Config#host()}): marks the filesystems that hold the configured host paths (each pattern's base
     * under the host root, and every other filesystem mounted below one), and records the mode and owner of the files
     * there for CHMOD's previousMode. From then on an event on a marked filesystem that no container claims and whose
     * path (host root stripped) is one of the host paths is reported with containerId {@value #HOST_ID}: changes only
     * (create, write, attributes, delete, rename), not reads, opens or executions, which on a node's /etc and /usr/lib
     * are every process's daily work. Containers are resolved first: a container's root or volume that lies on the same
     * filesystem, even below a host path (a host directory bind-mounted into a watched container), is reported as the
     * container's, once. A base that does not exist is skipped (logged). Returns the directories marked.
     */
    public List<Path> watchHost() throws IOException {
        Host host = config.host();
        if (host == null) {
            throw new IllegalStateException("host FIM is off (Config.host is null)");
        }
        List<Path> done = new ArrayList<>();
        lock.lock();
        try {
            String root = ProcFiles.text(host.root());
            hostRoot = "/".equals(root) ? "" : root;
            ContainerInfo me = new ContainerInfo(HOST_ID, "host", host.root(), 1, System.currentTimeMillis(), null,
                    config.node(), null, null, null, null, Map.of(), true);
            List<Long> marked = new ArrayList<>();
            List<MountInfo> mounts = MountInfo.all(config.proc().resolve("self/mountinfo"));
            for (String base : host.paths().bases()) {
                Path access = HostPaths.under(host.root(), base);
                String inside = "/".equals(base) ? "" : base;
                if (!Files.isDirectory(access)) {
                    if (Files.exists(access, LinkOption.NOFOLLOW_LINKS)) {
                        access = access.getParent(); // a single file configured: its directory's filesystem
                        String parent = base.substring(0, base.lastIndexOf('/'));
                        inside = parent; // "" for a file in /
                    } else {
                        LOG.info("host FIM: {} does not exist on this node: not watched", access);
                        continue;
                    }
                }
                List<Path> places = new ArrayList<>();
                places.add(access);
                String prefix = access.toString();
                for (MountInfo m : mounts) {
                    String point = m.mountPoint();
                    if (!point.equals(prefix) && HostPaths.within(point, prefix) && !PSEUDO_FS.contains(m.fsType())) {
                        places.add(Path.of(point));
                    }
                }
                for (Path place : places) {
                    try {
                        // changes only: a filesystem that holds no container is not read for every open of the node
                        long fsid = fanotify.watch(place, null, HOST_CHANGES | LibC.FAN_ONDIR);
                        if (!marked.contains(fsid)) {
                            marked.add(fsid);
                        }
                        done.add(place);
                    } catch (IOException e) {
                        LOG.warn("host FIM: {} not watched: {}", place, e.getMessage());
                    }
                }
                baseline(me, access, inside);
            }
            markedBy.put(HOST_ID, marked);
            hostContainer = me;
        } finally {
            lock.unlock();
        }
        LOG.info("host FIM: watching {} under host root {} ({} places marked)", config.host().paths(), config.host().root(),
                done.size());
        return done;
    }

    /** Filesystems never marked for host FIM when mounted below a host path (no file handles, or kernel state). */
    private static final java.util.Set<String> PSEUDO_FS = java.util.Set.of("proc", "sysfs", "cgroup", "cgroup2", "devpts",
            "mqueue", "tracefs", "debugfs", "securityfs", "nsfs", "fusectl", "configfs", "bpf", "autofs", "binfmt_misc",
            "pstore", "efivarfs", "hugetlbfs", "rpc_pipefs", "overlay");

    /** A path the sensor reads (a host path in its mount namespace) as the node sees it, or null when outside the host root. */
    private String hostView(String hostPath) {
        if (hostRoot.isEmpty()) {
            return hostPath;
        }
        if (hostPath.equals(hostRoot)) {
            return "/";
        }
        return hostPath.startsWith(hostRoot) && hostPath.length() > hostRoot.length()
                && hostPath.charAt(hostRoot.length()) == '/' ? hostPath.substring(hostRoot.length()) : null;
    }

    /**
     * The node's own file an event no container claims is about, or null: its path, or for a rename its new path, is one of
     * the host paths. (A file renamed from elsewhere into /etc/cron.d is reported, with its old path.)
     */
    private ContainerIndex.Resolved hostPlace(RawEvent ev, String dir, String hostPath) {
        ContainerInfo me = hostContainer;
        if (me == null) {
            return null;
        }
        String viewDir = hostView(dir);
        String name = ev.dir().name();
        boolean self = ".".equals(name) || name.isEmpty(); // the directory itself
        if (viewDir != null && (self ? config.host().paths().matches(viewDir) : config.host().paths().inDirectory(viewDir, name))) {
            return new ContainerIndex.Resolved(me, ContainerIndex.Kind.ROOTFS, hostView(hostPath));
        }
        if (ev.has(LibC.FAN_RENAME) && ev.newDir() != null) {
            String newDir = fanotify.directory(ev.newDir());
            String newView = newDir == null ? null : hostView(newDir);
            if (newView != null && config.host().paths().inDirectory(newView, ev.newDir().name())) {
                String from = hostView(hostPath);
                return new ContainerIndex.Resolved(me, ContainerIndex.Kind.ROOTFS, from != null ? from : hostPath);
            }
        }
        return null;
    }

    /** Stops watching a container that has gone; removes the filesystem mark if no other container needs it. */
    public void unwatch(String containerId) {
        lock.lock();
        try {
            index.remove(containerId);
            List<Long> marked = markedBy.remove(containerId);
            if (marked != null) {
                for (long fsid : marked) {
                    boolean shared = markedBy.values().stream().anyMatch(l -> l.contains(fsid));
                    if (!shared) {
                        if (pins != null) {
                            pins.unwatch(fsid);
                        }
                        fanotify.unwatch(fsid);
                    }
                }
            }
            stats.keySet().removeIf(k -> k.containerId().equals(containerId));
            Overlay overlay = overlays.remove(containerId);
            if (overlay != null) {
                String upper = ProcFiles.text(overlay.upper()) + "/";
                whiteouts.keySet().removeIf(k -> k.startsWith(upper));
            }
        } finally {
            lock.unlock();
        }
    }

    private void pin(long fsid) throws IOException {
        if (pins != null) {
            pins.watch(fsid, fanotify.mountFd(fsid));
        }
    }

    /** Watches the container's mounts besides its root ({@link ContainerMounts}). */
    private void watchMounts(ContainerInfo container, List<Long> marked) {
        Integer pid = container.initPid();
        if (pid == null) {
            LOG.warn("container {} has no init pid: only its root is watched", container.id());
            return;
        }
        List<ContainerMounts.Place> places;
        try {
            places = ContainerMounts.of(config.proc(), pid);
        } catch (IOException e) {
            LOG.warn("cannot read the mounts of container {} (pid {}): only its root is watched: {}", container.id(), pid,
                    e.toString());
            return;
        }
        for (ContainerMounts.Place place : places) {
            try {
                watchMount(container, place, marked);
            } catch (IOException | RuntimeException e) {
                counters.mountsRefused.incrementAndGet();
                LOG.warn("container {}: mount {} ({}) not watched: {}", container.id(), place.mountPoint(), place.fsType(),
                        e.getMessage());
            }
        }
    }

    private void watchMount(ContainerInfo c, ContainerMounts.Place place, List<Long> marked) throws IOException {
        Path access = place.access();
        long fsid = fanotify.watch(place.file() ? access.getParent() : access, place.viewPrefix());
        if (!"/dev".equals(place.mountPoint())) {
            pin(fsid); // not /dev: the pin group would open every device node the container opens
        }
        if (!marked.contains(fsid)) {
            marked.add(fsid);
        }
        index.addMount(ProcFiles.text(access), c, place.mountPoint());
        if (!place.file()) {
            rememberDirectories(access, fsid);
            baseline(c, access, place.mountPoint());
        }
        counters.mountsWatched.incrementAndGet();
        LOG.info("watching container {}'s {} ({}) at {}", c.id(), place.mountPoint(), place.fsType(), access);
    }

    public SensorCounters counters() {
        return counters;
    }

    /** A batch of events as read, with what was seen of the entries they created right after the read. */
    private record Batch(List<RawEvent> events, Map<RawEvent, PreStat> created, Map<RawEvent, Long> execs, long readNanos) {
    }

    /** A new entry's attributes (and a symbolic link's target), read by the reader thread right after the read. */
    private record PreStat(FileStat attrs, String target) {
    }

    /** statx buffers of the reader thread and of the handler thread. */
    private final com.sun.jna.Memory readerStatx = new com.sun.jna.Memory(256);
    private final com.sun.jna.Memory handlerStatx = new com.sun.jna.Memory(256);

    /** Batches read and not yet handled; when full the reader waits and the kernel queue holds the rest. */
    private final java.util.concurrent.BlockingQueue<Batch> batches = new java.util.concurrent.ArrayBlockingQueue<>(4096);
    private Thread reader;
    /** What the reader saw of the entries created by the event being handled (handler thread only). */
    private Map<RawEvent, PreStat> createdInBatch = Map.of();
    /** The exec catcher's number for each execution of the batch being handled (handler thread only). */
    private Map<RawEvent, Long> execsInBatch = Map.of();
    private RawEvent handling;

    /**
     * The reader thread: reads the kernel's events as soon as they come, and does at once the little that cannot
     * wait: the stat (and link target) of each entry just created. Attack tools create,
     * change and delete a file within a millisecond; the handler, which reads /proc for each process, may be
     * milliseconds behind. An entry created and gone before even the reader gets to it is described from a pinned
     * descriptor when it was opened (see {@link PinGroup}); else its mode is unknown.
     */
    private void read() {
        while (running) { // the body is a method of its own, compiled normally (see loop())
            try {
                readOnce();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (running) {
                    LOG.error("fanotify sensor: {}", e.toString(), e);
                    sleep(100);
                }
            }
        }
    }

    /** One read of the kernel's queue (waiting up to 100 ms), handed to the handler as a batch. */
    private void readOnce() throws IOException, InterruptedException {
        List<RawEvent> read = new ArrayList<>();
        fanotify.poll(100, read::add);
        if (read.isEmpty()) {
            return;
        }
        long readNanos = System.nanoTime();
        Map<RawEvent, Long> started = execs != null && execArgs == null ? started(read) : Map.of();
        batches.put(new Batch(read, prestat(read), started, readNanos));
    }

    /** The exec catcher's number of each execution read (with the kernel's records, /proc looks add nothing). */
    private Map<RawEvent, Long> started(List<RawEvent> read) {
        Map<RawEvent, Long> started = Map.of();
        for (RawEvent ev : read) {
            if (ev.has(LibC.FAN_OPEN_EXEC) && !ev.has(LibC.FAN_ONDIR) && ev.pid() != selfPid) {
                if (started.isEmpty()) {
                    started = new java.util.IdentityHashMap<>();
                }
                started.put(ev, execs.started(ev.pid())); // first: the program may be gone in a millisecond
            }
        }
        return started;
    }

    private Map<RawEvent, PreStat> prestat(List<RawEvent> read) {
        Map<RawEvent, PreStat> created = null;
        for (int i = 0; i < read.size(); i++) {
            RawEvent ev = read.get(i);
            if (!ev.has(LibC.FAN_CREATE) || ev.has(LibC.FAN_ONDIR) || ev.dir() == null) {
                continue;
            }
            PreStat seen = prestat(ev);
            if (seen != null) {
                if (created == null) {
                    created = new java.util.IdentityHashMap<>();
                }
                created.put(ev, seen);
            }
        }
        return created == null ? Map.of() : created;
    }

    /** What the reader sees of the entry a FAN_CREATE names, or null when it is gone (a method per event: see loop()). */
    private PreStat prestat(RawEvent ev) {
        String dir = fanotify.directory(ev.dir());
        if (dir == null) {
            return null;
        }
        String hostPath = child(dir, ev.dir().name());
        FileStat attrs = FileStat.at(hostPath, readerStatx);
        if (attrs == null) {
            return null;
        }
        return new PreStat(attrs, attrs.type() == 0120000 ? ProcFiles.link(ProcFiles.file(hostPath)) : null);
    }

    /**
     * The handler thread: handles each batch under the lock (watch() waits at most one batch). The loop only calls
     * {@link #turn}, and a turn handles each batch in {@link #handleBatch}: the JIT compiles these small methods
     * normally, once. When the loop held all of it, the JIT compiled it on stack replacement (a loop that never
     * returns can be compiled no other way), again for each of its hot loops, inlining the handling into it.
     */
    private void loop() {
        while (running) {
            try {
                turn();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (running) {
                    LOG.error("fanotify sensor: {}", e.toString(), e);
                    sleep(100);
                }
            }
        }
    }

    /** Waits up to 100 ms for batches, then handles every batch queued by then. */
    private void turn() throws InterruptedException {
        Batch first = batches.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (first == null) {
            settleIdle();
            return;
        }
        List<Batch> ready = new ArrayList<>();
        ready.add(first);
        batches.drainTo(ready, 256); // under load, what queued meanwhile is handled in the same turn
        if (pins != null) {
            // After these batches were read, before they are handled: the open of every file they tell of
            // was queued before their events were, so its descriptor is held by now. (Here rather than in
            // the reader, which must be back at the kernel's queue as soon as it can.)
            pins.drain(System.currentTimeMillis());
        }
        lock.lock();
        try {
            for (int i = 0; i < ready.size(); i++) {
                handleBatch(ready.get(i));
            }
            settle();
        } finally {
            lock.unlock();
        }
    }

    /** A turn without events: what waits for a deadline is settled all the same. */
    private void settleIdle() {
        lock.lock();
        try {
            settle();
        } finally {
            lock.unlock();
        }
    }

    private void settle() {
        long now = System.currentTimeMillis();
        settleEmptied(now);
        settleOpens(now);
    }

    /** Handles the events of one read, in order (handler thread, under the lock). */
    private void handleBatch(Batch b) {
        // A stat taken after the previous batch was read may already show a change this batch
        // tells of (see Stat): such a stat is no change's "before".
        batch = System.nanoTime();
        previousRead = lastRead;
        lastRead = b.readNanos();
        createdInBatch = b.created();
        execsInBatch = b.execs();
        List<RawEvent> events = b.events();
        for (int i = 0; i < events.size(); i++) {
            RawEvent ev = events.get(i);
            handling = ev;
            handleOne(ev);
        }
        handling = null;
        createdInBatch = Map.of();
        execsInBatch = Map.of();
    }

    /**
     * Handles one event of a read buffer on its own: whatever it throws is counted and logged, and the caller goes on
     * with the next event of the buffer.
     */
    void handleOne(RawEvent ev) {
        try {
            handle(ev);
        } catch (RuntimeException | StackOverflowError e) {
            counters.handlingFailed.incrementAndGet();
            FAILURES.error("fanotify sensor: handling an event failed (mask 0x" + Long.toHexString(ev.mask()) + ", pid "
                    + ev.pid() + (ev.dir() == null ? "" : ", name " + ev.dir().name()) + "): " + e
                    + "; the event is left out and counted in handlingFailed, the rest go on", e);
        }
    }

    /** One event on its way through {@link #handle}: where it happened, and its process, read at most once. */
    private final class Handling {
        final RawEvent ev;
        final ContainerInfo c;
        final String path;
        final String hostPath;
        final ContainerIndex.Kind kind;
        final boolean ondir;
        final long now;
        ProcessTable.Info proc;

        Handling(RawEvent ev, ContainerIndex.Resolved where, String hostPath, boolean ondir, long now) {
            this.ev = ev;
            this.c = where.container();
            this.path = where.path();
            this.hostPath = hostPath;
            this.kind = where.kind();
            this.ondir = ondir;
            this.now = now;
        }

        ProcessTable.Info proc() {
            if (proc == null) {
                proc = process(ev.pid(), now, c);
            }
            return proc;
        }

        private Fold reads;
        private Fold writes;

        /** The fold key of this pid's writes ('W') or reads ('R') of this file (made once per event). */
        Fold fold(char kind) {
            if (kind == 'W') {
                return writes != null ? writes : (writes = new Fold(false, c.id(), path, ev.pid()));
            }
            return reads != null ? reads : (reads = new Fold(true, c.id(), path, ev.pid()));
        }
    }

    /** What a fold is about: a pid's reads (or writes) of a container's file. */
    private record Fold(boolean reads, String containerId, String path, int pid) {
    }

    /** What host FIM reports: changes, not reads, opens or executions. */
    private static final long HOST_CHANGES = LibC.FAN_CREATE | LibC.FAN_DELETE | LibC.FAN_RENAME | LibC.FAN_MODIFY
            | LibC.FAN_CLOSE_WRITE | LibC.FAN_ATTRIB;

    void handle(RawEvent ev) {
        counters.kernelEvents.incrementAndGet();
        if (ev.has(LibC.FAN_Q_OVERFLOW)) {
            counters.kernelOverflows.incrementAndGet();
            LOG.warn("fanotify queue overflow: the kernel dropped events");
            return;
        }
        if (ev.pid() == selfPid) {
            counters.self.incrementAndGet();
            return;
        }
        if (ev.dir() == null) {
            // An unlinked file's link count dropping: ATTRIB with the file's own handle and no name left.
            (ev.mask() == LibC.FAN_ATTRIB ? counters.attribOther : counters.unresolved).incrementAndGet();
            return;
        }
        String dir = fanotify.directory(ev.dir());
        if (dir == null) {
            counters.unresolved.incrementAndGet();
            return;
        }
        String hostPath = child(dir, ev.dir().name());
        ContainerIndex.Resolved where = index.resolveChild(dir, ev.dir().name(), hostPath);
        boolean host = false;
        if (where == null) {
            where = hostPlace(ev, dir, hostPath);
            if (where == null) {
                counters.outsideContainers.incrementAndGet();
                return;
            }
            host = true;
            if (!ev.has(HOST_CHANGES)) {
                counters.hostIgnored.incrementAndGet(); // a read, an open or an execution: host FIM reports changes
                return;
            }
        }
        boolean ondir = ev.has(LibC.FAN_ONDIR);
        if (ondir && ev.target() != null && ev.has(LibC.FAN_CREATE)) {
            fanotify.directoryCreated(ev.target(), hostPath);
        }
        if (ondir && !ev.has(LibC.FAN_CREATE | LibC.FAN_DELETE | LibC.FAN_RENAME | LibC.FAN_ATTRIB)) {
            return; // reading a directory listing, or a directory's own modify: not a file event
        }
        long now = System.currentTimeMillis();
        if (ev.has(LibC.FAN_OPEN_EXEC) && !ondir) {
            processes.executed(ev.pid(), hostPath);
        }
        if (where.kind() == ContainerIndex.Kind.WORK) {
            overlayWork(ev, hostPath, ondir, now);
            return;
        }
        // One mask can carry several operations: each is reported, in this order.
        Handling h = new Handling(ev, where, hostPath, ondir, now);
        if (ev.has(LibC.FAN_CREATE)) {
            onCreate(h);
        }
        if (ev.has(LibC.FAN_MODIFY) && !ondir) {
            opens.remove(h.fold('R')); // opened for writing: the MODIFY tells it
            onModify(h);
        }
        if (ev.has(LibC.FAN_CLOSE_WRITE) && !ondir) {
            onCloseWrite(h);
        }
        if (ev.has(LibC.FAN_ATTRIB)) {
            h.proc = attrib(h.c, h.path, hostPath, h.kind, ev.pid(), h.proc, now, ev.target());
        }
        if (ev.has(LibC.FAN_OPEN) && !ondir && !ev.has(LibC.FAN_OPEN_EXEC) && !host) { // an exec opens the file too
            onOpen(h);
        }
        if (ev.has(LibC.FAN_ACCESS) && !ondir && !ev.has(LibC.FAN_OPEN_EXEC) && !host) { // exec reads the file too
            onRead(h);
        }
        if (ev.has(LibC.FAN_OPEN_EXEC) && !ondir && !host) {
            onExec(h);
        }
        if (ev.has(LibC.FAN_RENAME) && ev.newDir() != null) {
            renamed(ev, h.c, h.path, hostPath, ondir, h.kind, h.proc, now);
        }
        if (ev.has(LibC.FAN_DELETE)) {
            onDelete(h);
        }
    }

    private void onCreate(Handling h) {
        RawEvent ev = h.ev;
        if (h.kind == ContainerIndex.Kind.UPPER && ev.target() != null
                && workObjects.replace(Fanotify.key(ev.target()), Boolean.FALSE, Boolean.TRUE)) {
            // copy-up: the image's file, copied to a temporary file in work/ and linked into place. Not
            // the container's doing; the write or chmod that caused it is in this mask or the next event.
            counters.overlayInternal.incrementAndGet();
        } else {
            created(h.c, h.path, h.hostPath, h.ondir, h.kind, h.proc(), h.now, ev.target());
            if (!h.ondir) {
                folds.put(h.fold('R'), h.now); // the creator's open of its new file is the CREATE
            }
        }
        if (h.kind == ContainerIndex.Kind.UPPER) {
            whiteouts.remove(h.hostPath);
        }
    }

    /** A write: one MODIFY per process and file until it closes; a file left empty is a TRUNCATE. */
    private void onModify(Handling h) {
        RawEvent ev = h.ev;
        Fold fold = h.fold('W');
        if (folds.putIfAbsent(fold, h.now) != null) {
            counters.folded.incrementAndGet();
            return;
        }
        FileEvent modify = event(h.c, EventType.MODIFY, h.path, h.proc(), h.now);
        if (!ev.has(LibC.FAN_CREATE) && empty(h.hostPath) && !ev.has(LibC.FAN_CLOSE_WRITE)) {
            emptied.put(fold, new Emptied(modify, h.hostPath, h.now)); // decided when the file is closed
        } else {
            if (!ev.has(LibC.FAN_CREATE) && empty(h.hostPath)) {
                modify.setType(EventType.TRUNCATE);
            }
            emit(modify);
        }
        rememberStat(h.c, h.path, h.hostPath);
    }

    private void onCloseWrite(Handling h) {
        Fold fold = h.fold('W');
        Emptied pending = emptied.remove(fold);
        if (pending != null) {
            settle(pending);
        }
        folds.remove(fold);
        Opened open = opens.remove(h.fold('R'));
        if (open != null) {
            // opened for writing (the close says so) and closed without a write
            open.event().setType(EventType.OPEN_WRITE);
            emit(open.event());
        }
    }

    /** A read: one OPEN_READ per process and file every READ_FOLD_MS (an open not yet reported is this read's). */
    private void onRead(Handling h) {
        Fold fold = h.fold('R');
        Opened open = opens.remove(fold);
        if (open != null) {
            folds.put(fold, open.since());
            emit(open.event());
            return;
        }
        Long last = folds.get(fold);
        if (last == null || h.now - last > READ_FOLD_MS) {
            folds.put(fold, h.now);
            emit(event(h.c, EventType.OPEN_READ, h.path, h.proc(), h.now));
        } else {
            counters.folded.incrementAndGet();
        }
    }

    /**
     * An open, with or without a read. fanotify's file-handle mode does not say how a file was opened, so the open
     * waits (at most {@value #OPEN_WAIT_MS} ms) for what the process does next: a read makes it OPEN_READ (as
     * before), a write leaves the MODIFY to tell it, a close after writing-mode without a write makes it OPEN_WRITE.
     * An open still undecided then is settled from the process's descriptor table ({@code /proc/PID/fdinfo}: the
     * access mode of the descriptor open on that file), and is OPEN_READ when the descriptor is gone (a file open
     * for writing would have reported its close). Opens fold with reads: one per process and file every
     * {@value #READ_FOLD_MS} ms.
     */
    private void onOpen(Handling h) {
        Fold fold = h.fold('R');
        Long last = folds.get(fold);
        if (last != null && h.now - last <= READ_FOLD_MS || opens.containsKey(fold)) {
            counters.folded.incrementAndGet();
            return;
        }
        if (h.ev.has(LibC.FAN_ACCESS | LibC.FAN_MODIFY)) {
            return; // the read or the write in the same mask tells it
        }
        FileEvent e = event(h.c, EventType.OPEN_READ, h.path, h.proc(), h.now);
        if (h.ev.has(LibC.FAN_CLOSE_WRITE)) {
            e.setType(EventType.OPEN_WRITE);
            emit(e);
            return;
        }
        opens.put(fold, new Opened(e, h.hostPath, h.ev.pid(), h.now));
    }

    /** An open waiting for what its process does next (see {@link #onOpen}). */
    private record Opened(FileEvent event, String hostPath, int pid, long since) {
    }

    static final long OPEN_WAIT_MS = 250;
    private final Map<Fold, Opened> opens = new LinkedHashMap<>();

    private void settleOpens(long now) {
        if (opens.isEmpty()) {
            return;
        }
        var it = opens.entrySet().iterator();
        while (it.hasNext()) {
            var entry = it.next();
            Opened open = entry.getValue();
            if (now - open.since() < OPEN_WAIT_MS) {
                break; // insertion order: the rest are younger
            }
            it.remove();
            try {
                if (ProcFiles.openForWriting(config.proc(), open.pid(), open.event().getPath(), open.hostPath())) {
                    open.event().setType(EventType.OPEN_WRITE);
                }
                folds.put(entry.getKey(), open.since());
                emit(open.event());
            } catch (RuntimeException e) {
                counters.handlingFailed.incrementAndGet();
                FAILURES.error("fanotify sensor: settling the open of " + open.event().getPath() + " failed: " + e, e);
            }
        }
    }

    private void onExec(Handling h) {
        FileEvent exec = event(h.c, EventType.EXEC, h.path, h.proc(), h.now);
        if (!h.path.equals(exec.getExe())) {
            // Read in the middle of the exec: /proc still shows the old program (runc:[2:INIT], sh).
            exec.setProcessName(ProcessTable.baseName(h.path));
            exec.setCmdline(null);
            exec.getTruncated().remove("cmdline");
        }
        exec.setExe(h.path);
        if (hasher != null) {
            exec.setSha256(hasher.hash(fanotify, h.ev.target()));
        }
        processes.forget(h.ev.pid()); // the next event of this pid reads the new program
        // exec reads the file: when that read is queued after this event was read, it arrives alone
        folds.put(h.fold('R'), h.now);
        Long seq = execsInBatch.get(h.ev);
        ExecCatcher.Caught c = seq == null ? null : execs.result(seq);
        long t0 = System.nanoTime();
        ExecArgs.Exec k = execArgs == null ? null
                : execArgs.next(h.ev.pid(), waitBudget(20), file -> ExecArgs.names(h.c.rootfs(), file, h.path));
        charge(t0);
        if (k != null) {
            // from the kernel at the execve call: the program's own name (as comm is: the base name of the file
            // asked for) and arguments, whenever the process ended
            exec.setProcessName(k.name());
            String cmdline = k.cmdline();
            boolean cut = k.truncated() || cmdline.length() > config.maxCmdlineBytes();
            exec.setCmdline(cmdline.length() > config.maxCmdlineBytes() ? cmdline.substring(0, config.maxCmdlineBytes()) : cmdline);
            exec.getTruncated().remove("cmdline");
            if (cut) {
                exec.getTruncated().add("cmdline");
            }
            emit(exec);
            return;
        }
        if (c != null && (!ProcessTable.LIVE.equals(exec.getProcessInfo()) || exec.getCmdline() == null)) {
            // gone before the handler could read /proc, or read in the middle of the exec (a new name, no command line
            // yet): the process as the exec event found it (see ExecCatcher)
            exec.setProcessName(c.name());
            exec.setCmdline(c.cmdline());
            exec.setProcessInfo(ProcessTable.LIVE);
            exec.getTruncated().remove("cmdline");
            if (c.cmdlineTruncated()) {
                exec.getTruncated().add("cmdline");
            }
        }
        emit(exec);
    }

    private void onDelete(Handling h) {
        emit(event(h.c, h.ondir ? EventType.RMDIR : EventType.DELETE, h.path, h.proc(), h.now));
        if (h.ondir) {
            fanotify.directoryRemoved(h.ev.target());
        }
        stats.remove(new FileKey(h.c.id(), h.path));
    }

    /**
     * A new directory entry. Its type, mode and link count come from the name when it is still there, else from
     * the object itself: a descriptor the pin group holds, or the object's handle (a hard link's first name still
     * names it). Only an object created and gone before its event is read, and never opened (a symlink, a
     * node), stays a CREATE without a mode.
     */
    private void created(ContainerInfo c, String path, String hostPath, boolean ondir, ContainerIndex.Kind kind,
            ProcessTable.Info proc, long now, RawEvent.HandleName object) {
        if (ondir) {
            emit(event(c, EventType.MKDIR, path, proc, now));
            rememberStat(c, path, hostPath);
            return;
        }
        // What the reader saw right after the read (closest to the creation; the file may be gone by now), else a
        // stat now.
        PreStat pre = handling != null ? createdInBatch.get(handling) : null;
        FileStat attrs = pre != null ? pre.attrs() : FileStat.at(hostPath, handlerStatx);
        FileStat gone = attrs == null ? objectStat(object) : null;
        if (attrs == null && gone == null) {
            // gone, never opened: a symlink, if the kernel's record of the process's symlink calls says so
            long t0 = System.nanoTime();
            String target = execArgs == null || proc == null ? null
                    : execArgs.symlinkTarget(proc.pid(), path, waitBudget(20));
            charge(t0);
            if (target != null) {
                FileEvent e = event(c, EventType.SYMLINK, path, proc, now);
                e.setNewPath(target);
                emit(e);
                return;
            }
            emit(event(c, EventType.CREATE, path, proc, now)); // mode unknown
            return;
        }
        int mode = attrs != null ? attrs.mode() : gone.mode();
        int nlink = attrs != null ? attrs.nlink() : gone.nlink();
        long ino = attrs != null ? attrs.ino() : gone.ino();
        int type = mode & 0170000;
        if (type == 0120000) {
            FileEvent e = event(c, EventType.SYMLINK, path, proc, now);
            String target = pre != null ? pre.target() : attrs != null ? ProcFiles.link(ProcFiles.file(hostPath)) : gone.target();
            e.setNewPath(target); // null when removed before anyone could read it
            emit(e);
            return;
        }
        if (type == 0020000 && kind == ContainerIndex.Kind.UPPER && attrs != null && attrs.rdev() == 0L) {
            counters.overlayInternal.incrementAndGet(); // an overlay whiteout: the file was deleted
            emit(event(c, EventType.DELETE, path, proc, now));
            return;
        }
        // A regular file with another name: a hard link (a new file unlinked at once has nlink 0, not > 1). Read
        // through the object after the new name is gone, a link count of 1 is the other name, when it is one the
        // sensor knows (a new file renamed away at once has no other known name).
        String other = type == 0100000 && (nlink > 1 || gone != null && nlink >= 1) ? otherName(c, ino, path) : null;
        if (type == 0100000 && (nlink > 1 && gone == null || other != null)) {
            FileEvent e = event(c, EventType.LINK, path, proc, now);
            e.setNewPath(other);
            emit(e);
            return;
        }
        FileEvent e = event(c, EventType.CREATE, path, proc, now);
        e.setMode(mode & 07777);
        emit(e);
        stats.put(new FileKey(c.id(), path), attrs != null ? stat(attrs, batch)
                : new Stat(gone.mode() & 07777, gone.uid(), gone.gid(), batch, false, gone.ino()));
    }

    /** The object's stat from a pinned descriptor or its handle, when its name no longer shows it; else null. */
    private FileStat objectStat(RawEvent.HandleName object) {
        if (object == null) {
            return null;
        }
        FileStat st = pins == null ? null : pins.stat(object);
        if (st == null) {
            st = fanotify.statOf(object);
        }
        if (st != null) {
            counters.statFromObject.incrementAndGet();
        }
        return st;
    }

    /**
     * The container path of another name of inode {@code ino}, from what the sensor has seen of the container's
     * files (the baseline and later events); null when none is known. Looked up only for a new hard link (rare), so
     * a scan of the map is cheap enough.
     */
    private String otherName(ContainerInfo c, long ino, String path) {
        for (Map.Entry<FileKey, Stat> e : stats.entrySet()) {
            Stat s = e.getValue();
            if (s.ino() == ino && !s.dir() && e.getKey().containerId().equals(c.id())) {
                String name = e.getKey().path();
                if (!name.equals(path)) {
                    return name;
                }
            }
        }
        return null;
    }

    /** Returns the process looked up, or {@code proc} when nothing was reported. */
    private ProcessTable.Info attrib(ContainerInfo c, String path, String hostPath, ContainerIndex.Kind kind, int pid,
            ProcessTable.Info proc, long now, RawEvent.HandleName object) {
        // The object changed, not the name: a descriptor the pin group holds tells its mode even when it is gone.
        FileStat pinned = pins == null || object == null ? null : pins.stat(object);
        FileStat attrs = pinned != null ? null : FileStat.at(hostPath, handlerStatx);
        if (attrs == null && pinned == null) {
            counters.attribOther.incrementAndGet();
            return proc;
        }
        if (pinned != null) {
            counters.statFromObject.incrementAndGet();
        }
        Stat now_ = pinned != null
                ? new Stat(pinned.mode() & 07777, pinned.uid(), pinned.gid(), batch, (pinned.mode() & 0170000) == 0040000, pinned.ino())
                : stat(attrs, batch);
        FileKey key = new FileKey(c.id(), path);
        Stat before = stats.get(key);
        if (before != null && before.dir() != now_.dir() || kind == ContainerIndex.Kind.UPPER && attrs != null && isWhiteout(attrs)) {
            // Another object holds the name by now (overlayfs replaced the directory by a whiteout, or the
            // name was reused): the change reported was not made to what is there.
            counters.attribOther.incrementAndGet();
            return proc;
        }
        stats.put(key, now_);
        // A stat taken after the fact, maybe after this very change: what came before is unknown.
        boolean recent = before != null && before.batch() >= previousRead;
        Long busy = overlayBusy.get(pid);
        if (recent && kind == ContainerIndex.Kind.UPPER && busy != null && busy >= previousRead
                && before.mode() == now_.mode() && before.uid() == now_.uid() && before.gid() == now_.gid()) {
            // overlayfs setting its xattrs (impure, origin, opaque) on upper directories during a copy-up
            // by this process: nothing changed that the container did.
            counters.overlayInternal.incrementAndGet();
            return proc;
        }
        boolean reported = false;
        proc = proc != null ? proc : process(pid, now, c);
        if (before == null || before.mode() != now_.mode() || recent) {
            if (!recent || before.mode() != now_.mode() || before.uid() == now_.uid() && before.gid() == now_.gid()) {
                FileEvent e = event(c, EventType.CHMOD, path, proc, now);
                e.setMode(now_.mode());
                e.setPreviousMode(before == null || recent ? null : before.mode());
                emit(e);
                reported = true;
            }
        }
        if (before != null && (before.uid() != now_.uid() || before.gid() != now_.gid())) {
            emit(event(c, EventType.CHOWN, path, proc, now));
            reported = true;
        }
        if (!reported) {
            counters.attribOther.incrementAndGet();
        }
        return proc;
    }

    private static boolean isWhiteout(FileStat attrs) {
        return attrs.type() == 0020000 && attrs.rdev() == 0L;
    }

    private void renamed(RawEvent ev, ContainerInfo c, String path, String hostPath, boolean ondir,
            ContainerIndex.Kind kind, ProcessTable.Info proc, long now) {
        String newDir = fanotify.directory(ev.newDir());
        String newPath = null;
        if (newDir != null) {
            String newHostPath = child(newDir, ev.newDir().name());
            if (ondir) {
                fanotify.directoryRenamed(ev.target(), hostPath, newHostPath);
            }
            ContainerIndex.Resolved target = index.resolve(newHostPath);
            if (target != null && target.kind() == ContainerIndex.Kind.WORK) {
                // overlayfs moving an entry of upper/ out of the way: the second half of a RENAME_EXCHANGE
                // (a whiteout or a new opaque directory took its place, and that half was reported) or a
                // directory going to work/ to be emptied and removed.
                counters.overlayInternal.incrementAndGet();
                return;
            }
            if (target != null && target.container().id().equals(c.id())) {
                newPath = target.path();
            } else if (target == null && c == hostContainer) {
                newPath = hostView(newHostPath); // anywhere on the node, watched or not (a file moved out of /etc)
            }
            whiteouts.remove(newHostPath);
        }
        proc = proc != null ? proc : process(ev.pid(), now, c);
        FileEvent e = event(c, EventType.RENAME, path, proc, now);
        e.setNewPath(newPath);
        emit(e);
        Stat moved = stats.remove(new FileKey(c.id(), path));
        if (moved != null && newPath != null) {
            stats.put(new FileKey(c.id(), newPath), moved);
        }
        Overlay overlay = overlays.get(c.id());
        if (kind == ContainerIndex.Kind.UPPER && overlay != null && inLower(overlay, path) != null) {
            // Renaming an entry the image has: overlayfs leaves a whiteout at the old name (RENAME_WHITEOUT,
            // which fanotify does not report). A later create there is a create over a whiteout.
            whiteouts.put(hostPath, Boolean.TRUE);
        }
    }

    /**
     * Events in an overlay work directory are overlayfs's own: it prepares there what it then moves into
     * upper/. What that move means for the container (see the class comment) is told by the object
     * moved: a whiteout (character device 0:0) is a DELETE (RMDIR over a directory); anything else moved
     * onto a name that held a whiteout is a create over the whiteout (CREATE, MKDIR, SYMLINK); anything
     * else is a copy-up (a directory of the image, or a file when the upper filesystem lacks O_TMPFILE),
     * not the container's doing. Everything else in work/ is counted in overlayInternal.
     */
    private void overlayWork(RawEvent ev, String hostPath, boolean ondir, long now) {
        overlayBusy.put(ev.pid(), batch);
        if (ev.target() != null && !ev.has(LibC.FAN_DELETE | LibC.FAN_RENAME) && !ondir) {
            // putIfAbsent: the temp file's last events (CLOSE_WRITE) may be queued after its link into upper/
            workObjects.putIfAbsent(Fanotify.key(ev.target()), Boolean.FALSE);
        }
        String newHost = null;
        if (ev.has(LibC.FAN_RENAME) && ev.newDir() != null) {
            String newDir = fanotify.directory(ev.newDir());
            newHost = newDir == null ? null : child(newDir, ev.newDir().name());
            if (ondir && newHost != null) {
                fanotify.directoryRenamed(ev.target(), hostPath, newHost);
            }
        }
        ContainerIndex.Resolved target = newHost == null ? null : index.resolve(newHost);
        if (target == null || target.kind() != ContainerIndex.Kind.UPPER) {
            counters.overlayInternal.incrementAndGet();
            return;
        }
        ContainerInfo c = target.container();
        String path = target.path();
        if (!ondir && fanotify.isWhiteout(ev.target())) {
            whiteouts.put(newHost, Boolean.TRUE);
            boolean dir = wasDirectory(c, path);
            emit(event(c, dir ? EventType.RMDIR : EventType.DELETE, path, process(ev.pid(), now, c), now));
            stats.remove(new FileKey(c.id(), path));
            return;
        }
        if (whiteouts.remove(newHost) != null) {
            created(c, path, newHost, ondir, ContainerIndex.Kind.UPPER, process(ev.pid(), now, c), now, null);
            return;
        }
        counters.overlayInternal.incrementAndGet();
    }

    /** Whether the container's {@code path}, just replaced by a whiteout, was a directory. */
    private boolean wasDirectory(ContainerInfo c, String path) {
        Stat s = stats.get(new FileKey(c.id(), path));
        if (s != null) {
            return s.dir();
        }
        Overlay overlay = overlays.get(c.id());
        Path lower = overlay == null ? null : inLower(overlay, path);
        return lower != null && Files.isDirectory(lower, LinkOption.NOFOLLOW_LINKS);
    }

    /** The topmost lower layer's entry at the container's {@code path}, or null when no layer has one. */
    private static Path inLower(Overlay overlay, String path) {
        String name = ProcFiles.file(path).toString();
        String relative = name.startsWith("/") ? name.substring(1) : name;
        if (relative.isEmpty()) {
            return null;
        }
        for (Path lower : overlay.lowers()) {
            Path p = lower.resolve(relative);
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return p;
            }
        }
        return null;
    }

    /** overlayfs's lowerdir option: layers separated by ':', topmost first ("\:" is a colon in a path). */
    static List<Path> lowerDirs(String option) {
        List<Path> dirs = new ArrayList<>();
        if (option == null || option.isEmpty()) {
            return dirs;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < option.length(); i++) {
            char ch = option.charAt(i);
            if (ch == '\\' && i + 1 < option.length()) {
                b.append(option.charAt(++i));
            } else if (ch == ':') {
                if (b.length() > 0) {
                    dirs.add(Path.of(b.toString()));
                }
                b.setLength(0);
            } else {
                b.append(ch);
            }
        }
        if (b.length() > 0) {
            dirs.add(Path.of(b.toString()));
        }
        return dirs;
    }

    /**
     * fanotify reports a truncation and a write alike (FAN_MODIFY). A file left empty by a modification
     * was truncated ({@code : > file}, {@code truncate -s 0}, log wiping): that is reported as TRUNCATE.
     * An open with O_TRUNC followed by writes ({@code cp}, {@code >}) also looks empty for a moment, so
     * while the writer still has the file open the decision waits for its FAN_CLOSE_WRITE (or, for a
     * truncation without an open, {@value #EMPTIED_WAIT_MS} ms): empty then is TRUNCATE, else MODIFY. A
     * file created by the same event is just new. The size is read after the fact, so a write followed at
     * once by a truncation may show as TRUNCATE too.
     */
    private record Emptied(FileEvent event, String hostPath, long since) {
    }

    private static final long EMPTIED_WAIT_MS = 500;
    private final Map<Fold, Emptied> emptied = new LinkedHashMap<>();

    private void settle(Emptied pending) {
        if (empty(pending.hostPath())) {
            pending.event().setType(EventType.TRUNCATE);
        }
        emit(pending.event());
    }

    private void settleEmptied(long now) {
        if (emptied.isEmpty()) {
            return;
        }
        var it = emptied.values().iterator();
        while (it.hasNext()) {
            Emptied pending = it.next();
            if (now - pending.since() < EMPTIED_WAIT_MS) {
                break; // insertion order: the rest are younger
            }
            it.remove();
            try {
                settle(pending);
            } catch (RuntimeException e) {
                counters.handlingFailed.incrementAndGet(); // as in handleOne: this event only, the others go on
                FAILURES.error("fanotify sensor: emitting " + pending.event().getPath() + " failed: " + e, e);
            }
        }
    }

    private static boolean empty(String hostPath) {
        try {
            Path p = ProcFiles.file(hostPath);
            return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.size(p) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private void rememberStat(ContainerInfo c, String path, String hostPath) {
        FileKey key = new FileKey(c.id(), path);
        if (stats.containsKey(key)) {
            return;
        }
        FileStat attrs = FileStat.at(hostPath, handlerStatx);
        if (attrs != null) {
            stats.put(key, stat(attrs, batch));
        }
    }

    private ProcessTable.Info process(int pid, long now, ContainerInfo c) {
        ProcessTable.Info info = processes.lookup(pid, now);
        if (!ProcessTable.LIVE.equals(info.how())) {
            counters.processGone.incrementAndGet();
        }
        return info;
    }

    private FileEvent event(ContainerInfo c, EventType type, String path, ProcessTable.Info proc, long now) {
        FileEvent e = new FileEvent();
        e.setEventId(idPrefix + Long.toString(++sequence, 36));
        e.setTimestamp(now);
        e.setNode(config.node());
        e.setContainerId(c.id());
        e.setType(type);
        e.setPath(path);
        e.setSource(c == hostContainer ? HOST_SOURCE : "fanotify");
        if (proc != null) {
            e.setPid(proc.pid());
            e.setPpid(proc.ppid());
            e.setProcessName(proc.name());
            e.setExe(inContainer(c, proc.exe()));
            e.setCmdline(proc.cmdline());
            e.setUid(proc.uid());
            e.setGid(proc.gid());
            e.setLoginUid(proc.loginUid());
            e.setParentProcessName(proc.parentName());
            e.setProcessInfo(proc.how());
        }
        List<String> truncated = new ArrayList<>(1);
        if (proc != null && proc.cmdlineTruncated()) {
            truncated.add("cmdline");
        }
        e.setTruncated(truncated); // never null: the field is an array with an empty default, not a union with null
        return e;
    }

    /**
     * An executable path as the container sees it. /proc/PID/exe read from the host shows the path under
     * the container's root when that root is reachable from the host (a bind or tmpfs mount), and the
     * in-container path otherwise.
     */
    private String inContainer(ContainerInfo c, String exe) {
        if (exe == null) {
            return null;
        }
        ContainerIndex.Resolved r = index.resolveCached(exe);
        if (r != null && r.container().id().equals(c.id())) {
            return r.path();
        }
        String root = c.rootfs().toString();
        return exe.startsWith(root + "/") ? exe.substring(root.length()) : exe;
    }

    private void emit(FileEvent e) {
        if (sink.offer(e)) {
            counters.emitted.incrementAndGet();
            if (HOST_ID.equals(e.getContainerId())) {
                counters.hostEvents.incrementAndGet();
            }
            if (e.getTruncated().contains("cmdline")) {
                counters.cmdlineTruncated.incrementAndGet();
            }
        } else {
            counters.dropped.incrementAndGet();
        }
    }

    /**
     * Remembers the handle of every directory under {@code root} (at most {@code baselineLimit}), so that
     * events in a directory removed before they are read still resolve.
     */
    private void rememberDirectories(Path root, long fsid) {
        int[] seen = {0};
        Device device = new Device();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!device.sameAs(attrs)) {
                        return FileVisitResult.SKIP_SUBTREE; // another filesystem mounted here: watched on its own
                    }
                    RawEvent.HandleName h = fanotify.handleOf(fsid, dir.toString());
                    if (h != null) {
                        fanotify.directoryCreated(h, ProcFiles.text(dir));
                    }
                    return ++seen[0] >= config.baselineLimit() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isOther()) { // an overlay whiteout left by an earlier delete?
                        Map<String, Object> unix = unixAttributes(file);
                        if (unix != null && (((Integer) unix.get("mode")) & 0170000) == 0020000
                                && ((Long) unix.get("rdev")) == 0L) {
                            whiteouts.put(ProcFiles.text(file), Boolean.TRUE);
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("directory scan of {} stopped: {}", root, e.toString());
        }
    }

    /**
     * Records mode and owner of the container's existing files under {@code root} (what the container sees at
     * {@code inside}: "" for its root), so a later CHMOD carries previousMode.
     */
    private void baseline(ContainerInfo c, Path root, String inside) {
        int[] seen = {0};
        Device device = new Device();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!device.sameAs(attrs)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    record(dir);
                    return seen[0] >= config.baselineLimit() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    record(file);
                    return seen[0] >= config.baselineLimit() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }

                private void record(Path p) {
                    Map<String, Object> attrs = unixAttributes(p);
                    if (attrs != null) {
                        String rel = root.relativize(p).toString();
                        String path = ProcFiles.text(rel.isEmpty() ? (inside.isEmpty() ? "/" : inside) : inside + "/" + rel);
                        stats.put(new FileKey(c.id(), path), stat(attrs, Long.MIN_VALUE));
                        seen[0]++;
                    }
                }
            });
        } catch (IOException e) {
            LOG.warn("baseline scan of {} stopped: {}", root, e.toString());
        }
        LOG.debug("baseline of {}: {} files", c.id(), seen[0]);
    }

    /** The filesystem a walk started on, from the first directory's file key ("(dev=…,ino=…)"). */
    private static final class Device {
        private String dev;

        boolean sameAs(BasicFileAttributes attrs) {
            Object key = attrs.fileKey();
            if (key == null) {
                return true;
            }
            String k = key.toString();
            int comma = k.indexOf(',');
            String d = comma < 0 ? k : k.substring(0, comma);
            if (dev == null) {
                dev = d;
            }
            return dev.equals(d);
        }
    }

    private static Stat stat(FileStat attrs, long batch) {
        return new Stat(attrs.mode() & 07777, attrs.uid(), attrs.gid(), batch, attrs.type() == 0040000, attrs.ino());
    }

    private static Stat stat(Map<String, Object> attrs, long batch) {
        int mode = (Integer) attrs.get("mode");
        return new Stat(mode & 07777, ((Number) attrs.get("uid")).longValue(), ((Number) attrs.get("gid")).longValue(),
                batch, (mode & 0170000) == 0040000, ((Number) attrs.get("ino")).longValue());
    }

    private static Map<String, Object> unixAttributes(Path p) {
        try {
            return Files.readAttributes(p, "unix:mode,uid,gid,nlink,rdev,ino", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static String child(String dir, String name) {
        if (".".equals(name)) {
            return dir;
        }
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    private static <K, V> Map<K, V> lru(int capacity) {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        if (reader != null) {
            try {
                reader.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (thread != null) {
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lock.lock();
        try {
            settleEmptied(Long.MAX_VALUE); // what waited for its close goes out now
            for (Opened o : opens.values()) {
                emit(o.event());
            }
            opens.clear();
        } finally {
            lock.unlock();
        }
        lock.lock();
        try {
            fanotify.close();
            if (pins != null) {
                pins.close();
            }
            if (execArgs != null) {
                execArgs.close();
            }
            if (hasher != null) {
                hasher.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
