package io.driftwatch.app.rules;

import io.driftwatch.model.RuleBundle;
import io.driftwatch.schemas.serde.SchemaRegistryUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the rules topic from the beginning and keeps following it, on a thread of its own
 * (rules-reload.md): the newest bundle of our rule set's name goes to the {@link Listener}, which
 * is the {@link RulesManager}'s compile-and-swap. A topic that does not exist yet is looked for
 * again; an unreachable registry makes it read the same record again after a pause.
 */
final class RulesTopicFollower implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(RulesTopicFollower.class);

    /** What the follower finds. */
    interface Listener {
        /** A new bundle of our rule set's name was published. */
        void published(RuleBundle bundle);

        /** A record of our name that is not a readable bundle: counted as a refused set. */
        void unreadable(String source, String reason);
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final RuleBundleTopic topic;
    private final String name;
    private final Listener listener;
    private final Duration lookupInterval;
    private final Duration retryPause;
    private final Thread thread;
    private volatile boolean stopping;
    private boolean assigned;

    RulesTopicFollower(KafkaConsumer<String, byte[]> consumer, RuleBundleTopic topic, String name, Listener listener,
                       Duration lookupInterval, Duration retryPause) {
        this.consumer = consumer;
        this.topic = topic;
        this.name = name;
        this.listener = listener;
        this.lookupInterval = lookupInterval;
        this.retryPause = retryPause;
        this.thread = new Thread(this, "driftwatch-rules-follower");
        this.thread.setDaemon(true);
    }

    /** Whether the topic exists and is being read (it may appear later). */
    boolean assigned() {
        return assigned;
    }

    /** Reads to the end of the topic as it is now; the newest bundle for our name, if any. */
    Optional<RuleBundle> catchUp() {
        RuleBundle newest = null;
        try {
            if (!assign()) {
                LOG.warn("rules topic {} does not exist: following it once it does (create it with "
                        + "./driftwatch topics create)", topic.name());
                return Optional.empty();
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), RuleBundleTopic.TIMEOUT);
            long deadline = System.nanoTime() + RuleBundleTopic.TIMEOUT.toNanos();
            while (!reached(end) && System.nanoTime() < deadline) {
                try {
                    RuleBundle bundle = newestOfOurs(consumer.poll(Duration.ofMillis(200)));
                    newest = bundle == null ? newest : bundle;
                } catch (RegistryUnavailable e) {
                    pause();
                }
            }
            if (!reached(end)) {
                LOG.warn("did not reach the end of rules topic {} within {} s; going on with what was read",
                        topic.name(), RuleBundleTopic.TIMEOUT.toSeconds());
            }
        } catch (RuntimeException e) {
            LOG.warn("could not read rules topic {} at start: {}; following it from now on", topic.name(), e.toString());
        }
        return Optional.ofNullable(newest);
    }

    void start() {
        thread.start();
    }

    void stop() {
        stopping = true;
        consumer.wakeup();
        if (thread.isAlive()) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                try {
                    if (!assigned) {
                        if (!assign()) {
                            sleep(lookupInterval);
                            continue;
                        }
                        LOG.info("rules topic {} appeared: following it", topic.name());
                    }
                    RuleBundle newest = newestOfOurs(consumer.poll(Duration.ofSeconds(1)));
                    if (newest != null) {
                        LOG.info("rules topic {}: rule set '{}' version {} published {}", topic.name(), newest.getName(),
                                newest.getVersion(), Instant.ofEpochMilli(newest.getPublishedAt()));
                        listener.published(newest);
                    }
                } catch (WakeupException e) {
                    // stopping
                } catch (RegistryUnavailable e) {
                    pause();
                } catch (RuntimeException e) {
                    if (!stopping) {
                        LOG.warn("following rules topic {}: {}; retrying", topic.name(), e.toString());
                        pause();
                    }
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private boolean assign() {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic.name(), RuleBundleTopic.TIMEOUT);
        if (partitions == null || partitions.isEmpty()) {
            return false;
        }
        List<TopicPartition> assignment = partitions.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(assignment);
        consumer.seekToBeginning(assignment);
        assigned = true;
        return true;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
            if (consumer.position(partition.getKey(), RuleBundleTopic.TIMEOUT) < partition.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The newest decodable bundle for our name among the records. A bundle that does not decode
     * counts as refused. When the schema registry cannot be reached, the consumer is moved back
     * to that record so it is read again.
     */
    private RuleBundle newestOfOurs(Iterable<ConsumerRecord<String, byte[]>> records) {
        RuleBundle newest = null;
        for (ConsumerRecord<String, byte[]> record : records) {
            if (!name.equals(record.key())) {
                continue;
            }
            if (record.value() == null) {
                LOG.info("rules topic {}: rule set '{}' deleted (tombstone); the running set stays", topic.name(),
                        name);
                continue;
            }
            try {
                newest = topic.decode(record.value());
            } catch (SchemaRegistryUnavailableException e) {
                consumer.seek(new TopicPartition(record.topic(), record.partition()), record.offset());
                // Bundles before this one in the batch are older than it: reading it again supersedes them.
                LOG.warn("rules topic {}: schema registry unavailable, reading offset {} again shortly: {}",
                        topic.name(), record.offset(), e.getMessage());
                throw new RegistryUnavailable();
            } catch (RuntimeException e) {
                listener.unreadable("topic " + topic.name() + " partition " + record.partition() + " offset "
                        + record.offset(), "not a readable rule bundle: " + e.getMessage());
            }
        }
        return newest;
    }

    private void pause() {
        sleep(retryPause);
    }

    private void sleep(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        while (!stopping && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopping = true;
                return;
            }
        }
    }

    /** Control flow: the registry is down; the follower pauses and reads the same record again. */
    private static final class RegistryUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RegistryUnavailable() {
            super(null, null, false, false);
        }
    }
}
