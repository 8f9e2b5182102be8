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
 * stream thread, which waits for the answer once per node; known topics are remembered.
 */
final class NodeCommandTopicAdmin implements NodeCommands.TopicCreator, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCommandTopicAdmin.class);
    private static final long TIMEOUT_MS = 30_000;

    private final Map<String, Object> adminConfig;
    private final Map<String, String> topicConfigs;
    private final Optional<Short> replicationFactor;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private Admin admin; // made on first use

    NodeCommandTopicAdmin(DriftwatchConfig config) {
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
            admin().createTopics(List.of(new NewTopic(topic, Optional.of(1), replicationFactor).configs(topicConfigs)))
                    .all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            LOG.info("created the node commands topic {}", topic);
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
