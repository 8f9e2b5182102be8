package io.driftwatch.agent.cli;

import io.driftwatch.agent.respond.CommandHandler;
import io.driftwatch.agent.respond.NodeResponder;
import io.driftwatch.agent.respond.Responder;
import io.driftwatch.agent.respond.k8s.KubernetesActions;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import io.driftwatch.schemas.sign.CommandSignatures;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The responder's switches and safety settings, for {@code agent --respond} and {@code respond}. See
 * src/responder.md.
 */
final class RespondOptions {
    /** The streams app's key, read here too so that one properties file sets both sides. */
    static final String PER_NODE = "driftwatch.response.commands.per.node";

    @Option(names = "--enforce", description = "Really act (pause, kill, snapshot, isolate, label). Without it every command"
            + " is only logged and reported as SKIPPED_DRY_RUN (or REFUSED, as the safety rules decide).")
    boolean enforce;

    @Option(names = "--signing-key-file", paramLabel = "FILE",
            description = "The key commands are signed with (repeatable: the first is current, others are still accepted during a rotation)."
                    + " Default: $DRIFTWATCH_RESPONSE_SIGNING_KEY_FILE. Without a key every command is refused.")
    List<Path> keyFiles;

    @Option(names = "--protected-namespace", paramLabel = "NS", defaultValue = "kube-system",
            split = ",", description = "Namespaces never paused, killed or isolated (default: ${DEFAULT-VALUE}).")
    List<String> protectedNamespaces;

    @Option(names = "--protected-container", paramLabel = "ID_OR_NAME", split = ",",
            description = "Containers (id or name) never paused, killed or isolated; so is any labelled driftwatch.io/protected=true.")
    List<String> protectedContainers;

    @Option(names = "--max-stops-per-minute", paramLabel = "N", defaultValue = "5",
            description = "Pauses and kills this node does per minute at most; past that: refused, and an alert (default: ${DEFAULT-VALUE}).")
    int perNode;

    @Option(names = "--max-stops-per-minute-global", paramLabel = "N", defaultValue = "20",
            description = "Pauses and kills all nodes together do per minute at most, as the results topic shows them (default: ${DEFAULT-VALUE}).")
    int global;

    @Option(names = "--breaker-failures", paramLabel = "N", defaultValue = "3",
            description = "Failed actions in a row that stop disruptive actions for --breaker-cooldown (default: ${DEFAULT-VALUE}).")
    int breakerFailures;

    @Option(names = "--breaker-cooldown", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long the circuit breaker stays open (default: ${DEFAULT-VALUE}).")
    int breakerCooldown;

    @Option(names = "--per-node-commands", description = "Read this node's own commands topic,"
            + " <prefix>response-commands.<node>, instead of every node's commands on <prefix>response-commands: what a"
            + " secured cluster grants a node (the streams app writes it with driftwatch.response.commands.per.node=true;"
            + " src/security.md). Also on when the --config file or DRIFTWATCH_RESPONSE_COMMANDS_PER_NODE says"
            + " driftwatch.response.commands.per.node=true.")
    boolean perNodeCommands;

    @Option(names = "--responder-dir", paramLabel = "DIR", defaultValue = "/var/lib/driftwatch/responder",
            description = "Handled command ids, the audit log (audit.jsonl) and evidence bundles (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    NodeResponder start(String node, NodeOptions connection, RuntimeWatcher watcher, List<Path> runcRoots,
            PrintWriter out) throws IOException {
        boolean ownTopic = perNodeCommands || connection.settings().flag(PER_NODE);
        Responder.Config kafka = new Responder.Config(connection.bootstrapServers(), connection.registryUrl(),
                connection.topicPrefix(), node, connection.clientOverrides(), ownTopic);
        kafka.commandsTopic(); // a node name that cannot be part of a topic name stops the start here, with the reason
        List<Path> files = new ArrayList<>(keyFiles == null ? List.of() : keyFiles);
        String env = System.getenv("DRIFTWATCH_RESPONSE_SIGNING_KEY_FILE");
        if (files.isEmpty() && env != null && !env.isBlank()) {
            files.add(Path.of(env));
        }
        List<byte[]> keys = new ArrayList<>();
        for (Path f : files) {
            keys.add(CommandSignatures.readKey(f));
        }
        CommandSignatures signatures = keys.isEmpty() ? null : CommandSignatures.of(keys);
        Set<String> namespaces = new LinkedHashSet<>(protectedNamespaces == null ? List.of() : protectedNamespaces);
        Set<String> containers = new LinkedHashSet<>(protectedContainers == null ? List.of() : protectedContainers);
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new IOException("cannot keep the responder's state (handled ids, audit log, evidence) in " + stateDir
                    + ": " + e + "; choose a directory with --responder-dir", e);
        }
        KubernetesActions kubernetes = KubernetesActions.detect();
        NodeResponder responder = new NodeResponder(kafka,
                new CommandHandler.Config(node, enforce, signatures, namespaces, containers, perNode, global, breakerFailures,
                        breakerCooldown * 1000L, stateDir),
                watcher, runcRoots, kubernetes).start();
        out.printf("responder on node %s: commands from %s; %s; %s; protected namespaces %s; at most %d stops/min here,"
                + " %d overall; audit log %s%n", node, kafka.commandsTopic(), enforce ? "ENFORCING" : "dry run (add --enforce to act)",
                signatures == null ? "NO signing key: every command will be refused" : keys.size() + " signing key(s)",
                namespaces, perNode, global, stateDir.resolve("audit.jsonl"));
        if (kubernetes.unavailableReason() != null) {
            out.println("  Kubernetes actions unavailable: " + kubernetes.unavailableReason());
        }
        return responder;
    }
}
