package io.driftwatch.notify;

import io.driftwatch.model.Alert;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One notifier at run time: its own bounded queue, its own thread and its own HTTP client, so a
 * slow, hanging or failing endpoint only ever holds up its own alerts. An alert that finds the
 * queue full is dropped for this notifier (and counted); a failed send is retried with exponential
 * backoff and jitter on connection errors, timeouts, 408, 429 and 5xx; other answers are final.
 */
public final class Notifier {
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
    private static final int BODY_IN_LOG = 500;

    /** What {@link #offer} did with an alert. */
    public enum Offer { QUEUED, FILTERED, DUPLICATE, DROPPED }

    /** Counters, for the status line and tests. */
    public record Stats(String name, long sent, long retried, long failed, long dropped, long duplicates, int queued) {
        @Override
        public String toString() {
            return name + ": sent " + sent + ", retried " + retried + ", failed " + failed + ", dropped " + dropped
                    + (duplicates > 0 ? ", duplicates " + duplicates : "") + (queued > 0 ? ", queued " + queued : "");
        }
    }

    private final NotifierSpec spec;
    private final HttpClient client;
    private final BlockingQueue<Alert> queue;
    private final Map<String, Boolean> seen;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private volatile boolean stopping;

    Notifier(NotifierSpec spec) {
        this.spec = spec;
        this.client = HttpClient.newBuilder()
                .connectTimeout(spec.timeout())
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.queue = new ArrayBlockingQueue<>(spec.queueSize());
        int dedupSize = spec.dedupSize();
        this.seen = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > dedupSize;
            }
        };
        this.thread = new Thread(this::loop, "notify-" + spec.name());
        this.thread.setDaemon(true);
    }

    public String name() {
        return spec.name();
    }

    public NotifierSpec spec() {
        return spec;
    }

    void start() {
        thread.start();
    }

    /** Never blocks: filtered, already seen (same alertId), queued, or dropped when the queue is full. */
    public Offer offer(Alert alert) {
        if (!spec.filter().matches(alert)) {
            return Offer.FILTERED;
        }
        if (stopping) {
            dropped.incrementAndGet();
            return Offer.DROPPED;
        }
        synchronized (seen) {
            if (spec.dedupSize() > 0 && seen.putIfAbsent(alert.getAlertId(), Boolean.TRUE) != null) {
                duplicates.incrementAndGet();
                return Offer.DUPLICATE;
            }
        }
        if (!queue.offer(alert)) {
            forget(alert);
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 100 == 0) {
                LOG.warn("notifier '{}': queue full ({} alerts), alert {} ({}) dropped for this notifier; {} dropped so far",
                        spec.name(), spec.queueSize(), alert.getAlertId(), alert.getRuleId(), n);
            }
            return Offer.DROPPED;
        }
        return Offer.QUEUED;
    }

    public Stats stats() {
        return new Stats(spec.name(), sent.get(), retried.get(), failed.get(), dropped.get(), duplicates.get(), queue.size());
    }

    /** Takes no more alerts; the thread ends when the queue is empty. */
    void stopAccepting() {
        stopping = true;
    }

    /**
     * Waits until the queue is delivered or the deadline passes; then interrupts what is left (a
     * send or a backoff) and counts the alerts still queued as not delivered. True when all were.
     */
    boolean awaitDrained(long deadlineNanos) throws InterruptedException {
        stopping = true;
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        boolean drained = !thread.isAlive();
        if (!drained) {
            thread.interrupt();
            thread.join(2_000);
        }
        int abandoned = queue.size();
        queue.clear();
        if (abandoned > 0) {
            failed.addAndGet(abandoned);
            LOG.warn("notifier '{}': stopped with {} alert(s) not delivered (drain time over)", spec.name(), abandoned);
        }
        return drained && abandoned == 0;
    }

    private void loop() {
        while (true) {
            Alert alert;
            try {
                alert = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (alert == null) {
                if (stopping) {
                    return;
                }
                continue;
            }
            if (!deliver(alert)) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
            }
        }
    }

    /** Sends one alert with its retries; true when it was delivered. */
    boolean deliver(Alert alert) {
        HttpRequest request;
        try {
            PayloadFormat.Payload payload = spec.format().build(alert);
            HttpRequest.Builder builder = HttpRequest.newBuilder(spec.url())
                    .timeout(spec.timeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "Driftwatch-notify");
            payload.headers().forEach(builder::setHeader);
            request = builder.method(payload.method(), HttpRequest.BodyPublishers.ofString(payload.body())).build();
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            forget(alert);
            LOG.warn("notifier '{}': alert {} ({}) not delivered: cannot build the request: {}", spec.name(),
                    alert.getAlertId(), alert.getRuleId(), e.toString());
            return false;
        }
        String last = "";
        for (int attempt = 0; ; attempt++) {
            long retryAfterMs = 0;
            boolean retryable;
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    sent.incrementAndGet();
                    return true;
                }
                last = "HTTP " + status + bodyForLog(response.body());
                retryable = status == 408 || status == 429 || status >= 500;
                if (!retryable) {
                    failed.incrementAndGet();
                    forget(alert);
                    LOG.warn("notifier '{}': alert {} ({}) refused by {} with {} (not retried)", spec.name(),
                            alert.getAlertId(), alert.getRuleId(), spec.url().getHost(), last);
                    return false;
                }
                retryAfterMs = retryAfter(response);
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return notDelivered(alert, attempt + 1, "interrupted at shutdown");
            }
            if (attempt >= spec.retries()) {
                return notDelivered(alert, attempt + 1, last);
            }
            long delay = backoff(attempt, retryAfterMs);
            retried.incrementAndGet();
            LOG.info("notifier '{}': alert {} attempt {} failed ({}); retrying in {} ms", spec.name(), alert.getAlertId(),
                    attempt + 1, last, delay);
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return notDelivered(alert, attempt + 1, last + "; interrupted at shutdown");
            }
        }
    }

    private boolean notDelivered(Alert alert, int attempts, String last) {
        failed.incrementAndGet();
        forget(alert);
        LOG.warn("notifier '{}': alert {} ({}) not delivered after {} attempt(s): {}", spec.name(), alert.getAlertId(),
                alert.getRuleId(), attempts, last);
        return false;
    }

    /** A failed alert may be tried again when Kafka delivers it again. */
    private void forget(Alert alert) {
        synchronized (seen) {
            seen.remove(alert.getAlertId());
        }
    }

    /** backoffMs doubling per attempt up to maxBackoffMs, between half and all of it (jitter); at least Retry-After. */
    long backoff(int attempt, long retryAfterMs) {
        long base = spec.backoffMs() << Math.min(attempt, 30);
        if (base <= 0 || base > spec.maxBackoffMs()) {
            base = spec.maxBackoffMs();
        }
        long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        return Math.max(delay, Math.min(retryAfterMs, spec.maxBackoffMs()));
    }

    private static long retryAfter(HttpResponse<?> response) {
        Optional<String> value = response.headers().firstValue("Retry-After");
        if (value.isPresent()) {
            try {
                return Math.max(0, Long.parseLong(value.get().trim())) * 1000;
            } catch (NumberFormatException ignored) {
                // an HTTP date: the exponential backoff stands
            }
        }
        return 0;
    }

    private static String bodyForLog(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String oneLine = body.strip().replaceAll("\\s+", " ");
        return ": " + (oneLine.length() > BODY_IN_LOG ? oneLine.substring(0, BODY_IN_LOG) + "..." : oneLine);
    }
}
