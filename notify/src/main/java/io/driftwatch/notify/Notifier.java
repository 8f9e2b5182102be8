package io.driftwatch.notify;

import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.PlanRecipient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One notifier at run time: its own bounded queue, its own thread and its own transport (HTTP, SMTP or the AWS SDK),
 * so a slow, hanging or failing endpoint only ever holds up its own items. An item is an alert or an incident
 * notification of the response plan. An item that finds the queue full is dropped for this notifier (and counted); a
 * failed attempt is retried with exponential backoff and jitter when the transport says another attempt may help
 * (connection errors, timeouts, 408, 429, 5xx, SMTP 4xx); other answers are final. For a notification, the end of its
 * attempt (delivered, failed, dropped) goes to the {@link DeliveryListener}.
 */
public final class Notifier {
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

    /** What {@link #offer} did with an item. */
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
    private final DeliveryListener listener;
    private final BlockingQueue<Item> queue;
    private final Map<String, Boolean> seen;
    private final Thread thread;
    private Transport transport;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private volatile boolean stopping;

    Notifier(NotifierSpec spec) {
        this(spec, DeliveryListener.NONE);
    }

    Notifier(NotifierSpec spec, DeliveryListener listener) {
        this.spec = spec;
        this.listener = listener;
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
        transport = spec.transport().apply(spec);
        thread.start();
    }

    /** An alert: filtered (or not taken: {@code alerts: false}), already seen (same alertId), queued, or dropped. */
    public Offer offer(Alert alert) {
        if (!spec.alerts() || !spec.filter().matches(alert)) {
            return Offer.FILTERED;
        }
        return enqueue(Item.of(alert));
    }

    /**
     * A plan notification naming this notifier: already seen (same notificationId), queued, or dropped (then reported
     * as dropped at once). Severity and namespace filters do not apply: the plan chose the channel.
     */
    public Offer offer(IncidentNotification notification) {
        Offer offer = enqueue(Item.of(notification));
        if (offer == Offer.DROPPED) {
            report(Item.of(notification), "dropped", stopping ? "the notifier is stopping"
                    : "queue full (" + spec.queueSize() + " items)", null, null);
        }
        return offer;
    }

    private Offer enqueue(Item item) {
        if (stopping) {
            dropped.incrementAndGet();
            return Offer.DROPPED;
        }
        synchronized (seen) {
            if (spec.dedupSize() > 0 && seen.putIfAbsent(item.key(), Boolean.TRUE) != null) {
                duplicates.incrementAndGet();
                return Offer.DUPLICATE;
            }
        }
        if (!queue.offer(item)) {
            forget(item);
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 100 == 0) {
                LOG.warn("notifier '{}': queue full ({} items), {} dropped for this notifier; {} dropped so far",
                        spec.name(), spec.queueSize(), item.describe(), n);
            }
            return Offer.DROPPED;
        }
        return Offer.QUEUED;
    }

    public Stats stats() {
        return new Stats(spec.name(), sent.get(), retried.get(), failed.get(), dropped.get(), duplicates.get(), queue.size());
    }

    /** Takes no more items; the thread ends when the queue is empty. */
    void stopAccepting() {
        stopping = true;
    }

    /**
     * Waits until the queue is delivered or the deadline passes; then interrupts what is left (a
     * send or a backoff) and counts the items still queued as not delivered. True when all were.
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
        List<Item> left2 = new java.util.ArrayList<>();
        queue.drainTo(left2);
        int abandoned = left2.size();
        if (abandoned > 0) {
            failed.addAndGet(abandoned);
            LOG.warn("notifier '{}': stopped with {} item(s) not delivered (drain time over)", spec.name(), abandoned);
            for (Item item : left2) {
                report(item, "failed", "not delivered: the notifier stopped (drain time over)", null, null);
            }
        }
        if (transport != null) {
            try {
                transport.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the transport of '{}': {}", spec.name(), e.toString());
            }
        }
        return drained && abandoned == 0;
    }

    private void loop() {
        while (true) {
            Item item;
            try {
                item = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (item == null) {
                if (stopping) {
                    return;
                }
                continue;
            }
            if (!deliver(item)) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
            }
        }
    }

    /** Sends one item with its retries; true when it was delivered. */
    boolean deliver(Item item) {
        String last = "";
        for (int attempt = 0; ; attempt++) {
            long retryAfterMs = 0;
            try {
                Attempt result = transport.attempt(item);
                if (result.delivered()) {
                    sent.incrementAndGet();
                    report(item, "delivered", result.detail(), result.reference(), result.recipients());
                    return true;
                }
                last = result.detail();
                if (!result.retryable()) {
                    failed.incrementAndGet();
                    forget(item);
                    LOG.warn("notifier '{}': {} refused: {} (not retried)", spec.name(), item.describe(), last);
                    report(item, "failed", last, null, null);
                    return false;
                }
                retryAfterMs = result.retryAfterMs();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return notDelivered(item, attempt + 1, "interrupted at shutdown");
            } catch (Exception e) {
                if (Thread.currentThread().isInterrupted()) {
                    return notDelivered(item, attempt + 1, "interrupted at shutdown");
                }
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (attempt >= spec.retries()) {
                return notDelivered(item, attempt + 1, last);
            }
            long delay = backoff(attempt, retryAfterMs);
            retried.incrementAndGet();
            LOG.info("notifier '{}': {} attempt {} failed ({}); retrying in {} ms", spec.name(), item.describe(),
                    attempt + 1, last, delay);
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return notDelivered(item, attempt + 1, last + "; interrupted at shutdown");
            }
        }
    }

    private boolean notDelivered(Item item, int attempts, String last) {
        failed.incrementAndGet();
        forget(item);
        LOG.warn("notifier '{}': {} not delivered after {} attempt(s): {}", spec.name(), item.describe(), attempts, last);
        report(item, "failed", "not delivered after " + attempts + " attempt(s): " + last, null, null);
        return false;
    }

    private void report(Item item, String outcome, String detail, String reference, List<PlanRecipient> recipients) {
        if (item.isAlert()) {
            return;
        }
        try {
            listener.outcome(item.notification(), spec.name(), outcome, detail, reference,
                    recipients != null ? recipients : item.recipients());
        } catch (RuntimeException e) {
            LOG.warn("notifier '{}': reporting the {} of {} failed: {}", spec.name(), outcome, item.describe(), e.toString());
        }
    }

    /** A failed item may be tried again when Kafka delivers it again. */
    private void forget(Item item) {
        synchronized (seen) {
            seen.remove(item.key());
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
}
