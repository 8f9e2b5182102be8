package io.driftwatch.app.plan;

import io.driftwatch.app.config.DriftwatchConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The response plan the app applies (src/response-plan.md "How the app applies the plan"), from
 * {@code driftwatch.plan.*} keys.
 *
 * @param file          the plan file (YAML); null: no plan, incidents get none ({@code Incident.plan} null)
 * @param watchInterval how often the file is compared with what was last read; a change that loads runs from then on,
 *                      one that does not is refused (logged as file:line, counted) and the last good plan keeps running
 * @param tick          how often (wall clock) the timers (escalation tiers, reminders, deadlines) are checked
 * @param maxNotices    at most this many notices (what the plan sent, and each delivery) are kept on an incident, the
 *                      oldest dropped first
 */
public record PlanSettings(Path file, Duration watchInterval, Duration tick, int maxNotices) {
    public static final String FILE = "driftwatch.plan.file";
    public static final String WATCH_INTERVAL_MS = "driftwatch.plan.watch.interval.ms";
    public static final String TICK_MS = "driftwatch.plan.tick.ms";
    public static final String MAX_NOTICES = "driftwatch.plan.max.notices";

    public PlanSettings {
        if (watchInterval == null || watchInterval.isNegative() || watchInterval.isZero()) {
            throw new IllegalArgumentException("Configuration '" + WATCH_INTERVAL_MS + "' must be a positive number of "
                    + "milliseconds");
        }
        if (tick == null || tick.isNegative() || tick.isZero()) {
            throw new IllegalArgumentException("Configuration '" + TICK_MS + "' must be a positive number of milliseconds");
        }
        if (maxNotices < 1) {
            throw new IllegalArgumentException("Configuration '" + MAX_NOTICES + "' must be at least 1, was " + maxNotices);
        }
    }

    public static PlanSettings defaults() {
        return from(DriftwatchConfig.of(Map.of()));
    }

    public static PlanSettings from(DriftwatchConfig config) {
        String file = config.get(FILE);
        return new PlanSettings(file == null || file.isBlank() ? null : Path.of(file.trim()),
                Duration.ofMillis(number(config, WATCH_INTERVAL_MS, 5_000, 1, Long.MAX_VALUE,
                        "a positive number of milliseconds")),
                Duration.ofMillis(number(config, TICK_MS, 1_000, 10, 3_600_000,
                        "a number of milliseconds from 10 to 3600000")),
                (int) number(config, MAX_NOTICES, 200, 1, 10_000, "a whole number from 1 to 10000"));
    }

    public boolean enabled() {
        return file != null;
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
}
