package io.driftwatch.app.plan;

import io.driftwatch.rules.plan.PlanException;
import io.driftwatch.rules.plan.PlanLoader;
import io.driftwatch.rules.plan.ResponsePlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of the response plan, the way {@code RulesManager} reloads the rules directory: the file
 * ({@code driftwatch.plan.file}) is read at start (a plan that does not load stops the start: there is nothing to keep
 * running), then compared every {@code driftwatch.plan.watch.interval.ms} with what was last read, on a background
 * thread ({@code driftwatch-plan}). A change that loads is swapped in with one atomic update (stream tasks read
 * {@link #current()} when they open an incident or fire a timer); one that does not is refused, every problem logged
 * as {@code file:line: message} and counted ({@link #failedReloads()}); the last good plan keeps running.
 */
public final class PlanManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PlanManager.class);

    /** What a check of the file did. */
    public enum Outcome { SWAPPED, UNCHANGED, REFUSED }

    /** Reads a plan file's bytes into a plan; replaceable in tests. */
    @FunctionalInterface
    interface Parser {
        ResponsePlan parse(byte[] bytes, String fileName) throws PlanException;
    }

    private final PlanSettings settings;
    private final Parser parser;
    private final ScheduledExecutorService worker;
    private final AtomicReference<ResponsePlan> running = new AtomicReference<>();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failedReloads = new AtomicLong();
    private volatile String lastError = "";
    private volatile long lastReloadAt;
    /** sha256 of the bytes last read (or why they could not be read); worker thread only. */
    private String lastDigest;

    private PlanManager(PlanSettings settings, Parser parser) {
        this.settings = settings;
        this.parser = parser;
        this.worker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "driftwatch-plan");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Loads the plan {@code settings} names and starts watching its file; without a file, a manager whose plan is
     * null (nothing watched).
     *
     * @throws PlanException when the file does not load (every problem as file:line: message)
     */
    public static PlanManager start(PlanSettings settings) throws PlanException {
        return start(settings, PlanLoader::parse);
    }

    static PlanManager start(PlanSettings settings, Parser parser) throws PlanException {
        PlanManager manager = new PlanManager(settings, parser);
        if (settings.file() == null) {
            return manager;
        }
        try {
            manager.worker.submit(() -> {
                manager.startUp();
                return null;
            }).get();
        } catch (ExecutionException e) {
            manager.close();
            if (e.getCause() instanceof PlanException refused) {
                throw refused;
            }
            throw new IllegalStateException("could not load the response plan: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            manager.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading the response plan", e);
        }
        long interval = settings.watchInterval().toMillis();
        manager.worker.scheduleWithFixedDelay(manager::watchTick, interval, interval, TimeUnit.MILLISECONDS);
        return manager;
    }

    /** The running plan, or null when none is configured. Cheap. */
    public ResponsePlan current() {
        return running.get();
    }

    public PlanSettings settings() {
        return settings;
    }

    /** Plans loaded while running (not counting the one at start). */
    public long reloads() {
        return reloads.get();
    }

    /** Changed files refused (the last good plan kept running). */
    public long failedReloads() {
        return failedReloads.get();
    }

    /** The problems of the last refused file, or "". */
    public String lastError() {
        return lastError;
    }

    public long lastReloadAt() {
        return lastReloadAt;
    }

    /** Compares the file with what was last read now, instead of at the next interval. */
    public Future<Outcome> checkNow() {
        return worker.submit(this::check);
    }

    private void startUp() throws PlanException {
        byte[] bytes;
        try {
            bytes = read();
        } catch (IOException e) {
            throw new PlanException(List.of(settings.file() + ": cannot read the response plan: "
                    + (e instanceof NoSuchFileException ? "no such file" : e.toString())));
        }
        ResponsePlan plan = parser.parse(bytes, settings.file().toString());
        running.set(plan);
        lastDigest = sha256(bytes);
        LOG.info("response plan '{}' version {} from {}: {} classes, {} obligations, {} drills; watching it every {} ms",
                plan.name(), plan.version(), settings.file(), plan.classes().size(), plan.obligations().size(),
                plan.drills().size(), settings.watchInterval().toMillis());
    }

    private void watchTick() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warn("checking response plan {} failed: {}", settings.file(), e.toString(), e);
        }
    }

    private Outcome check() {
        if (settings.file() == null) {
            return Outcome.UNCHANGED;
        }
        byte[] bytes;
        try {
            bytes = read();
        } catch (IOException e) {
            String why = "unreadable " + e;
            if (why.equals(lastDigest)) {
                return Outcome.UNCHANGED;
            }
            lastDigest = why;
            refuse(List.of(settings.file() + ": " + (e instanceof NoSuchFileException ? "no such file" : e.toString())));
            return Outcome.REFUSED;
        }
        String digest = sha256(bytes);
        if (digest.equals(lastDigest)) {
            return Outcome.UNCHANGED;
        }
        lastDigest = digest;
        ResponsePlan next;
        try {
            next = parser.parse(bytes, settings.file().toString());
        } catch (PlanException e) {
            refuse(e.problems());
            return Outcome.REFUSED;
        } catch (RuntimeException e) {
            refuse(List.of(settings.file() + ": " + e));
            return Outcome.REFUSED;
        }
        ResponsePlan before = running.getAndSet(next);
        reloads.incrementAndGet();
        lastReloadAt = System.currentTimeMillis();
        LOG.info("response plan {} -> '{}' version {} from {}: applies to the incidents opened from now on",
                before == null ? "none" : before.version(), next.name(), next.version(), settings.file());
        return Outcome.SWAPPED;
    }

    private void refuse(List<String> problems) {
        failedReloads.incrementAndGet();
        lastError = String.join("\n", problems);
        ResponsePlan current = running.get();
        LOG.warn("response plan {} refused ({} problems); still running {}:\n{}", settings.file(), problems.size(),
                current == null ? "nothing" : "'" + current.name() + "' version " + current.version(), lastError);
    }

    private byte[] read() throws IOException {
        return Files.readAllBytes(settings.file());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("the plan thread did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
