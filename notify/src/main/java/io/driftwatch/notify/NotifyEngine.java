package io.driftwatch.notify;

import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentNotification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The notifiers together: {@link #dispatch} hands an alert to every notifier whose filters match
 * and returns at once (each notifier sends from its own queue and thread).
 */
public final class NotifyEngine implements AutoCloseable {
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(10);

    private final List<Notifier> notifiers;
    private final Map<String, Notifier> byName = new LinkedHashMap<>();
    private final DeliveryListener listener;
    private volatile boolean closed;

    private NotifyEngine(List<Notifier> notifiers, DeliveryListener listener) {
        this.notifiers = List.copyOf(notifiers);
        this.listener = listener;
        notifiers.forEach(n -> byName.put(n.name(), n));
    }

    public static NotifyEngine start(List<NotifierSpec> specs) {
        return start(specs, DeliveryListener.NONE);
    }

    /** With a listener told the outcome of every plan notification on every channel (see {@link #dispatch(IncidentNotification)}). */
    public static NotifyEngine start(List<NotifierSpec> specs, DeliveryListener listener) {
        List<Notifier> notifiers = new ArrayList<>();
        for (NotifierSpec spec : specs) {
            notifiers.add(new Notifier(spec, listener));
        }
        notifiers.forEach(Notifier::start);
        return new NotifyEngine(notifiers, listener);
    }

    /**
     * Hands a plan notification to every channel it names (each name once); a name without a notifier is reported at
     * once as failed ("no notifier named X"), a full queue as dropped. How many notifiers queued it. Never blocks.
     */
    public int dispatch(IncidentNotification notification) {
        int queued = 0;
        for (String channel : new LinkedHashSet<>(notification.getChannels())) {
            Notifier notifier = byName.get(channel);
            if (notifier == null) {
                listener.outcome(notification, channel, "failed", "no notifier named " + channel, null,
                        notification.getRecipients());
            } else if (notifier.offer(notification) == Notifier.Offer.QUEUED) {
                queued++;
            }
        }
        return queued;
    }

    /** How many notifiers took the alert into their queue ({@code alerts: false} ones never do). Never blocks. */
    public int dispatch(Alert alert) {
        int queued = 0;
        for (Notifier notifier : notifiers) {
            if (notifier.offer(alert) == Notifier.Offer.QUEUED) {
                queued++;
            }
        }
        return queued;
    }

    /**
     * Registers each notifier's deliveries, retries, failures, drops and queue (src/monitoring.md), labelled by the
     * notifier's name (from the operator's notifiers file) and its channel type. Read at scrape time.
     */
    public void bindTo(io.micrometer.core.instrument.MeterRegistry registry) {
        for (Notifier n : notifiers) {
            var tags = io.micrometer.core.instrument.Tags.of("notifier", n.name(), "channel", n.spec().type());
            io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.notifier.deliveries", n, x -> x.stats().sent())
                    .tags(tags).description("Alerts and plan notifications delivered").register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.notifier.retries", n, x -> x.stats().retried())
                    .tags(tags).description("Attempts retried after a connection error, timeout, 408, 429 or 5xx")
                    .register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.notifier.failures", n, x -> x.stats().failed())
                    .tags(tags).description("Alerts and plan notifications not delivered (refused, retries spent, or left at shutdown)")
                    .register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.notifier.dropped", n, x -> x.stats().dropped())
                    .tags(tags).description("Alerts and plan notifications dropped because the notifier's queue was full").register(registry);
            io.micrometer.core.instrument.Gauge.builder("driftwatch.notifier.queue", n, x -> x.stats().queued())
                    .tags(tags).description("Alerts and plan notifications waiting in the notifier's queue").register(registry);
        }
    }

    public List<Notifier> notifiers() {
        return notifiers;
    }

    public List<Notifier.Stats> stats() {
        return notifiers.stream().map(Notifier::stats).collect(Collectors.toList());
    }

    /** One line: every notifier's sent, retried, failed and dropped counts. */
    public String status() {
        return stats().stream().map(Notifier.Stats::toString).collect(Collectors.joining(" | "));
    }

    @Override
    public void close() throws InterruptedException {
        close(DEFAULT_DRAIN);
    }

    /** Stops taking alerts and gives every notifier together at most {@code drain} to deliver what it holds. */
    public boolean close(Duration drain) throws InterruptedException {
        if (closed) {
            return true;
        }
        closed = true;
        notifiers.forEach(Notifier::stopAccepting);
        long deadline = System.nanoTime() + drain.toNanos();
        boolean all = true;
        for (Notifier notifier : notifiers) {
            all &= notifier.awaitDrained(deadline);
        }
        return all;
    }
}
