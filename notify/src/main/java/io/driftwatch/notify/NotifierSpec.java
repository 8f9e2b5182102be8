package io.driftwatch.notify;

import java.net.URI;
import java.time.Duration;

/**
 * One notifier as configured: where it sends, which alerts, how it retries, and the request format.
 * Secrets are already resolved (from the environment or files), so {@link #toString()} leaves the URL out.
 */
public record NotifierSpec(String name, String type, URI url, AlertFilter filter, Duration timeout, int retries,
                           long backoffMs, long maxBackoffMs, int queueSize, int dedupSize, PayloadFormat format) {
    public static final int DEFAULT_RETRIES = 5;
    public static final long DEFAULT_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_BACKOFF_MS = 1_000;
    public static final long DEFAULT_MAX_BACKOFF_MS = 60_000;
    public static final int DEFAULT_QUEUE_SIZE = 1_000;
    public static final int DEFAULT_DEDUP_SIZE = 10_000;

    /** Without the URL, which for a Slack webhook is itself the secret. */
    @Override
    public String toString() {
        return name + " (" + type + " to " + url.getHost() + ", " + filter.minSeverity() + " and above"
                + (filter.namespaces().isEmpty() ? "" : ", namespaces " + filter.namespaces())
                + (filter.rules().isEmpty() ? "" : ", rules " + filter.rules())
                + ", " + retries + " retries, timeout " + timeout.toMillis() + " ms)";
    }
}
