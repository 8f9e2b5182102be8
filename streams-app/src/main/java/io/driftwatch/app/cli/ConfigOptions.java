package io.driftwatch.app.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every command that talks to Kafka or the registry shares. */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file (Kafka, registry and driftwatch.* keys).")
    Path configFile;

    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers (bootstrap.servers).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Schema registry URL(s), Confluent API (schema.registry.url).")
    String schemaRegistryUrl;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", description = "Prefix of every topic name (driftwatch.topic.prefix, default driftwatch.).")
    String topicPrefix;

    DriftwatchConfig load() throws IOException {
        Map<String, String> flags = new HashMap<>();
        flags.put(DriftwatchConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        flags.put(DriftwatchConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        flags.put(DriftwatchConfig.TOPIC_PREFIX, topicPrefix);
        return DriftwatchConfig.load(configFile, System.getenv(), flags);
    }
}
