package io.driftwatch.cli.report;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads topics once, without a consumer group (assigned partitions, nothing committed), up to the end each partition
 * had when the read started, committed records only. Progress goes to {@code progress} (stderr) every few seconds.
 * A record that does not deserialize is skipped and counted, never the end of the read.
 */
public final class TopicReader implements AutoCloseable {
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(3);
    private static final Duration STALL = Duration.ofSeconds(60);

    private final KafkaConsumer<String, Object> consumer;
    private final PrintWriter progress;
    private long skipped;

    public TopicReader(DriftwatchConfig config, PrintWriter progress) {
        config.require(DriftwatchConfig.BOOTSTRAP_SERVERS);
        config.require(DriftwatchConfig.SCHEMA_REGISTRY_URL);
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        props.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "driftwatch-report");
        this.consumer = new KafkaConsumer<>(props);
        this.progress = progress;
    }

    /** Records skipped because they did not deserialize. */
    public long skipped() {
        return skipped;
    }

    /**
     * Every record of {@code topic} whose record time is at or after {@code fromTime} (by {@code offsetsForTimes},
     * per partition; {@code Long.MIN_VALUE} for the whole topic), in partition order, to {@code sink}. Returns how
     * many were read; a topic that does not exist reads as empty (said on {@code progress}).
     */
    public long read(String topic, long fromTime, BiConsumer<String, Object> sink) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            progress.println("report: topic " + topic + " does not exist or has no partitions: nothing read from it");
            progress.flush();
            return 0;
        }
        List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
        if (fromTime == Long.MIN_VALUE || fromTime <= 0) {
            consumer.seekToBeginning(partitions);
        } else {
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(p -> query.put(p, fromTime));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
            for (TopicPartition partition : partitions) {
                OffsetAndTimestamp at = found.get(partition);
                consumer.seek(partition, at == null ? end.get(partition) : at.offset());
            }
        }
        Map<TopicPartition, Long> remaining = new LinkedHashMap<>();
        long total = 0;
        for (TopicPartition partition : partitions) {
            long left = end.get(partition) - consumer.position(partition);
            if (left > 0) {
                remaining.put(partition, end.get(partition));
                total += left;
            }
        }
        long read = 0;
        long started = System.nanoTime();
        long lastProgress = started;
        long lastMove = started;
        long lastRead = -1;
        while (!remaining.isEmpty()) {
            try {
                for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    Long stop = remaining.get(partition);
                    if (stop == null || record.offset() >= stop) {
                        continue;
                    }
                    read++;
                    sink.accept(record.key(), record.value());
                }
            } catch (RecordDeserializationException e) {
                skipped++;
                progress.println("report: skipped a record of " + e.topicPartition() + " at offset " + e.offset()
                        + " that does not deserialize: " + e.getMessage());
                consumer.seek(e.topicPartition(), e.offset() + 1);
            }
            for (TopicPartition partition : new ArrayList<>(remaining.keySet())) {
                if (consumer.position(partition) >= remaining.get(partition)) {
                    remaining.remove(partition);
                }
            }
            long now = System.nanoTime();
            if (read + skipped != lastRead) {
                lastRead = read + skipped;
                lastMove = now;
            } else if (now - lastMove > STALL.toNanos()) {
                throw new IllegalStateException("reading " + topic + " made no progress for " + STALL.toSeconds()
                        + " s (is the broker reachable?); " + read + " of about " + total + " records read");
            }
            if (now - lastProgress >= PROGRESS_EVERY.toNanos()) {
                lastProgress = now;
                progress.printf("report: %s: %d of about %d records read (%d s)%n", topic, read, total,
                        (now - started) / 1_000_000_000L);
                progress.flush();
            }
        }
        consumer.unsubscribe();
        progress.printf("report: %s: %d records read%n", topic, read);
        progress.flush();
        return read;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
