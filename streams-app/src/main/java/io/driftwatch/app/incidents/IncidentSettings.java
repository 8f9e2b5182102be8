package io.driftwatch.app.incidents;

import io.driftwatch.app.config.DriftwatchConfig;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * How alerts are folded into incidents, from {@code driftwatch.incidents.*} keys.
 *
 * @param window        an alert joins its group's latest incident when that incident is not closed and the alert's
 *                      event time lies within this much of the incident (after its lastSeen, or before its firstSeen);
 *                      otherwise it starts a new incident
 * @param maxAlertIds   at most this many alert ids are kept on an incident (alertCount counts them all); the same
 *                      bound applies to its other lists (rule ids, techniques, users, sessions, containers, captures,
 *                      evidence)
 * @param maxResponses  at most this many response commands are kept on an incident
 * @param responseWait  how long (the record time of the inputs) a command waits for its result, a result for its
 *                      command, and a command or capture for its alert, before it is forgotten
 * @param autoContain   a PAUSE_CONTAINER, ISOLATE_NETWORK or KILL_CONTAINER result with status DONE moves an OPEN or
 *                      ACKNOWLEDGED incident to CONTAINED (user {@code driftwatch})
 */
public record IncidentSettings(Duration window, int maxAlertIds, int maxResponses, Duration responseWait,
                               boolean autoContain) {
    public static final String WINDOW_MS = "driftwatch.incidents.window.ms";
    public static final String MAX_ALERT_IDS = "driftwatch.incidents.max.alert.ids";
    public static final String MAX_RESPONSES = "driftwatch.incidents.max.responses";
    public static final String RESPONSE_WAIT_MS = "driftwatch.incidents.response.wait.ms";
    public static final String AUTO_CONTAIN = "driftwatch.incidents.auto.contain";

    public IncidentSettings {
        positive(WINDOW_MS, window);
        positive(RESPONSE_WAIT_MS, responseWait);
        if (maxAlertIds < 1) {
            throw new IllegalArgumentException("Configuration '" + MAX_ALERT_IDS + "' must be at least 1, was "
                    + maxAlertIds);
        }
        if (maxResponses < 1) {
            throw new IllegalArgumentException("Configuration '" + MAX_RESPONSES + "' must be at least 1, was "
                    + maxResponses);
        }
    }

    public static IncidentSettings defaults() {
        return from(DriftwatchConfig.of(Map.of()));
    }

    public static IncidentSettings from(DriftwatchConfig config) {
        return new IncidentSettings(
                Duration.ofMillis(number(config, WINDOW_MS, Duration.ofMinutes(30).toMillis(), 1, Long.MAX_VALUE,
                        "a positive number of milliseconds")),
                (int) number(config, MAX_ALERT_IDS, 500, 1, 100_000, "a whole number from 1 to 100000"),
                (int) number(config, MAX_RESPONSES, 200, 1, 10_000, "a whole number from 1 to 10000"),
                Duration.ofMillis(number(config, RESPONSE_WAIT_MS, Duration.ofDays(1).toMillis(), 1, Long.MAX_VALUE,
                        "a positive number of milliseconds")),
                bool(config, AUTO_CONTAIN, true));
    }

    private static void positive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("Configuration '" + key + "' must be a positive number of milliseconds, was "
                    + (value == null ? "nothing" : value.toMillis()));
        }
    }

    private static long number(DriftwatchConfig config, String key, long fallback, long min, long max, String what) {
        String value = config.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed < min || parsed > max) {
                throw new NumberFormatException("out of range");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration '" + key + "' must be " + what + ", was '" + value + "'", e);
        }
    }

    private static boolean bool(DriftwatchConfig config, String key, boolean fallback) {
        String value = config.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("Configuration '" + key + "' must be true or false, was '"
                    + value + "'");
        };
    }
}
