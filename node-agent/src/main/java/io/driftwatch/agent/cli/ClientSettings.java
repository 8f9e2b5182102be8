package io.driftwatch.agent.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The node's connection settings, read the way the streams app reads its own (src/configuration.md): a properties
 * file, then {@code KAFKA_<KEY>} variables for Kafka and registry keys and {@code DRIFTWATCH_<KEY>} for
 * {@code driftwatch.*} keys, where in {@code <KEY>} "_" stands for ".", "__" for "_" and "___" for "-". Every key that
 * is not Driftwatch's own goes to every Kafka client the node makes and to the schema registry client, so the
 * security settings ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}, {@code schema.registry.ssl.*},
 * {@code basic.auth.*}) reach the publisher and the responder alike.
 */
final class ClientSettings {
    static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

    private final Map<String, String> values;

    private ClientSettings(Map<String, String> values) {
        this.values = values;
    }

    static ClientSettings load(Path file, Map<String, String> environment) throws IOException {
        Map<String, String> values = new TreeMap<>();
        if (file != null) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                props.load(reader);
            }
            props.stringPropertyNames().forEach(key -> values.put(key.trim(), props.getProperty(key).trim()));
        }
        environment.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && name.length() > 6) {
                values.put(envToKey(name.substring(6)), value);
            } else if (name.startsWith("DRIFTWATCH_") && name.length() > 11) {
                values.put("driftwatch." + envToKey(name.substring(11)), value);
            }
        });
        return new ClientSettings(values);
    }

    static String envToKey(String name) {
        return name.toLowerCase(Locale.ROOT)
                .replace("___", "\u0000")
                .replace("__", "\u0001")
                .replace('_', '.')
                .replace('\u0001', '_')
                .replace('\u0000', '-');
    }

    String get(String key) {
        return values.get(key);
    }

    /** A {@code true}/{@code false} Driftwatch key; anything else is an error naming it. */
    boolean flag(String key) {
        String value = values.getOrDefault(key, "false").trim();
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("'" + key + "' must be true or false, was '" + value + "'");
        }
        return value.equals("true");
    }

    /** The Kafka client and registry keys, without the two addresses (which the flags may override). */
    Map<String, Object> clientOverrides() {
        Map<String, Object> client = new HashMap<>();
        values.forEach((key, value) -> {
            if (!key.startsWith("driftwatch.") && !key.equals(BOOTSTRAP_SERVERS) && !key.equals(SCHEMA_REGISTRY_URL)) {
                client.put(key, value);
            }
        });
        return client;
    }
}
