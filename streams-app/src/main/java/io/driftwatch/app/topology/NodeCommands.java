package io.driftwatch.app.topology;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.schemas.commands.NodeCommandTopics;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-node command topics (src/security.md, "Commands per node"): with {@code driftwatch.response.commands.per.node=true}
 * every response command still goes to the response-commands topic (the audit record, which incidents join), and also
 * to its node's own topic, {@code <response-commands>.<node>} ({@link NodeCommandTopics}), which the app creates the
 * first time it needs it. A responder then reads only its node's topic, and ACLs can give each node's credentials
 * that one topic and nothing of the others'. A command whose node name cannot be part of a topic name, or whose topic
 * cannot be created, stays on the audit topic only, counted and logged.
 */
public final class NodeCommands {
    public static final String PER_NODE = "driftwatch.response.commands.per.node";
    public static final String REPLICATION_FACTOR = "driftwatch.response.commands.node.replication.factor";
    /** At most this many node topics are created per hour (node names come from records); default 100. */
    public static final String MAX_NEW_PER_HOUR = "driftwatch.response.commands.node.max.new.per.hour";
    private static final Logger LOG = LoggerFactory.getLogger(NodeCommands.class);

    /** Makes sure a node's topic exists; false when it does not and cannot be created now (the reason logged). */
    @FunctionalInterface
    public interface TopicCreator {
        boolean ensure(String topic);
    }

    private final String commandsTopic;
    private final TopicCreator creator;
    /** Commands also written to their node's topic. */
    public final AtomicLong routed = new AtomicLong();
    /** Commands left on the audit topic only: node name unusable in a topic name, or the topic not creatable. */
    public final AtomicLong notRouted = new AtomicLong();
    private volatile long lastWarning;

    public NodeCommands(String commandsTopic, TopicCreator creator) {
        this.commandsTopic = commandsTopic;
        this.creator = creator;
    }

    /** Whether the configuration asks for per-node topics ({@code false} by default). */
    public static boolean enabled(DriftwatchConfig config) {
        String value = config.get(PER_NODE, "false").trim();
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("Configuration '" + PER_NODE + "' must be true or false, was '" + value + "'");
        }
        return value.equals("true");
    }

    String commandsTopic() {
        return commandsTopic;
    }

    /** The node topic a record routed by {@link Router} goes to. */
    public String topicOf(String node) {
        return NodeCommandTopics.topic(commandsTopic, node);
    }

    public Processor<String, Object, String, Object> router(String auditChild, String nodeChild) {
        return new Router(auditChild, nodeChild);
    }

    private void warn(String text) {
        long now = System.currentTimeMillis();
        if (now - lastWarning > 10_000) {
            lastWarning = now;
            LOG.warn("{} ({} commands not routed to a node topic so far)", text, notRouted.get());
        }
    }

    /** Forwards every command to the audit sink, and those of a usable node to the node sink. */
    private final class Router implements Processor<String, Object, String, Object> {
        private final String auditChild;
        private final String nodeChild;
        private ProcessorContext<String, Object> context;

        Router(String auditChild, String nodeChild) {
            this.auditChild = auditChild;
            this.nodeChild = nodeChild;
        }

        @Override
        public void init(ProcessorContext<String, Object> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, Object> command) {
            context.forward(command, auditChild);
            if (!(command.value() instanceof ResponseCommand)) {
                return;
            }
            String problem = NodeCommandTopics.problem(commandsTopic, command.key());
            if (problem != null) {
                notRouted.incrementAndGet();
                warn("a response command stays on " + commandsTopic + " only: " + problem);
                return;
            }
            String topic = commandsTopic + "." + command.key();
            if (!creator.ensure(topic)) {
                notRouted.incrementAndGet();
                warn("a response command stays on " + commandsTopic + " only: its node topic " + topic
                        + " does not exist and could not be created");
                return;
            }
            routed.incrementAndGet();
            context.forward(command, nodeChild);
        }
    }
}
