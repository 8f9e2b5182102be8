package io.driftwatch.app.rules;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Where rule sets come from and how they are followed, from {@code driftwatch.rules.*} keys.
 *
 * @param dir           the user's rules directory (watched for changes), or null for the built-in pack only
 * @param watchInterval how often the directory is compared with what was last read
 * @param topicEnabled  whether to follow the compacted rules topic, and publish directory changes to it
 * @param topic         the rules topic's name under this configuration
 * @param name          the rule-set name: the key of this deployment's bundles in the rules topic
 */
public record RulesSettings(Path dir, Duration watchInterval, boolean topicEnabled, String topic, String name) {
    public static final String DIR = "driftwatch.rules.dir";
    public static final String WATCH_INTERVAL_MS = "driftwatch.rules.watch.interval.ms";
    public static final String TOPIC_ENABLED = "driftwatch.rules.topic.enabled";
    public static final String NAME = "driftwatch.rules.name";
    public static final String DEFAULT_NAME = "default";
    public static final long DEFAULT_WATCH_INTERVAL_MS = 2_000;

    public RulesSettings {
        if (watchInterval.isNegative() || watchInterval.isZero()) {
            throw new IllegalArgumentException("Configuration '" + WATCH_INTERVAL_MS + "' must be a positive number of milliseconds");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("Configuration '" + NAME + "' must not be empty");
        }
    }

    public static RulesSettings from(DriftwatchConfig config) {
        String dir = config.get(DIR);
        return new RulesSettings(
                dir == null || dir.isBlank() ? null : Path.of(dir.trim()),
                Duration.ofMillis(positiveLong(config, WATCH_INTERVAL_MS, DEFAULT_WATCH_INTERVAL_MS)),
                bool(config, TOPIC_ENABLED, true),
                TopicCatalog.builtIn().name("rules", config),
                config.get(NAME, DEFAULT_NAME).trim());
    }

    private static long positiveLong(DriftwatchConfig config, String key, long fallback) {
        String value = config.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed <= 0) {
                throw new NumberFormatException("not positive");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration '" + key + "' must be a positive number of milliseconds, was '"
                    + value + "'", e);
        }
    }

    private static boolean bool(DriftwatchConfig config, String key, boolean fallback) {
        String value = config.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("Configuration '" + key + "' must be true or false, was '" + value + "'");
        };
    }
}
