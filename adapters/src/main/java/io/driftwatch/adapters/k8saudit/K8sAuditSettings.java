package io.driftwatch.adapters.k8saudit;

import java.time.Duration;

/**
 * The adapter's bounds, from {@code driftwatch.*} keys.
 *
 * @param startHold how long (log time, or wall clock while a followed log is quiet) a {@code RequestReceived}
 *                  stage waits for its request's next stage before it opens a session by itself
 *                  ({@code driftwatch.k8saudit.start.hold.ms}, default 1000; 0 opens at once)
 * @param idle      an open session without an end is forgotten this long after it started; the same key as the
 *                  pipeline's bound ({@code driftwatch.exec.session.idle.ms}, default 1 h)
 */
public record K8sAuditSettings(Duration startHold, Duration idle) {
    public static final String START_HOLD_MS = "driftwatch.k8saudit.start.hold.ms";
    /** The pipeline's key for the same bound (PipelineSettings.SESSION_IDLE_MS). */
    public static final String SESSION_IDLE_MS = "driftwatch.exec.session.idle.ms";

    public static K8sAuditSettings defaults() {
        return from(key -> null);
    }

    /** From the configuration's {@code driftwatch.*} keys ({@code config::get}). */
    public static K8sAuditSettings from(java.util.function.Function<String, String> config) {
        String hold = config.apply(START_HOLD_MS);
        long holdMs = K8sAuditSessions.DEFAULT_START_HOLD.toMillis();
        if (hold != null && !hold.isBlank()) {
            try {
                holdMs = Long.parseLong(hold.trim());
            } catch (NumberFormatException e) {
                holdMs = -1;
            }
            if (holdMs < 0) {
                throw new IllegalArgumentException("Configuration '" + START_HOLD_MS
                        + "' must be a number of milliseconds (0 or more), not '" + hold + "'");
            }
        }
        String idle = config.apply(SESSION_IDLE_MS);
        long idleMs = Duration.ofHours(1).toMillis();
        if (idle != null && !idle.isBlank()) {
            try {
                idleMs = Long.parseLong(idle.trim());
            } catch (NumberFormatException e) {
                idleMs = -1;
            }
            if (idleMs < 0) {
                throw new IllegalArgumentException("Configuration '" + SESSION_IDLE_MS
                        + "' must be a non-negative number of milliseconds, was '" + idle + "'");
            }
        }
        return new K8sAuditSettings(Duration.ofMillis(holdMs), Duration.ofMillis(idleMs));
    }

    public ExecSessionExtractor extractor() {
        return new ExecSessionExtractor(startHold, idle);
    }
}
