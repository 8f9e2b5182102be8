package io.driftwatch.app.topology;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The time Kafka Streams gives an input record (it drives stream time, and so every grace and
 * window of the task): the record's own timestamp, but never more than {@code maxAhead} ahead of
 * this machine's clock. The broker takes records up to an hour in the future; without this bound
 * one such record on any input would move its task's stream time ahead and flush every held event
 * as METADATA_MISSING. Events in the value are checked separately ({@link ClockSkewProcessor}).
 */
final class BoundedTimestampExtractor implements TimestampExtractor {
    private final long maxAheadMillis;

    BoundedTimestampExtractor(long maxAheadMillis) {
        this.maxAheadMillis = maxAheadMillis;
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        long now = System.currentTimeMillis();
        long time = record.timestamp();
        if (time < 0) {
            // No usable timestamp: the partition's time, so the record is processed, not dropped.
            return Math.max(partitionTime, 0);
        }
        return Math.min(time, now + maxAheadMillis);
    }
}
