package io.driftwatch.agent;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A log line that a flood of the same failure (one hostile container, a broken record read again and again) cannot
 * turn into a flood of lines: at most one per interval, saying how many were left out since the last one. The
 * failures themselves are counted elsewhere, exactly.
 */
public final class RateLimitedLog {
    private final Logger log;
    private final long intervalMs;
    private final LongSupplier clock;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimitedLog(Logger log, long intervalMs) {
        this(log, intervalMs, System::currentTimeMillis);
    }

    RateLimitedLog(Logger log, long intervalMs, LongSupplier clock) {
        this.log = log;
        this.intervalMs = intervalMs;
        this.clock = clock;
    }

    /** Logs at WARN unless a line went out less than the interval ago; the throwable's stack only with the line. */
    public void warn(String message, Throwable t) {
        emit(false, message, t);
    }

    /** As {@link #warn}, at ERROR. */
    public void error(String message, Throwable t) {
        emit(true, message, t);
    }

    private void emit(boolean error, String message, Throwable t) {
        long now = clock.getAsLong();
        long due = next.get();
        if (now < due || !next.compareAndSet(due, now + intervalMs)) {
            suppressed.incrementAndGet();
            return;
        }
        long left = suppressed.getAndSet(0);
        String line = left == 0 ? message : message + " (" + left + " more like it in the last " + intervalMs / 1000 + " s not logged)";
        if (error) {
            log.error(line, t);
        } else {
            log.warn(line, t);
        }
    }
}
