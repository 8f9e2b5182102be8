package io.driftwatch.app;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.app.topology.NodeCommands;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a node's commands topic the first time a command for that node comes: one partition (one node's commands
 * need no parallelism, and stay in order), the topic configs of response-commands in topics.tsv, and the replication
 * factor of {@code driftwatch.response.commands.node.replication.factor} (else the broker's default). The app's
 * principal needs CREATE on the topics prefixed {@code <response-commands>.} ({@code ./driftwatch acls}). Called from a
 * stream thread, which waits for the answer once per node; known topics are remembered, starting with the topics that
 * exist when the first command comes.
 *
 * <p>Node names come from the records, so a producer that may write file events (a compromised node) could name a new
 * node in every event and make the app create topics without end, and stall its stream thread on each creation. At most
 * {@code driftwatch.response.commands.node.max.new.per.hour} (default 100) topics are created in any hour; past that,
 * a command for an unknown node stays on the audit topic only (counted and logged, as for an invalid name), and
 * topics that already exist are still used.
 */
final class NodeCommandTopicAdmin implements NodeCommands.TopicCreator, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCommandTopicAdmin.class);
    private static final long TIMEOUT_MS = 30_000;

    private final Map<String, Object> adminConfig;
    private final Map<String, String> topicConfigs;
    private final Optional<Short> replicationFactor;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final int maxNewPerHour;
    private final java.util.function.LongSupplier clock;
    private final java.util.ArrayDeque<Long> created = new java.util.ArrayDeque<>();
    private long refusedSinceLog;
    private long lastRefusalLog = Long.MIN_VALUE;
    private boolean listed;
    private Admin admin; // made on first use

    NodeCommandTopicAdmin(DriftwatchConfig config) {
        this(config, System::currentTimeMillis);
    }

    NodeCommandTopicAdmin(DriftwatchConfig config, java.util.function.LongSupplier clock) {
        this.clock = clock;
        String max = config.get(NodeCommands.MAX_NEW_PER_HOUR, "100").trim();
        try {
            this.maxNewPerHour = Integer.parseInt(max);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration '" + NodeCommands.MAX_NEW_PER_HOUR
                    + "' must be a whole number, was '" + max + "'", e);
        }
        if (maxNewPerHour < 0) {
            throw new IllegalArgumentException("Configuration '" + NodeCommands.MAX_NEW_PER_HOUR
                    + "' must be 0 or more, was " + maxNewPerHour);
        }
        this.adminConfig = config.adminProperties();
        adminConfig.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS);
        adminConfig.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "driftwatch-node-command-topics");
        this.topicConfigs = TopicCatalog.builtIn().spec("response-commands").configs();
        String factor = config.get(NodeCommands.REPLICATION_FACTOR);
        try {
            this.replicationFactor = factor == null || factor.isBlank() ? Optional.empty()
                    : Optional.of(Short.parseShort(factor.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration '" + NodeCommands.REPLICATION_FACTOR
                    + "' must be a small integer, was '" + factor + "'", e);
        }
    }

    @Override
    public boolean ensure(String topic) {
        if (known.contains(topic)) {
            return true;
        }
        try {
            if (!listed) {
                listed = true;
                try {
                    known.addAll(admin().listTopics().names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // Only the count of new topics is less exact: existing ones are found when created.
                    LOG.warn("could not list the topics that exist: {}", e.toString());
                }
                if (known.contains(topic)) {
                    return true;
                }
            }
            if (!mayCreate(topic)) {
                return false;
            }
            admin().createTopics(List.of(new NewTopic(topic, Optional.of(1), replicationFactor).configs(topicConfigs)))
                    .all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            LOG.info("created the node commands topic {}", topic);
            synchronized (created) {
                created.addLast(clock.getAsLong());
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.error("could not create the node commands topic {}: {}", topic, e.getCause().toString());
                return false;
            }
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.error("could not create the node commands topic {}: no answer in {} ms", topic, TIMEOUT_MS);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        known.add(topic);
        return true;
    }

    /** False, and a log line at most once a minute, when this hour's creations have reached the limit. */
    private boolean mayCreate(String topic) {
        long now = clock.getAsLong();
        synchronized (created) {
            while (!created.isEmpty() && created.peekFirst() <= now - 3_600_000L) {
                created.removeFirst();
            }
            if (created.size() < maxNewPerHour) {
                return true;
            }
            refusedSinceLog++;
            if (lastRefusalLog == Long.MIN_VALUE || now - lastRefusalLog >= 60_000) {
                LOG.warn("not creating node commands topic {}: {} created in the last hour, the limit ({}); {} command(s) for"
                        + " new nodes left on the audit topic only since the last warning", topic, created.size(),
                        NodeCommands.MAX_NEW_PER_HOUR, refusedSinceLog);
                lastRefusalLog = now;
                refusedSinceLog = 0;
            }
            return false;
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(adminConfig);
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(5));
        }
    }
}
