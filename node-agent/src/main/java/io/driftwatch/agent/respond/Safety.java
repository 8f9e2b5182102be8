package io.driftwatch.agent.respond;

import java.util.ArrayDeque;
import java.util.Deque;

/** The responder's brakes: sliding-window rate limits and a circuit breaker. Not thread-safe: one handler thread. */
final class Safety {
    private Safety() {
    }

    /** At most {@code limit} events within {@code windowMs}; counts what it lets through. */
    static final class RateLimit {
        private final int limit;
        private final long windowMs;
        private final Deque<Long> times = new ArrayDeque<>();

        RateLimit(int limit, long windowMs) {
            this.limit = limit;
            this.windowMs = windowMs;
        }

        /** Whether one more fits now (nothing is recorded). */
        boolean allows(long now) {
            expire(now);
            return times.size() < limit;
        }

        void record(long at) {
            times.addLast(at);
        }

        int inWindow(long now) {
            expire(now);
            return times.size();
        }

        int limit() {
            return limit;
        }

        private void expire(long now) {
            while (!times.isEmpty() && times.peekFirst() <= now - windowMs) {
                times.removeFirst();
            }
        }
    }

    /**
     * Opens after {@code threshold} failures in a row; while open, disruptive actions are refused; after
     * {@code cooldownMs} it lets one try through (half-open): success closes it, failure opens it again.
     */
    static final class CircuitBreaker {
        private final int threshold;
        private final long cooldownMs;
        private int failuresInARow;
        /** Volatile: the metrics thread reads the state while the handler thread acts. */
        private volatile long openedAt = -1;

        CircuitBreaker(int threshold, long cooldownMs) {
            this.threshold = threshold;
            this.cooldownMs = cooldownMs;
        }

        /** Null when actions may go ahead, else why not. */
        String refusal(long now) {
            if (openedAt < 0) {
                return null;
            }
            if (now - openedAt >= cooldownMs) {
                return null; // half-open: one try
            }
            return "circuit breaker open after " + failuresInARow + " failed actions in a row; it retries at "
                    + java.time.Instant.ofEpochMilli(openedAt + cooldownMs);
        }

        void success() {
            failuresInARow = 0;
            openedAt = -1;
        }

        void failure(long now) {
            failuresInARow++;
            if (failuresInARow >= threshold) {
                openedAt = now;
            }
        }

        boolean open(long now) {
            return refusal(now) != null;
        }

        /** {@link #CLOSED}, {@link #OPEN}, or {@link #HALF_OPEN} (the cooldown is over: the next action is a try). */
        int state(long now) {
            long opened = openedAt;
            if (opened < 0) {
                return CLOSED;
            }
            return now - opened >= cooldownMs ? HALF_OPEN : OPEN;
        }

        static final int CLOSED = 0;
        static final int OPEN = 1;
        static final int HALF_OPEN = 2;
    }
}
