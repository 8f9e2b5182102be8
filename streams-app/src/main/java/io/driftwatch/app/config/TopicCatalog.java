package io.driftwatch.app.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Driftwatch's topics, read from {@code deploy/topics.tsv} (packaged with the app), the same
 * list that {@code deploy/create-topics.sh} uses. A topic's name is the configured prefix plus
 * its base name, unless {@code driftwatch.topic.<role>} names it outright.
 */
public final class TopicCatalog {
    /**
     * Roles whose topics are joined by container key and so must have equal partition counts
     * (exec-sessions-by-container and file-events-by-container are where sessions and events not keyed by
     * their container are re-keyed).
     */
    public static final List<String> CO_PARTITIONED = List.of("file-events", "container-metadata", "exec-sessions",
            "exec-sessions-by-container", "file-events-by-container");

    /** One topic: its role, base name, partition count, value record and topic configs. */
    public record TopicSpec(String role, String baseName, int partitions, String valueRecord, Map<String, String> configs) {
        public boolean compacted() {
            return "compact".equals(configs.get("cleanup.policy"));
        }
    }

    private final Map<String, TopicSpec> byRole;

    private TopicCatalog(Map<String, TopicSpec> byRole) {
        this.byRole = byRole;
    }

    /** The catalogue packaged with the app. */
    public static TopicCatalog builtIn() {
        try (InputStream in = TopicCatalog.class.getResourceAsStream("/io/driftwatch/app/topics.tsv")) {
            if (in == null) {
                throw new IllegalStateException("topics.tsv is missing from the classpath: rebuild streams-app");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TopicCatalog parse(List<String> lines) {
        Map<String, TopicSpec> byRole = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] columns = line.split("\t");
            if (columns.length != 5) {
                throw new IllegalArgumentException("topics.tsv line " + (i + 1) + ": expected 5 tab-separated columns "
                        + "(role, name, partitions, value record, configs), found " + columns.length);
            }
            Map<String, String> configs = new LinkedHashMap<>();
            for (String pair : columns[4].split(",")) {
                String[] kv = pair.split("=", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException("topics.tsv line " + (i + 1) + ": config '" + pair + "' is not key=value");
                }
                configs.put(kv[0].trim(), kv[1].trim());
            }
            byRole.put(columns[0], new TopicSpec(columns[0], columns[1], Integer.parseInt(columns[2]), columns[3], configs));
        }
        return new TopicCatalog(byRole);
    }

    public List<TopicSpec> all() {
        return new ArrayList<>(byRole.values());
    }

    /** The spec of a role; an unknown role fails with the list of known ones. */
    public TopicSpec spec(String role) {
        TopicSpec spec = byRole.get(role);
        if (spec == null) {
            throw new IllegalArgumentException("Unknown topic role '" + role + "'; known roles: " + byRole.keySet());
        }
        return spec;
    }

    /** The topic name of a role under this configuration. */
    public String name(String role, DriftwatchConfig config) {
        TopicSpec spec = spec(role);
        String explicit = config.get(DriftwatchConfig.TOPIC_NAME_PREFIX + role);
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        return config.get(DriftwatchConfig.TOPIC_PREFIX, "driftwatch.") + spec.baseName();
    }
}
