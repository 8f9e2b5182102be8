package io.driftwatch.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where Kafka and the registry are, as flags: shared by {@link ConfigOptions} and by commands whose
 * {@code --config} means something else (notify's notifiers file).
 */
final class ConnectionOptions {
    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers (bootstrap.servers).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Schema registry URL(s), Confluent API (schema.registry.url).")
    String schemaRegistryUrl;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", description = "Prefix of every topic name (driftwatch.topic.prefix, default driftwatch.).")
    String topicPrefix;

    /** The properties file (may be null), then the environment, then these flags. */
    DriftwatchConfig load(Path propertiesFile) throws IOException {
        Map<String, String> flags = new HashMap<>();
        flags.put(DriftwatchConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        flags.put(DriftwatchConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        flags.put(DriftwatchConfig.TOPIC_PREFIX, topicPrefix);
        return DriftwatchConfig.load(propertiesFile, System.getenv(), flags);
    }
}
