package io.driftwatch.app.rules;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.model.RuleBundle;
import io.driftwatch.rules.RuleBundles;
import io.driftwatch.rules.RuleCompilationException;
import io.driftwatch.rules.RuleSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of rule sets. Holds the running {@link RuleSet}; stream tasks read it through
 * {@link #current()} and swap their sessions over on their own thread (see the topology's
 * evaluate step). New sets come from two sources:
 *
 * <ul>
 *   <li>the rules directory ({@code driftwatch.rules.dir}), compared every
 *       {@code driftwatch.rules.watch.interval.ms} with what was last read (a digest of every
 *       rule file); a change that compiles is swapped in and, when the rules topic is followed,
 *       published to it so that every other instance swaps too;</li>
 *   <li>the compacted rules topic (bundles keyed by {@code driftwatch.rules.name}), read from the
 *       beginning by a consumer of its own (no group) and followed for as long as the app runs:
 *       the newest bundle for our name is compiled unless it is what already runs.</li>
 * </ul>
 *
 * <p>Every compilation happens on one background thread ({@code driftwatch-rules}), never on a
 * stream thread; a set is swapped in with one atomic reference update, so a task sees either the
 * old set or the new one. A set that does not compile is refused with its problems logged
 * ({@code file:line: message}) and counted in the MBean {@value #JMX_NAME}; the running set stays.
 *
 * <p>At start the directory is compiled first (a directory that does not compile stops the start,
 * as there is nothing running to keep). Then the rules topic is read to its end: when it holds a
 * bundle for our name that differs from the directory, the newer one wins: the directory when one
 * of its files changed after the bundle was published (it is then published), else the bundle.
 */
public final class RulesManager implements AutoCloseable {
    public static final String JMX_NAME = "io.driftwatch:type=Rules";
    static final String BUILT_IN = "built-in";
    private static final Logger LOG = LoggerFactory.getLogger(RulesManager.class);
    private static final Duration TOPIC_LOOKUP_INTERVAL = Duration.ofSeconds(10);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(2);
    private static final AtomicLong INSTANCES = new AtomicLong();

    /** What runs: the compiled set, the digest of the user files it came from, and their source. */
    public record Running(RuleSet rules, String bundleSha256, String source) {
    }

    /** What a reload attempt did. */
    public enum Outcome {
        /** A new set runs now. */
        SWAPPED,
        /** Nothing to do: no change, or the change is what already runs. */
        UNCHANGED,
        /** The new set was refused; the running one stays. */
        REFUSED
    }

    /** Compiles a bundle's files (with the built-in pack); replaceable in tests. */
    @FunctionalInterface
    interface Compiler {
        RuleSet compile(Map<String, String> files) throws RuleCompilationException;
    }

    private final RulesSettings settings;
    private final RuleBundleTopic topic;
    private final Compiler compiler;
    private final ScheduledExecutorService worker;
    private final AtomicReference<Running> running = new AtomicReference<>();
    private final AtomicReference<RuleBundle> pendingBundle = new AtomicReference<>();
    private final Metrics metrics = new Metrics();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failedReloads = new AtomicLong();
    private volatile String lastError = "";
    private volatile long lastErrorAt;
    private volatile long lastReloadAt;
    /** The digest of the directory as last read; touched on the worker thread only. */
    private String lastDirectoryDigest;
    private RulesTopicFollower follower;
    private ObjectName registeredAs;

    private RulesManager(RulesSettings settings, RuleBundleTopic topic, Compiler compiler) {
        this.settings = settings;
        this.topic = topic;
        this.compiler = compiler;
        this.worker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "driftwatch-rules");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Loads the rule set the configuration names and starts following its sources.
     *
     * @throws RuleCompilationException when the rules directory does not compile
     */
    public static RulesManager start(DriftwatchConfig config) throws RuleCompilationException {
        RulesSettings settings = RulesSettings.from(config);
        RuleBundleTopic topic = settings.topicEnabled() ? new RuleBundleTopic(config, settings.topic()) : null;
        return start(settings, topic, RuleBundles::compile, true);
    }

    /** With an explicit topic (null: no topic) and compiler; {@code jmx} registers the MBean. */
    static RulesManager start(RulesSettings settings, RuleBundleTopic topic, Compiler compiler, boolean jmx)
            throws RuleCompilationException {
        RulesManager manager = new RulesManager(settings, topic, compiler);
        try {
            manager.worker.submit(() -> {
                manager.startUp();
                return null;
            }).get();
        } catch (ExecutionException e) {
            manager.close();
            if (e.getCause() instanceof RuleCompilationException refused) {
                throw refused;
            }
            throw new IllegalStateException("could not load the rule set: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            manager.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading the rule set", e);
        }
        if (jmx) {
            manager.register();
        }
        return manager;
    }

    /** The running rule set: what stream tasks evaluate with. Cheap; call it per event. */
    public RuleSet current() {
        return running.get().rules();
    }

    public Running running() {
        return running.get();
    }

    /** The counters, also registered as MBean {@value #JMX_NAME}. */
    public RulesMXBean metrics() {
        return metrics;
    }

    /** The name the MBean is registered under, or null when it is not registered. */
    public ObjectName mbeanName() {
        return registeredAs;
    }

    /** Compares the rules directory with what was last read now, instead of at the next interval. */
    public Future<Outcome> checkDirectory() {
        return worker.submit(this::checkDirectoryNow);
    }

    /**
     * Hands a bundle from the rules topic over for compilation on the background thread. When
     * several arrive before the thread gets to them, only the newest is compiled.
     */
    public Future<Outcome> offer(RuleBundle bundle) {
        pendingBundle.set(bundle);
        return worker.submit(this::adoptPendingBundle);
    }

    // ---- the worker thread ----

    private void startUp() throws RuleCompilationException {
        SortedMap<String, String> directoryFiles = null;
        if (settings.dir() != null) {
            directoryFiles = RuleBundles.read(settings.dir());
            String digest = RuleBundles.sha256(directoryFiles);
            running.set(new Running(compiler.compile(directoryFiles), digest, directorySource()));
            lastDirectoryDigest = digest;
        } else {
            running.set(new Running(RuleSet.builtIn(), RuleBundles.sha256(Map.of()), BUILT_IN));
        }
        if (topic != null) {
            follower = new RulesTopicFollower(topic.newConsumer(), topic, settings.name(),
                new RulesTopicFollower.Listener() {
                    @Override
                    public void published(RuleBundle bundle) {
                        offer(bundle);
                    }

                    @Override
                    public void unreadable(String source, String reason) {
                        refuse(source, reason, null);
                    }
                }, TOPIC_LOOKUP_INTERVAL, RETRY_PAUSE);
            Optional<RuleBundle> latest = follower.catchUp();
            if (latest.isPresent()) {
                adoptAtStart(latest.get(), directoryFiles);
            } else if (directoryFiles != null && follower.assigned()) {
                publish(directoryFiles, running.get());
            }
            follower.start();
        }
        if (settings.dir() != null) {
            long interval = settings.watchInterval().toMillis();
            worker.scheduleWithFixedDelay(this::watchTick, interval, interval, TimeUnit.MILLISECONDS);
        }
        Running now = running.get();
        LOG.info("rule set {} from {}: {} rules{}{}", now.rules().version(), now.source(), now.rules().rules().size(),
                settings.dir() == null ? "" : "; watching " + settings.dir() + " every " + settings.watchInterval().toMillis() + " ms",
                topic == null ? "" : "; following topic " + topic.name() + " for rule set '" + settings.name() + "'");
    }

    private void adoptAtStart(RuleBundle bundle, SortedMap<String, String> directoryFiles) {
        String digest = RuleBundleTopic.sha256(bundle);
        if (digest.equals(running.get().bundleSha256())) {
            LOG.info("rules topic {} holds this rule set already (published {})", topic.name(),
                    Instant.ofEpochMilli(bundle.getPublishedAt()));
            return;
        }
        if (directoryFiles != null && directoryChangedAfter(bundle.getPublishedAt())) {
            LOG.info("rules directory {} changed after the bundle in {} was published ({}): the directory wins",
                    settings.dir(), topic.name(), Instant.ofEpochMilli(bundle.getPublishedAt()));
            publish(directoryFiles, running.get());
            return;
        }
        adopt(bundle, digest, true);
    }

    private void watchTick() {
        try {
            checkDirectoryNow();
        } catch (RuntimeException e) {
            LOG.warn("checking rules directory {} failed: {}", settings.dir(), e.toString(), e);
        }
    }

    private Outcome checkDirectoryNow() {
        if (settings.dir() == null) {
            return Outcome.UNCHANGED;
        }
        SortedMap<String, String> files;
        try {
            files = RuleBundles.read(settings.dir());
        } catch (RuleCompilationException e) {
            String digest = "unreadable " + e.getMessage();
            if (digest.equals(lastDirectoryDigest)) {
                return Outcome.UNCHANGED;
            }
            lastDirectoryDigest = digest;
            refuse(directorySource(), e.problems().stream().map(Object::toString).collect(Collectors.joining("; ")),
                    e.getMessage());
            return Outcome.REFUSED;
        }
        String digest = RuleBundles.sha256(files);
        if (digest.equals(lastDirectoryDigest)) {
            return Outcome.UNCHANGED;
        }
        lastDirectoryDigest = digest;
        if (digest.equals(running.get().bundleSha256())) {
            return Outcome.UNCHANGED;
        }
        LOG.info("rules directory {} changed: compiling", settings.dir());
        Outcome outcome = compileAndSwap(files, digest, directorySource(), false);
        if (outcome == Outcome.SWAPPED) {
            publish(files, running.get());
        }
        return outcome;
    }

    private Outcome adoptPendingBundle() {
        RuleBundle bundle = pendingBundle.getAndSet(null);
        if (bundle == null) {
            return Outcome.UNCHANGED; // a later offer took it
        }
        String digest = RuleBundleTopic.sha256(bundle);
        if (digest.equals(running.get().bundleSha256())) {
            LOG.debug("rule set {} from {} already runs", bundle.getVersion(), topic == null ? "the topic" : topic.name());
            return Outcome.UNCHANGED;
        }
        return adopt(bundle, digest, false);
    }

    private Outcome adopt(RuleBundle bundle, String digest, boolean atStart) {
        String source = "topic " + (topic == null ? "?" : topic.name()) + " (version " + bundle.getVersion()
                + ", published " + Instant.ofEpochMilli(bundle.getPublishedAt()) + ")";
        String actual = RuleBundles.sha256(bundle.getFiles());
        if (!actual.equals(digest)) {
            refuse(source, "sha256 " + digest + " does not match the bundle's files (" + actual + ")", null);
            return Outcome.REFUSED;
        }
        return compileAndSwap(bundle.getFiles(), digest, source, atStart);
    }

    private Outcome compileAndSwap(Map<String, String> files, String digest, String source, boolean atStart) {
        Running before = running.get();
        long started = System.nanoTime();
        RuleSet next;
        try {
            next = compiler.compile(files);
        } catch (RuleCompilationException e) {
            refuse(source, e.problems().stream().map(Object::toString).collect(Collectors.joining("; ")), e.getMessage());
            return Outcome.REFUSED;
        } catch (RuntimeException e) {
            refuse(source, e.toString(), null);
            return Outcome.REFUSED;
        }
        running.set(new Running(next, digest, source));
        if (!atStart) {
            reloads.incrementAndGet();
            lastReloadAt = System.currentTimeMillis();
        }
        LOG.info("rule set {} -> {} from {}: {} rules, compiled in {} ms", before.rules().version(), next.version(), source,
                next.rules().size(), (System.nanoTime() - started) / 1_000_000);
        return Outcome.SWAPPED;
    }

    /** Counts and logs a refused set; the running one stays. Any thread. */
    private void refuse(String source, String reason, String details) {
        failedReloads.incrementAndGet();
        lastError = source + ": " + reason;
        lastErrorAt = System.currentTimeMillis();
        Running current = running.get();
        LOG.warn("rule set from {} refused; still running {}: {}", source,
                current == null ? "nothing yet" : current.rules().version(), details == null ? reason : details);
    }

    private void publish(Map<String, String> files, Running compiled) {
        if (topic == null) {
            return;
        }
        try {
            if (!topic.exists()) {
                LOG.warn("rules topic {} does not exist: rule set {} is not published (create it with "
                        + "./driftwatch topics create)", topic.name(), compiled.rules().version());
                return;
            }
            RecordMetadata written = topic.publish(RuleBundleTopic.bundle(settings.name(), compiled.rules().version(), files,
                    System.currentTimeMillis()));
            LOG.info("published rule set '{}' version {} from {} to {} (partition {}, offset {})", settings.name(),
                    compiled.rules().version(), compiled.source(), topic.name(), written.partition(), written.offset());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("could not publish rule set {} to {}: {}; other instances keep their rule set", compiled.rules().version(),
                    topic.name(), e.toString());
        }
    }

    private String directorySource() {
        return "directory " + settings.dir();
    }

    /** Whether anything under the directory (the directory itself included) changed after the time. */
    private boolean directoryChangedAfter(long epochMillis) {
        Path dir = settings.dir();
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> paths = walk.filter(p -> p.equals(dir) || !hidden(dir.relativize(p))).toList();
            for (Path path : paths) {
                if (Files.getLastModifiedTime(path).toMillis() > epochMillis) {
                    return true;
                }
            }
            return false;
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot read the modification times under {}: {}; the topic's bundle wins", dir, e.toString());
            return false;
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    // ---- JMX ----

    private void register() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            ObjectName name = new ObjectName(JMX_NAME);
            if (server.isRegistered(name)) {
                // Another app in this JVM (tests, bench) has the plain name.
                name = new ObjectName(JMX_NAME + ",name=" + ObjectName.quote(settings.name()) + ",instance="
                        + INSTANCES.incrementAndGet());
            }
            server.registerMBean(metrics, name);
            registeredAs = name;
        } catch (JMException e) {
            LOG.warn("could not register the rules MBean: {}", e.toString());
        }
    }

    private void unregister() {
        if (registeredAs == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(registeredAs);
        } catch (JMException e) {
            LOG.debug("could not unregister {}: {}", registeredAs, e.toString());
        }
        registeredAs = null;
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.stop();
        }
        worker.shutdownNow();
        try {
            if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("the rules thread did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (topic != null) {
            topic.close();
        }
        unregister();
    }

    private final class Metrics implements RulesMXBean {
        @Override
        public String getVersion() {
            return current().version();
        }

        @Override
        public String getSource() {
            return running.get().source();
        }

        @Override
        public String getBundleSha256() {
            return running.get().bundleSha256();
        }

        @Override
        public int getRuleCount() {
            return current().rules().size();
        }

        @Override
        public long getReloads() {
            return reloads.get();
        }

        @Override
        public long getFailedReloads() {
            return failedReloads.get();
        }

        @Override
        public String getLastError() {
            return lastError;
        }

        @Override
        public long getLastErrorAt() {
            return lastErrorAt;
        }

        @Override
        public long getLastReloadAt() {
            return lastReloadAt;
        }
    }
}
