package io.driftwatch.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every command that talks to Kafka or the registry shares. */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file (Kafka, registry and driftwatch.* keys).")
    Path configFile;

    @Mixin
    ConnectionOptions connection;

    DriftwatchConfig load() throws IOException {
        return connection.load(configFile);
    }
}
