package io.driftwatch.notify;

import java.net.URI;
import java.time.Duration;
import java.util.function.Function;

/**
 * One notifier as configured: where it sends, which alerts, how it retries, and its transport. Secrets are already
 * resolved (from the environment or files), so {@link #toString()} leaves the URL out.
 *
 * @param url       the endpoint of the HTTP types (slack, pagerduty, webhook, teams, jira); null for email and sns
 * @param format    the request format of slack, pagerduty, webhook and teams; null for the others
 * @param alerts    whether it takes alerts from the alerts topic (plan notifications it takes whenever one names it)
 * @param transport makes the transport when the notifier starts
 * @param target    where it sends, for the status line and logs, without secrets (a host, a topic ARN)
 */
public record NotifierSpec(String name, String type, URI url, AlertFilter filter, Duration timeout, int retries,
                           long backoffMs, long maxBackoffMs, int queueSize, int dedupSize, PayloadFormat format,
                           boolean alerts, Function<NotifierSpec, Transport> transport, String target) {
    public static final int DEFAULT_RETRIES = 5;
    public static final long DEFAULT_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_BACKOFF_MS = 1_000;
    public static final long DEFAULT_MAX_BACKOFF_MS = 60_000;
    public static final int DEFAULT_QUEUE_SIZE = 1_000;
    public static final int DEFAULT_DEDUP_SIZE = 10_000;

    /** An HTTP notifier with a request format (slack, pagerduty, webhook, teams) that takes alerts. */
    public NotifierSpec(String name, String type, URI url, AlertFilter filter, Duration timeout, int retries,
                        long backoffMs, long maxBackoffMs, int queueSize, int dedupSize, PayloadFormat format) {
        this(name, type, url, filter, timeout, retries, backoffMs, maxBackoffMs, queueSize, dedupSize, format, true,
                s -> new HttpTransport(s.url(), s.timeout(), s.format()), url.getHost());
    }

    NotifierSpec withAlerts(boolean takesAlerts) {
        return new NotifierSpec(name, type, url, filter, timeout, retries, backoffMs, maxBackoffMs, queueSize, dedupSize,
                format, takesAlerts, transport, target);
    }

    /** Without the URL, which for a Slack webhook is itself the secret. */
    @Override
    public String toString() {
        String which = !alerts ? "plan notifications only"
                : filter.minSeverity() + " and above"
                + (filter.namespaces().isEmpty() ? "" : ", namespaces " + filter.namespaces())
                + (filter.rules().isEmpty() ? "" : ", rules " + filter.rules());
        return name + " (" + type + " to " + target + ", " + which + ", " + retries + " retries, timeout "
                + timeout.toMillis() + " ms)";
    }
}
