package io.driftwatch.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft Kafka (combined broker + controller) running in this JVM, from
 * Apache Kafka's own test kit. Starts in about 5 s: start one per test run, not per test.
 */
public final class KafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;

    private KafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
    }

    /** Starts a broker with its data under {@code baseDir} (deleted on close). */
    public static KafkaBroker start(Path baseDir) throws Exception {
        return start(baseDir, Map.of());
    }

    /** Starts a broker; {@code brokerProperties} override the single-node defaults. */
    public static KafkaBroker start(Path baseDir, Map<String, String> brokerProperties) throws Exception {
        long began = System.nanoTime();
        Files.createDirectories(baseDir);
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(Files.createTempDirectory(baseDir, "kraft-"))
                .build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
        singleNodeDefaults().forEach(builder::setConfigProp);
        brokerProperties.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder.build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        KafkaBroker broker = new KafkaBroker(cluster);
        LOG.info("Kafka broker ready at {} in {} ms", broker.bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        return broker;
    }

    /**
     * What a one-node cluster needs (internal topics with one replica, no rebalance delay) and what every Driftwatch
     * broker here sets (no topics created on first use): shared with the testkit's secured broker.
     */
    public static Map<String, String> singleNodeDefaults() {
        Map<String, String> props = new java.util.LinkedHashMap<>();
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("num.partitions", "1");
        props.put("auto.create.topics.enable", "false");
        return props;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** A new admin client; the caller closes it. */
    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(props);
    }

    /** Creates topics with replication factor 1 and waits until they exist; existing ones are left as they are. */
    public void createTopics(int partitions, String... names) throws Exception {
        createTopics(List.of(names).stream().map(n -> new NewTopic(n, partitions, (short) 1)).toList());
    }

    public void createTopics(Collection<NewTopic> topics) throws Exception {
        try (Admin admin = admin()) {
            for (var entry : admin.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        LOG.info("Stopping Kafka broker at {}", bootstrapServers);
        cluster.close();
    }
}
