package io.driftwatch.agent.cli;

import io.driftwatch.agent.runtime.RuntimeWatcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * What every process on a node needs: where Kafka and the schema registry are and how to authenticate to them, the
 * node's name, the topic prefix, and where the container runtimes keep their state. Flags, else KAFKA_* / DRIFTWATCH_*
 * / NODE_NAME environment variables, else the {@code --config} properties file, else defaults. Shared by
 * {@code agent} and {@code respond}.
 */
final class NodeOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file with Kafka client and schema registry keys, the same file the streams app takes"
                    + " (security.protocol, sasl.*, ssl.*, schema.registry.ssl.*, basic.auth.*; see src/security.md)."
                    + " KAFKA_<KEY> and DRIFTWATCH_<KEY> environment variables override it, flags override both.")
    Path configFile;

    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            description = "Schema registry, Confluent API (default: $KAFKA_SCHEMA_REGISTRY_URL).")
    String registryUrl;

    @Option(names = "--node", paramLabel = "NAME", description = "This node's name on every record (default: $NODE_NAME, else the host name).")
    String node;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = "driftwatch.",
            description = "Prefix of the topic names (default: ${DEFAULT-VALUE}): <prefix>file-events,"
                    + " <prefix>container-metadata, <prefix>response-commands, <prefix>response-results...")
    String topicPrefix;

    @Option(names = "--runc-root", paramLabel = "DIR",
            description = "A runc state directory to watch (repeatable; default: /run/runc and containerd's /run/containerd/runc/<namespace>).")
    List<Path> runcRoots;

    @Option(names = "--containerd-root", paramLabel = "DIR",
            description = "A containerd v2 task directory to watch (repeatable; default: /run/containerd/io.containerd.runtime.v2.task).")
    List<Path> containerdRoots;

    String node() {
        if (node != null) {
            return node;
        }
        String env = System.getenv("NODE_NAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private ClientSettings settings;

    /** The --config file and the environment, read once. */
    ClientSettings settings() {
        if (settings == null) {
            try {
                settings = ClientSettings.load(configFile, System.getenv());
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read --config " + configFile + ": " + e.getMessage(), e);
            }
        }
        return settings;
    }

    String bootstrapServers() {
        String value = bootstrapServers != null ? bootstrapServers : settings().get(ClientSettings.BOOTSTRAP_SERVERS);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("no Kafka: give --bootstrap-server, set KAFKA_BOOTSTRAP_SERVERS or"
                    + " bootstrap.servers in --config");
        }
        return value;
    }

    String registryUrl() {
        String value = registryUrl != null ? registryUrl : settings().get(ClientSettings.SCHEMA_REGISTRY_URL);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("no schema registry: give --schema-registry-url, set"
                    + " KAFKA_SCHEMA_REGISTRY_URL or schema.registry.url in --config");
        }
        return value;
    }

    /** Every Kafka client and registry key of the file and environment (security above all) but the two addresses. */
    java.util.Map<String, Object> clientOverrides() {
        return settings().clientOverrides();
    }

    String topicPrefix() {
        return topicPrefix;
    }

    /** The runc roots the watcher reads and the responder acts through. */
    List<Path> runcRoots() {
        return watcher().runcRoots();
    }

    RuntimeWatcher.Config watcher() {
        RuntimeWatcher.Config c = RuntimeWatcher.Config.defaults();
        if (runcRoots != null) {
            c = c.withRuncRoots(runcRoots);
        }
        if (containerdRoots != null) {
            c = c.withContainerdTaskRoots(containerdRoots);
        }
        return c.withPollInterval(Duration.ofMillis(500));
    }
}
