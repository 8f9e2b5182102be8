package io.driftwatch.schemas.commands;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The name of a node's own commands topic, {@code <response-commands topic>.<node>} (e.g.
 * {@code driftwatch.response-commands.worker-3}), shared by the streams app that writes it, the responder that reads
 * it and {@code acls} that grants it. Kafka's ACLs are per topic, not per key: a topic per node is what lets a node's
 * credentials read its own commands and no other node's (src/security.md).
 *
 * <p>A node name comes from the records (an agent names its own node), so it is checked, never escaped into a name:
 * it must be a DNS-style name, letters, digits, {@code .} and {@code -}, starting with a letter or digit (every
 * Kubernetes node name and host name is), and the topic name at most 249 characters (Kafka's limit). {@code _} is
 * refused too: Kafka treats {@code .} and {@code _} as the same character in metric names and refuses a second topic
 * whose name differs from another only there. Anything else has no per-node topic.
 */
public final class NodeCommandTopics {
    /** Kafka's longest topic name. */
    public static final int MAX_TOPIC_LENGTH = 249;
    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*");

    private NodeCommandTopics() {
    }

    /** The node's commands topic, or empty when the node name cannot be part of a topic name. */
    public static Optional<String> topicIfValid(String commandsTopic, String node) {
        return problem(commandsTopic, node) == null ? Optional.of(commandsTopic + "." + node) : Optional.empty();
    }

    /** The node's commands topic; an {@link IllegalArgumentException} saying why when the name cannot be one. */
    public static String topic(String commandsTopic, String node) {
        String problem = problem(commandsTopic, node);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return commandsTopic + "." + node;
    }

    /** Why the node has no commands topic of its own, or null when it has one. */
    public static String problem(String commandsTopic, String node) {
        if (node == null || node.isEmpty()) {
            return "no node name";
        }
        if (!NODE.matcher(node).matches()) {
            return "node name '" + printable(node) + "' cannot be part of a topic name: only letters, digits, '.' and '-',"
                    + " starting with a letter or digit";
        }
        int length = commandsTopic.length() + 1 + node.length();
        if (length > MAX_TOPIC_LENGTH) {
            return "node name '" + printable(node) + "' makes the topic name " + length + " characters long; Kafka allows "
                    + MAX_TOPIC_LENGTH;
        }
        return null;
    }

    private static String printable(String text) {
        String cut = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        StringBuilder out = new StringBuilder();
        cut.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
