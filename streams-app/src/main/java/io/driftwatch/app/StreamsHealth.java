package io.driftwatch.app;

import io.driftwatch.metrics.Health;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * The app's liveness and readiness (src/monitoring.md). Ready: Kafka Streams is RUNNING and no active task is
 * restoring a store (with the state updater, Kafka Streams reports RUNNING while tasks still restore in the
 * background: their partitions are not processed yet). Live: the app is not ERROR, PENDING_ERROR or NOT_RUNNING, the
 * states it does not come back from by itself.
 *
 * <p>It is the restore listener of the streams app it watches (set before {@link KafkaStreams#start()}).
 */
public final class StreamsHealth implements StateRestoreListener {
    private final Supplier<KafkaStreams.State> state;
    private final Set<String> restoring = ConcurrentHashMap.newKeySet();

    StreamsHealth(Supplier<KafkaStreams.State> state) {
        this.state = state;
    }

    /** Watches {@code streams}, which must not be started yet. */
    public static StreamsHealth of(KafkaStreams streams) {
        StreamsHealth health = new StreamsHealth(streams::state);
        streams.setGlobalStateRestoreListener(health);
        return health;
    }

    public Health live() {
        KafkaStreams.State now = state.get();
        return switch (now) {
            case ERROR, PENDING_ERROR, NOT_RUNNING -> Health.down("Kafka Streams is " + now
                    + ": it does not recover by itself; restart the instance (see the log)");
            default -> Health.up("Kafka Streams is " + now);
        };
    }

    public Health ready() {
        KafkaStreams.State now = state.get();
        if (now != KafkaStreams.State.RUNNING) {
            return Health.down("Kafka Streams is " + now + ", not RUNNING");
        }
        int stores = restoring.size();
        if (stores > 0) {
            return Health.down("Kafka Streams is RUNNING but " + stores + " store partition(s) are still restoring");
        }
        return Health.up("Kafka Streams is RUNNING, stores restored");
    }

    /** Store partitions restoring now. */
    public int restoring() {
        return restoring.size();
    }

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
        restoring.add(store + "@" + partition);
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        restoring.remove(store + "@" + partition);
    }

    @Override
    public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
        restoring.remove(store + "@" + partition);
    }
}
