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
 * What every process on a node needs: where Kafka and the schema registry are, the node's name, the topic
 * prefix, and where the container runtimes keep their state. Flags, else KAFKA_* / NODE_NAME environment
 * variables, else defaults. Shared by {@code agent} and {@code respond}.
 */
final class NodeOptions {
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

    String bootstrapServers() {
        String value = bootstrapServers != null ? bootstrapServers : System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("no Kafka: give --bootstrap-server or set KAFKA_BOOTSTRAP_SERVERS");
        }
        return value;
    }

    String registryUrl() {
        String value = registryUrl != null ? registryUrl : System.getenv("KAFKA_SCHEMA_REGISTRY_URL");
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("no schema registry: give --schema-registry-url or set KAFKA_SCHEMA_REGISTRY_URL");
        }
        return value;
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
