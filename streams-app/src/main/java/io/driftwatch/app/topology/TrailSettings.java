package io.driftwatch.app.topology;

import io.driftwatch.app.config.DriftwatchConfig;
import java.time.Duration;
import java.util.Locale;

/**
 * The queryable audit trail and captures (src/investigation.md).
 *
 * @param enabled          keep the trail, alerts and captures in stores the API queries ({@code driftwatch.trail.enabled})
 * @param retention        how long (event time) the trail is kept, whether or not its container still exists
 * @param indexed          keep the index the queries narrow by (off: every query scans the trail over its range)
 * @param indexBucket      the index's time granularity: which containers had a path, user, process... in which bucket
 * @param captureRetention how long a sealed capture is kept (the captures topic and store)
 * @param captureWallDelay a capture is sealed once stream time passes its end, or this long (wall clock) after its
 *                         end was due on a partition that went quiet
 */
public record TrailSettings(boolean enabled, Duration retention, boolean indexed, Duration indexBucket, Duration captureRetention,
                            Duration captureWallDelay) {
    public static final String ENABLED = "driftwatch.trail.enabled";
    public static final String RETENTION = "driftwatch.trail.retention";
    public static final String INDEX_BUCKET = "driftwatch.trail.index.bucket";
    public static final String INDEX_ENABLED = "driftwatch.trail.index.enabled";
    /** Coarse enough that a busy container writes few index entries, fine enough that a rare path reads little. */
    public static final Duration DEFAULT_BUCKET = Duration.ofMinutes(5);
    public static final String CAPTURE_RETENTION = "driftwatch.captures.retention";
    public static final String CAPTURE_WALL_DELAY = "driftwatch.captures.wall.delay";

    public TrailSettings {
        if (indexBucket.toMillis() < 1000) {
            throw new IllegalArgumentException("Configuration '" + INDEX_BUCKET + "' must be at least 1s");
        }
        if (retention.compareTo(indexBucket) < 0) {
            throw new IllegalArgumentException("Configuration '" + RETENTION + "' must be at least '" + INDEX_BUCKET + "'");
        }
    }

    /** No trail stores: what replay and the plain pipeline tests use. */
    public static TrailSettings disabled() {
        return new TrailSettings(false, Duration.ofDays(7), true, DEFAULT_BUCKET, Duration.ofDays(90),
                Duration.ofSeconds(10));
    }

    public static TrailSettings from(DriftwatchConfig config) {
        return new TrailSettings(bool(config, ENABLED),
                duration(config, RETENTION, Duration.ofDays(7)),
                bool(config, INDEX_ENABLED),
                duration(config, INDEX_BUCKET, DEFAULT_BUCKET),
                duration(config, CAPTURE_RETENTION, Duration.ofDays(90)),
                duration(config, CAPTURE_WALL_DELAY, Duration.ofSeconds(10)));
    }

    private static boolean bool(DriftwatchConfig config, String key) {
        String value = config.get(key, "true").trim().toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("Configuration '" + key + "' must be true or false, was '" + value + "'");
        }
        return value.equals("true");
    }

    /** A duration: {@code 7d}, {@code 12h}, {@code 5m}, {@code 30s}, {@code 250ms}, or plain milliseconds; {@code KEY.ms} also works. */
    static Duration duration(DriftwatchConfig config, String key, Duration fallback) {
        String value = config.get(key);
        String usedKey = key;
        if (value == null || value.isBlank()) {
            value = config.get(key + ".ms");
            usedKey = key + ".ms";
        }
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Configuration '" + usedKey + "' must be a duration such as 7d, 12h, 5m, "
                    + "30s, 250ms or milliseconds, was '" + value + "'");
        }
    }

    public static Duration parseDuration(String text) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        String number = v;
        if (v.endsWith("ms")) {
            number = v.substring(0, v.length() - 2);
        } else if (v.endsWith("s")) {
            unit = 1000;
            number = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            unit = 60_000;
            number = v.substring(0, v.length() - 1);
        } else if (v.endsWith("h")) {
            unit = 3_600_000;
            number = v.substring(0, v.length() - 1);
        } else if (v.endsWith("d")) {
            unit = 86_400_000;
            number = v.substring(0, v.length() - 1);
        }
        long n = Long.parseLong(number.trim());
        if (n < 0) {
            throw new IllegalArgumentException("negative");
        }
        return Duration.ofMillis(Math.multiplyExact(n, unit));
    }
}
