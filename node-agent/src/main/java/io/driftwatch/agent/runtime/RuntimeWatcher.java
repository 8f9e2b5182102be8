package io.driftwatch.agent.runtime;

import io.driftwatch.agent.runtime.RuntimeState.Found;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovers the containers on this node from the state the runtimes keep on disk, and tells a
 * {@link ContainerListener} when one starts and when it stops.
 *
 * <h2>Sources</h2>
 * <ul>
 *   <li><b>runc roots</b> (the {@code --root} of runc; defaults {@code /run/runc} and {@code /run/containerd/runc}):
 *   {@code <root>/<id>/state.json}, and one level deeper, {@code <root>/<namespace>/<id>/state.json}, the layout of
 *   containerd's runc shim ({@code /run/containerd/runc/k8s.io/<id>}) and of Docker
 *   ({@code /run/docker/runtime-runc/moby/<id>}). state.json gives the init pid and its start time, the creation
 *   time, the rootfs, the annotations and the capabilities.</li>
 *   <li><b>containerd task roots</b> (default {@code /run/containerd/io.containerd.runtime.v2.task}):
 *   {@code <root>/<namespace>/<id>/} is the task's bundle, with the OCI {@code config.json}, {@code rootfs/} and the
 *   {@code init.pid} the shim writes. A container found there is reported with runtime {@code containerd} (and
 *   {@code runc} otherwise); when its runc state is found as well (containerd's runc shim), the runc state supplies
 *   the details.</li>
 * </ul>
 *
 * <h2>Kubernetes names</h2>
 * Pod, namespace, container name, pod uid and image come from the annotations the CRI puts on each container:
 * containerd's {@code io.kubernetes.cri.*} or CRI-O's {@code io.kubernetes.pod.*} / {@code io.kubernetes.container.name}
 * / {@code io.kubernetes.cri-o.ImageName}; outside Kubernetes they are null. Pod sandboxes (the "pause" containers,
 * annotated {@code io.kubernetes.cri.container-type=sandbox} or {@code io.kubernetes.cri-o.ContainerType=sandbox}) are
 * <b>not reported</b>: they run no workload, cannot be exec'd into by users, and would add one record per pod.
 *
 * <h2>Lifecycle</h2>
 * A container is reported started once, when found with a live init process (a process that is gone, a zombie, or
 * whose start time differs from the one runc recorded, i.e. a reused pid, is not live). It is reported stopped, with
 * {@code stoppedAt} the watcher's clock, when its directories disappear or its init process dies, whichever is seen
 * first; a directory left behind by a dead container is not reported again, while a new container under the same id
 * (a new init process) is. {@code startedAt} is the runtime's creation time: runc's {@code created}, or for a
 * containerd task without runc state the time {@code init.pid} was written; only when neither can be read is it the
 * time of discovery. A directory that cannot be read (removed between listing and reading, or a half-written
 * state.json) is skipped for that poll and read again on the next.
 *
 * <p>Scanning happens on the watcher's daemon thread every {@link Config#pollInterval()} after {@link #start()}, or on
 * the caller's thread in {@link #scanOnce()}; the listener is called on the thread that scans, one call at a time.
 * {@link #running()} and {@link #byId(String)} may be called from any thread.
 */
public final class RuntimeWatcher implements AutoCloseable {

    /** Annotation keys, containerd's CRI plugin first, then CRI-O's. */
    static final List<String> CONTAINER_NAME = List.of("io.kubernetes.cri.container-name", "io.kubernetes.container.name");
    static final List<String> POD_NAME = List.of("io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name");
    static final List<String> NAMESPACE = List.of("io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace");
    static final List<String> POD_UID = List.of("io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid");
    static final List<String> IMAGE = List.of("io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName");
    static final List<String> CONTAINER_TYPE = List.of("io.kubernetes.cri.container-type", "io.kubernetes.cri-o.ContainerType");

    private static final Logger LOG = LoggerFactory.getLogger(RuntimeWatcher.class);
    private static final Path PROC = Path.of("/proc");

    /**
     * Where and how often to look.
     *
     * @param runcRoots           runc {@code --root} directories (and parents of per-namespace roots)
     * @param containerdTaskRoots containerd v2 task state directories, holding {@code <namespace>/<id>/}
     * @param pollInterval        time between scans on the watcher's thread
     * @param clock               gives {@code stoppedAt} (and {@code startedAt} when the runtime's time is unknown)
     * @param initialScan         whether {@link #start()} scans once on the caller's thread before returning, so the
     *                            containers already running are reported before anything else happens
     */
    public record Config(List<Path> runcRoots, List<Path> containerdTaskRoots, Duration pollInterval, Clock clock,
            boolean initialScan) {

        public static final List<Path> DEFAULT_RUNC_ROOTS = List.of(Path.of("/run/runc"), Path.of("/run/containerd/runc"));
        public static final List<Path> DEFAULT_CONTAINERD_TASK_ROOTS =
                List.of(Path.of("/run/containerd/io.containerd.runtime.v2.task"));

        public Config {
            runcRoots = List.copyOf(runcRoots);
            containerdTaskRoots = List.copyOf(containerdTaskRoots);
            Objects.requireNonNull(clock, "clock");
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive: " + pollInterval);
            }
        }

        /** The default roots, every 500 ms, on the system clock, with an initial scan. */
        public static Config defaults() {
            return new Config(DEFAULT_RUNC_ROOTS, DEFAULT_CONTAINERD_TASK_ROOTS, Duration.ofMillis(500),
                    Clock.systemUTC(), true);
        }

        /** Only the given runc roots, no containerd task roots (as for a {@code RuncSandbox}'s state root). */
        public static Config runcOnly(Path... runcRoots) {
            return defaults().withRuncRoots(List.of(runcRoots)).withContainerdTaskRoots(List.of());
        }

        public Config withRuncRoots(List<Path> roots) {
            return new Config(roots, containerdTaskRoots, pollInterval, clock, initialScan);
        }

        public Config withContainerdTaskRoots(List<Path> roots) {
            return new Config(runcRoots, roots, pollInterval, clock, initialScan);
        }

        public Config withPollInterval(Duration interval) {
            return new Config(runcRoots, containerdTaskRoots, interval, clock, initialScan);
        }

        public Config withClock(Clock newClock) {
            return new Config(runcRoots, containerdTaskRoots, pollInterval, newClock, initialScan);
        }

        public Config withInitialScan(boolean scan) {
            return new Config(runcRoots, containerdTaskRoots, pollInterval, clock, scan);
        }
    }

    /** A reported container and the start time (clock ticks after boot) of its init process when it was found. */
    private record Tracked(ContainerInfo info, long initStart) {
    }

    /** What the directories say about one id in one scan: {@code found} is null when they could not be read. */
    private static final class Listing {
        Found runc;
        boolean runcUnreadable;
        Found task;
        boolean inTaskRoot;

        Found found() {
            return runcUnreadable ? null : runc != null ? runc : task;
        }
    }

    private final Config config;
    private final ContainerListener listener;
    private final Map<String, Tracked> running = new ConcurrentHashMap<>();
    /** Sandboxes seen and left out, by id, with their pid/start key, so that they are logged once. */
    private final Map<String, String> skippedSandboxes = new HashMap<>();
    private final Object scanLock = new Object();
    private Thread thread;
    private volatile boolean closed;

    public RuntimeWatcher(Config config, ContainerListener listener) {
        this.config = Objects.requireNonNull(config, "config");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Starts polling on a daemon thread (after one scan on the caller's thread when {@link Config#initialScan()}). */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (thread != null) {
            return;
        }
        if (config.initialScan()) {
            scanOnce();
        }
        thread = new Thread(this::poll, "runtime-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    /** The containers running now, as last scanned. */
    public List<ContainerInfo> running() {
        return running.values().stream().map(Tracked::info).toList();
    }

    /** A running container by id (a stopped one is forgotten once its stop is reported). */
    public Optional<ContainerInfo> byId(String id) {
        return Optional.ofNullable(running.get(id)).map(Tracked::info);
    }

    /**
     * Scans every root once, on the caller's thread, and reports what started and stopped since the last scan.
     * Never throws for what it finds on disk; a listener that throws is logged and does not stop the scan.
     */
    public void scanOnce() {
        synchronized (scanLock) {
            Map<String, Listing> listings = list();
            for (Tracked t : List.copyOf(running.values())) {
                Listing l = listings.get(t.info().id());
                Found now = l == null ? null : l.found();
                if (l == null || !alive(t) || now != null && now.initPid() != t.info().initPid()) {
                    running.remove(t.info().id());
                    report(listener::stopped, t.info().stopped(config.clock().millis()));
                }
            }
            listings.forEach((id, l) -> {
                Found f = l.found();
                if (f != null && !running.containsKey(id)) {
                    discovered(id, f, l.inTaskRoot);
                }
            });
            skippedSandboxes.keySet().retainAll(listings.keySet());
        }
    }

    private void discovered(String id, Found f, boolean containerd) {
        Long start = RuntimeState.processStart(PROC, f.initPid());
        if (start == null || f.initStart() != null && !f.initStart().equals(start)) {
            return; // not started yet, or dead: nothing to report while its directory stays
        }
        Map<String, String> a = f.annotations();
        String key = f.initPid() + "/" + start;
        if ("sandbox".equals(first(a, CONTAINER_TYPE))) {
            if (!key.equals(skippedSandboxes.put(id, key))) {
                LOG.debug("Leaving out pod sandbox {} (pod {}/{})", id, first(a, NAMESPACE), first(a, POD_NAME));
            }
            return;
        }
        ContainerInfo info = new ContainerInfo(id, containerd ? "containerd" : "runc", f.rootfs(), f.initPid(),
                f.createdAt() != null ? f.createdAt() : config.clock().millis(), null, first(a, CONTAINER_NAME),
                first(a, POD_NAME), first(a, NAMESPACE), first(a, POD_UID), first(a, IMAGE), a, f.privileged());
        running.put(id, new Tracked(info, start));
        report(listener::started, info);
    }

    private static boolean alive(Tracked t) {
        Long start = RuntimeState.processStart(PROC, t.info().initPid());
        return start != null && start == t.initStart();
    }

    private void report(Consumer<ContainerInfo> call, ContainerInfo info) {
        try {
            call.accept(info);
        } catch (RuntimeException e) {
            LOG.warn("Container listener failed for {}", info.id(), e);
        }
    }

    /** Every container directory present now, by id, with what could be read from it. */
    private Map<String, Listing> list() {
        Map<String, Listing> listings = new HashMap<>();
        for (Path root : config.runcRoots()) {
            for (Path dir : subdirectories(root)) {
                if (Files.exists(dir.resolve("state.json"))) {
                    readRunc(dir, listings);
                } else {
                    for (Path nested : subdirectories(dir)) {
                        if (Files.exists(nested.resolve("state.json"))) {
                            readRunc(nested, listings);
                        }
                    }
                }
            }
        }
        for (Path root : config.containerdTaskRoots()) {
            for (Path namespace : subdirectories(root)) {
                for (Path dir : subdirectories(namespace)) {
                    Listing l = listings.computeIfAbsent(dir.getFileName().toString(), k -> new Listing());
                    l.inTaskRoot = true;
                    try {
                        l.task = RuntimeState.readContainerdTask(dir);
                    } catch (IOException | RuntimeException e) {
                        LOG.debug("Skipping containerd task {} this time: {}", dir, e.toString());
                    }
                }
            }
        }
        return listings;
    }

    private static void readRunc(Path dir, Map<String, Listing> listings) {
        Listing l = listings.computeIfAbsent(dir.getFileName().toString(), k -> new Listing());
        try {
            l.runc = RuntimeState.readRuncState(dir.resolve("state.json"));
        } catch (IOException | RuntimeException e) {
            l.runcUnreadable = true;
            LOG.debug("Skipping runc state {} this time: {}", dir, e.toString());
        }
    }

    private static List<Path> subdirectories(Path dir) {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            entries.forEach(dirs::add);
        } catch (IOException e) {
            // a root that does not exist (no such runtime on this node) or a directory removed while listing
        }
        return dirs;
    }

    private static String first(Map<String, String> annotations, List<String> keys) {
        for (String key : keys) {
            String v = annotations.get(key);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private void poll() {
        while (!closed) {
            try {
                Thread.sleep(config.pollInterval().toMillis());
            } catch (InterruptedException e) {
                return;
            }
            try {
                scanOnce();
            } catch (RuntimeException e) {
                LOG.warn("Runtime scan failed; retrying on the next poll", e);
            }
        }
    }

    /** Stops polling; does not report the running containers as stopped (they outlive the agent). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
