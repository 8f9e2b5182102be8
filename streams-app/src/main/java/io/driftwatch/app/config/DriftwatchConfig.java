package io.driftwatch.app.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Driftwatch's configuration: one flat set of properties, taken (later wins) from defaults, a
 * properties file, the environment and command-line flags. Kafka client, Kafka Streams and
 * schema registry keys are passed through as they are; Driftwatch's own keys start with
 * {@code driftwatch.}.
 *
 * <p>Environment variables: {@code KAFKA_X} sets Kafka or registry key {@code x} and
 * {@code DRIFTWATCH_X} sets {@code driftwatch.x}, where in X a single {@code _} stands for
 * {@code .}, a double {@code __} for {@code _} and a triple {@code ___} for {@code -} (the
 * convention of Confluent's images). Examples: {@code KAFKA_BOOTSTRAP_SERVERS},
 * {@code KAFKA_SCHEMA_REGISTRY_URL}, {@code DRIFTWATCH_TOPIC_PREFIX},
 * {@code DRIFTWATCH_TOPIC_FILE___EVENTS}.
 */
public final class DriftwatchConfig {
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String TOPIC_PREFIX = "driftwatch.topic.prefix";
    /** {@code driftwatch.topic.<role>} overrides one topic's whole name. */
    public static final String TOPIC_NAME_PREFIX = "driftwatch.topic.";

    private static final Map<String, String> DEFAULTS = Map.of(
            TOPIC_PREFIX, "driftwatch.");

    private final Map<String, String> values;

    private DriftwatchConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** Defaults, then the file (if any), then the environment, then explicit overrides (flags). */
    public static DriftwatchConfig load(Path file, Map<String, String> environment, Map<String, String> overrides)
            throws IOException {
        Map<String, String> values = new TreeMap<>(DEFAULTS);
        if (file != null) {
            values.putAll(readFile(file));
        }
        values.putAll(fromEnvironment(environment));
        overrides.forEach((key, value) -> {
            if (value != null) {
                values.put(key, value);
            }
        });
        return new DriftwatchConfig(values);
    }

    public static DriftwatchConfig of(Map<String, String> values) {
        Map<String, String> all = new TreeMap<>(DEFAULTS);
        all.putAll(values);
        return new DriftwatchConfig(all);
    }

    private static Map<String, String> readFile(Path file) throws IOException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "configuration file not found");
        }
        Map<String, String> values = new TreeMap<>();
        props.stringPropertyNames().forEach(key -> values.put(key.trim(), props.getProperty(key).trim()));
        return values;
    }

    /** Maps {@code KAFKA_*} and {@code DRIFTWATCH_*} variables onto property keys. */
    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> values = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && name.length() > 6) {
                values.put(envToKey(name.substring(6)), value);
            } else if (name.startsWith("DRIFTWATCH_") && name.length() > 11) {
                values.put("driftwatch." + envToKey(name.substring(11)), value);
            }
        });
        return values;
    }

    static String envToKey(String name) {
        return name.toLowerCase(Locale.ROOT)
                .replace("___", "\u0000")
                .replace("__", "\u0001")
                .replace('_', '.')
                .replace('\u0001', '_')
                .replace('\u0000', '-');
    }

    public String get(String key) {
        return values.get(key);
    }

    public String get(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    /** A value that must be present, or an error naming the key and how to set it. */
    public String require(String key) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Missing configuration '" + key + "': set it in the --config file, "
                    + "as environment variable " + envName(key) + ", or with its command-line flag");
        }
        return value;
    }

    public static String envName(String key) {
        boolean own = key.startsWith("driftwatch.");
        String rest = own ? key.substring("driftwatch.".length()) : key;
        String mapped = rest.replace("_", "__").replace("-", "___").replace('.', '_').toUpperCase(Locale.ROOT);
        return (own ? "DRIFTWATCH_" : "KAFKA_") + mapped;
    }

    /** Every key that is not Driftwatch's own: what Kafka clients and the serdes receive. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> client = new TreeMap<>();
        values.forEach((key, value) -> {
            if (!key.startsWith("driftwatch.")) {
                client.put(key, value);
            }
        });
        return client;
    }

    /** What an admin client needs: the bootstrap servers and the security keys, without the keys it does not know. */
    public Map<String, Object> adminProperties() {
        Map<String, Object> admin = new TreeMap<>();
        clientProperties().forEach((key, value) -> {
            if (org.apache.kafka.clients.admin.AdminClientConfig.configNames().contains(key)) {
                admin.put(key, value);
            }
        });
        admin.put(BOOTSTRAP_SERVERS, require(BOOTSTRAP_SERVERS));
        return admin;
    }

    /** A copy with some keys replaced. */
    public DriftwatchConfig withOverrides(Map<String, String> overrides) {
        Map<String, String> all = new TreeMap<>(values);
        all.putAll(overrides);
        return new DriftwatchConfig(all);
    }

    public Map<String, String> asMap() {
        return values;
    }
}
