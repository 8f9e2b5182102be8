package io.driftwatch.app.topology;

import io.driftwatch.app.config.DriftwatchConfig;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The pipeline's time bounds, from {@code driftwatch.*} keys (milliseconds).
 *
 * @param metadataGrace      how long (event time) an event waits for its container's metadata
 * @param metadataWallClock  how long (wall clock) an event waits on an idle partition before it is flushed anyway
 * @param startSkew          metadata that starts at most this much after an event still counts for it (clocks differ)
 * @param metadataHistory    how much metadata history (event time) the versioned store keeps
 * @param sessionIdle        an exec session whose end never comes is closed this long after it started
 * @param lineageRetention   how long a process's workload/session verdict is remembered after it was last seen
 * @param ruleIdleAdvance    after this much wall-clock time without events, the rule clock moves on by the same amount
 * @param ruleMaturities     the rule maturity tiers that fire: stable by default; incubating and sandbox are opt-in
 * @param ruleRepeatWindow   repeats of an alert (same rule, container and path) within this much event time are
 *                           collapsed into one alert with a count; zero turns collapsing off
 * @param ruleReorder        events are evaluated in event-time order within this bound (they wait for it); zero
 *                           evaluates each event as it comes
 * @param ruleStateRetention how far back (event time) the events that changed rule state are kept to rebuild the
 *                           rule session after a task move or crash: at least the longest life of remembered state
 * @param fieldCaps          the caps on text, lists and ids of every input record
 * @param clockAhead         an event stamped more than this ahead of the app's clock gets the time of receipt (its own
 *                           time kept in originalTimestamp) and raises a clock-skew alert; null turns it off
 * @param clockBehind        an event stamped more than this behind its partition's stream time raises a clock-skew
 *                           alert (it is processed at its own time); null turns it off
 * @param clockAlertInterval at most one clock-skew alert per node in this much wall-clock time (per stream task)
 * @param images             the in-memory cache of image baseline indexes (image drift)
 */
public record PipelineSettings(Duration metadataGrace, Duration metadataWallClock, Duration startSkew,
                               Duration metadataHistory, Duration sessionIdle, Duration lineageRetention,
                               Duration ruleIdleAdvance, Set<String> ruleMaturities, Duration ruleRepeatWindow,
                               Duration ruleReorder, Duration ruleStateRetention, FieldCaps fieldCaps,
                               Duration clockAhead, Duration clockBehind, Duration clockAlertInterval,
                               ImageSettings images) {
    public static final String METADATA_GRACE_MS = "driftwatch.metadata.grace.ms";
    public static final String METADATA_WALL_CLOCK_MS = "driftwatch.metadata.wall.clock.ms";
    public static final String METADATA_START_SKEW_MS = "driftwatch.metadata.start.skew.ms";
    public static final String METADATA_HISTORY_MS = "driftwatch.metadata.history.ms";
    public static final String SESSION_IDLE_MS = "driftwatch.exec.session.idle.ms";
    public static final String LINEAGE_RETENTION_MS = "driftwatch.process.lineage.retention.ms";
    public static final String RULE_IDLE_ADVANCE_MS = "driftwatch.rules.idle.advance.ms";
    public static final String RULE_MATURITY = "driftwatch.rules.maturity";
    public static final String RULE_REPEAT_WINDOW_MS = "driftwatch.rules.repeat.window.ms";
    public static final String RULE_REORDER_MS = "driftwatch.rules.reorder.ms";
    public static final String RULE_STATE_RETENTION_MS = "driftwatch.rules.state.retention.ms";
    public static final String CLOCK_SKEW_AHEAD_MS = "driftwatch.clock.skew.ahead.ms";
    public static final String CLOCK_SKEW_BEHIND_MS = "driftwatch.clock.skew.behind.ms";
    public static final String CLOCK_SKEW_ALERT_INTERVAL_MS = "driftwatch.clock.skew.alert.interval.ms";
    private static final List<String> MATURITIES = List.of("stable", "incubating", "sandbox");

    public static PipelineSettings defaults() {
        return from(DriftwatchConfig.of(java.util.Map.of()));
    }

    public static PipelineSettings from(DriftwatchConfig config) {
        return new PipelineSettings(
                millis(config, METADATA_GRACE_MS, 5_000),
                millis(config, METADATA_WALL_CLOCK_MS, 10_000),
                millis(config, METADATA_START_SKEW_MS, 2_000),
                millis(config, METADATA_HISTORY_MS, Duration.ofDays(1).toMillis()),
                millis(config, SESSION_IDLE_MS, Duration.ofHours(1).toMillis()),
                millis(config, LINEAGE_RETENTION_MS, Duration.ofHours(6).toMillis()),
                millis(config, RULE_IDLE_ADVANCE_MS, 5_000),
                maturities(config.get(RULE_MATURITY, "stable")),
                millis(config, RULE_REPEAT_WINDOW_MS, 60_000),
                millis(config, RULE_REORDER_MS, 1_000),
                millis(config, RULE_STATE_RETENTION_MS, Duration.ofMinutes(11).toMillis()),
                FieldCaps.from(config),
                millisOrOff(config, CLOCK_SKEW_AHEAD_MS, Duration.ofMinutes(5).toMillis()),
                millisOrOff(config, CLOCK_SKEW_BEHIND_MS, Duration.ofHours(1).toMillis()),
                millis(config, CLOCK_SKEW_ALERT_INTERVAL_MS, Duration.ofHours(1).toMillis()),
                ImageSettings.from(config));
    }

    /** A comma-separated list of tiers; "all" means every tier. */
    static Set<String> maturities(String value) {
        Set<String> tiers = new LinkedHashSet<>();
        for (String tier : value.split(",")) {
            String trimmed = tier.trim().toLowerCase(java.util.Locale.ROOT);
            if (trimmed.equals("all")) {
                tiers.addAll(MATURITIES);
            } else if (MATURITIES.contains(trimmed)) {
                tiers.add(trimmed);
            } else if (!trimmed.isEmpty()) {
                throw new IllegalArgumentException("Configuration '" + RULE_MATURITY + "' names an unknown maturity '"
                        + tier.trim() + "'; choose from " + MATURITIES + " or all");
            }
        }
        if (tiers.isEmpty()) {
            throw new IllegalArgumentException("Configuration '" + RULE_MATURITY + "' chooses no maturity tier");
        }
        return Set.copyOf(tiers);
    }

    /** As {@link #millis}, and {@code off} gives null. */
    private static Duration millisOrOff(DriftwatchConfig config, String key, long fallback) {
        String value = config.get(key);
        return value != null && value.trim().equalsIgnoreCase("off") ? null : millis(config, key, fallback);
    }

    private static Duration millis(DriftwatchConfig config, String key, long fallback) {
        String value = config.get(key);
        if (value == null || value.isBlank()) {
            return Duration.ofMillis(fallback);
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed < 0) {
                throw new NumberFormatException("negative");
            }
            return Duration.ofMillis(parsed);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration '" + key + "' must be a non-negative number of "
                    + "milliseconds, was '" + value + "'", e);
        }
    }
}
