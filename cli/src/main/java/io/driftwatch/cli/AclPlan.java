package io.driftwatch.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.app.topology.NodeCommands;
import io.driftwatch.schemas.commands.NodeCommandTopics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs each Driftwatch component needs, and nothing more (src/security.md, "ACLs"). Node-bound grants (the agent's
 * and the responder's) are made once per node: a node's principal may write its events and read its own commands
 * topic, never the response-commands topic nor another node's. Topic names come from topics.tsv with the configured
 * prefix and overrides, as {@code topics create} makes them.
 */
final class AclPlan {
    static final String NODE = "{node}";

    /** One grant; {@code principal} and {@code name} may hold {@link #NODE} until expanded for a node. */
    record Grant(String component, String principal, AclOperation operation, ResourceType type, PatternType pattern,
                 String name, String why) {
        boolean perNode() {
            return principal.contains(NODE) || name.contains(NODE);
        }

        Grant forNode(String node) {
            return new Grant(component, principal.replace(NODE, node), operation, type, pattern, name.replace(NODE, node), why);
        }

        AclBinding binding(String host) {
            return new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry(principal, host, operation, AclPermissionType.ALLOW));
        }
    }

    /** The principals, as Kafka names them ({@code User:name}); agent and responder ones may hold {@link #NODE}. */
    record Principals(String app, String agent, String responder, String notifier, String operator) {
    }

    private final List<Grant> grants = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private AclPlan() {
    }

    static AclPlan of(DriftwatchConfig config, Principals principals, String notifyGroup) {
        AclPlan plan = new AclPlan();
        TopicCatalog catalog = TopicCatalog.builtIn();
        Map<String, String> topic = new LinkedHashMap<>();
        catalog.all().forEach(spec -> topic.put(spec.role(), catalog.name(spec.role(), config)));
        String applicationId = config.get("application.id", "driftwatch");
        String guarantee = config.get("processing.guarantee", "exactly_once_v2").toLowerCase(Locale.ROOT);
        String commands = topic.get("response-commands");

        // The streams app (run): its inputs, its outputs, the topics it re-keys through, and its own internal topics.
        String app = principals.app();
        for (String role : List.of("file-events", "container-metadata", "exec-sessions", "exec-sessions-by-container",
                "file-events-by-container", "alerts", "response-commands", "response-results", "incident-inputs", "captures",
                "rules", "image-baselines")) {
            plan.topic("app", app, AclOperation.READ, topic.get(role), "reads it");
        }
        for (String role : List.of("enriched-events", "alerts", "response-commands", "dead-letter",
                "exec-sessions-by-container", "file-events-by-container", "incident-inputs", "incidents",
                "incident-notifications", "captures", "rules")) {
            plan.topic("app", app, AclOperation.WRITE, topic.get(role), "writes it");
        }
        for (AclOperation op : List.of(AclOperation.CREATE, AclOperation.WRITE, AclOperation.DESCRIBE)) {
            plan.grants.add(new Grant("app", app, op, ResourceType.TOPIC, PatternType.PREFIXED, commands + ".",
                    "per-node command topics, created on a node's first command"));
        }
        plan.grants.add(new Grant("app", app, AclOperation.ALL, ResourceType.TOPIC, PatternType.PREFIXED, applicationId,
                "Kafka Streams' internal topics (changelogs, repartition), named after application.id"));
        plan.grants.add(new Grant("app", app, AclOperation.READ, ResourceType.GROUP, PatternType.LITERAL, applicationId,
                "the Streams consumer group (application.id)"));
        if (guarantee.startsWith("exactly_once")) {
            for (AclOperation op : List.of(AclOperation.WRITE, AclOperation.DESCRIBE)) {
                plan.grants.add(new Grant("app", app, op, ResourceType.TRANSACTIONAL_ID, PatternType.PREFIXED, applicationId,
                        "transactions of processing.guarantee=" + guarantee));
            }
        } else {
            plan.notes.add("processing.guarantee=" + guarantee + ": no transactional ids needed");
        }

        // The node agent (sensor and publisher) and its responder: one principal per node.
        plan.topic("agent", principals.agent(), AclOperation.WRITE, topic.get("file-events"), "publishes FileEvents");
        plan.topic("agent", principals.agent(), AclOperation.WRITE, topic.get("container-metadata"),
                "publishes ContainerMetadata");
        String responder = principals.responder();
        plan.topic("responder", responder, AclOperation.READ, commands + "." + NODE, "its own node's commands, only");
        plan.grants.add(new Grant("responder", responder, AclOperation.READ, ResourceType.GROUP, PatternType.LITERAL,
                "driftwatch-responder-" + NODE, "its consumer group"));
        plan.topic("responder", responder, AclOperation.WRITE, topic.get("response-results"), "reports outcomes");
        plan.topic("responder", responder, AclOperation.READ, topic.get("response-results"),
                "other nodes' stops, for the global rate limit");
        plan.topic("responder", responder, AclOperation.READ, topic.get("enriched-events"), "the trail, for evidence");
        plan.topic("responder", responder, AclOperation.WRITE, topic.get("alerts"), "an alert when a rate limit refuses");
        plan.topic("responder", responder, AclOperation.WRITE, topic.get("dead-letter"), "unreadable commands");

        // The notifier.
        plan.topic("notifier", principals.notifier(), AclOperation.READ, topic.get("alerts"), "consumes alerts");
        plan.grants.add(new Grant("notifier", principals.notifier(), AclOperation.READ, ResourceType.GROUP,
                PatternType.LITERAL, notifyGroup, "its consumer group (notify --group)"));

        // The operator's CLI: topics create, produce, ingest, rules publish.
        for (String name : topic.values()) {
            for (AclOperation op : List.of(AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS)) {
                plan.topic("operator", principals.operator(), op, name, "topics create");
            }
        }
        for (String role : List.of("file-events", "container-metadata", "exec-sessions", "dead-letter")) {
            plan.topic("operator", principals.operator(), AclOperation.WRITE, topic.get(role), "produce, ingest");
        }
        plan.topic("operator", principals.operator(), AclOperation.WRITE, topic.get("rules"), "rules publish");
        plan.topic("operator", principals.operator(), AclOperation.READ, topic.get("rules"), "rules publish");
        plan.topic("operator", principals.operator(), AclOperation.WRITE, topic.get("image-baselines"),
                "scan --publish (a CI job's own principal needs only this)");

        String firstTopic = topic.values().iterator().next();
        if (firstTopic.startsWith(applicationId)) {
            plan.warnings.add("application.id '" + applicationId + "' is a prefix of the topic names (" + firstTopic
                    + "): the app's grant on its internal topics (ALL, prefixed '" + applicationId + "') then covers every"
                    + " Driftwatch topic too. Choose an application.id that is not, e.g. " + applicationId + "-app.");
        }
        if (!NodeCommands.enabled(config)) {
            plan.warnings.add(NodeCommands.PER_NODE + " is not true in this configuration: the app then writes no"
                    + " per-node command topics, and a responder reading the shared " + commands + " would need READ on it,"
                    + " which these ACLs do not grant (a node could read every node's commands). Set it to true for the app"
                    + " and the responders.");
        }
        if (!principals.responder().contains(NODE) || !principals.agent().contains(NODE)) {
            plan.warnings.add("an agent or responder principal without " + NODE + " is shared by every node: each node's"
                    + " credentials could then read every node's commands. Give each node its own principal, e.g. User:"
                    + "driftwatch-agent-" + NODE + ".");
        }
        plan.notes.add("The schema registry is outside Kafka's ACLs: secure it with its own HTTPS and authentication"
                + " (basic.auth.*, src/security.md); every component needs to read schemas, and writers to register them"
                + " unless auto.register.schemas=false.");
        plan.notes.add("incidents, trail and capture use the app's HTTP API, not Kafka: no ACLs (see driftwatch.http.*).");
        plan.notes.add("Applying ACLs (acls --apply) needs ALTER on the CLUSTER, usually a super user's credentials.");
        return plan;
    }

    private void topic(String component, String principal, AclOperation op, String name, String why) {
        grants.add(new Grant(component, principal, op, ResourceType.TOPIC, PatternType.LITERAL, name, why));
    }

    /** The grants, those for a node repeated for each of {@code nodes}; without nodes they keep {@link #NODE}. */
    List<Grant> grants(List<String> nodes) {
        List<Grant> out = new ArrayList<>();
        for (Grant g : grants) {
            if (!g.perNode() || nodes.isEmpty()) {
                out.add(g);
            } else {
                nodes.forEach(node -> out.add(g.forNode(node)));
            }
        }
        return out;
    }

    List<String> notes() {
        return notes;
    }

    List<String> warnings() {
        return warnings;
    }

    /** Checks a node name the way the app and the responder do: it must fit a topic name. */
    static void checkNode(String commandsTopic, String node) {
        String problem = NodeCommandTopics.problem(commandsTopic, node);
        if (problem != null) {
            throw new IllegalArgumentException("--node " + node + ": " + problem);
        }
    }

    /** The {@code kafka-acls.sh} option naming a resource. */
    static String resourceOption(Grant g) {
        return switch (g.type()) {
            case TOPIC -> "--topic";
            case GROUP -> "--group";
            case TRANSACTIONAL_ID -> "--transactional-id";
            case CLUSTER -> "--cluster";
            default -> throw new IllegalArgumentException("no kafka-acls option for " + g.type());
        };
    }

    /** {@code Read}, {@code DescribeConfigs}: kafka-acls.sh's spelling of an operation. */
    static String operationName(AclOperation op) {
        StringBuilder out = new StringBuilder();
        for (String part : op.name().toLowerCase(Locale.ROOT).split("_")) {
            out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return out.toString();
    }
}
