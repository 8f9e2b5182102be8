package io.driftwatch.app.console;

import io.driftwatch.model.DrillReport;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drill reports the console shows ({@code GET /api/v1/drills}, drills.html): a consumer of its own, without a
 * group, that reads the compacted drills topic from its beginning at every start and then follows it, keeping the
 * latest report of each drillId (a tombstone removes it). Nothing is stored here: a restarted instance reads the
 * topic again, so the history survives restarts as long as the topic keeps it (it is compacted, keyed by drillId).
 */
public final class DrillHistory implements Supplier<List<DrillReport>>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DrillHistory.class);
    /** Newest first: by startedAt, then drillId. */
    public static final Comparator<DrillReport> NEWEST_FIRST = Comparator.comparingLong(DrillReport::getStartedAt)
            .reversed().thenComparing(r -> r.getDrillId().toString());

    private final Map<String, DrillReport> reports = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final KafkaConsumer<String, Object> consumer;
    private final Thread thread;

    private DrillHistory(KafkaConsumer<String, Object> consumer, String topic) {
        this.consumer = consumer;
        this.thread = new Thread(() -> follow(topic), "driftwatch-drill-history");
        this.thread.setDaemon(true);
    }

    /** Starts following {@code topic} with the app's client properties (bootstrap servers, security, registry). */
    public static DrillHistory start(Map<String, Object> clientProperties, String topic) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "driftwatch-drill-history");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        DrillHistory history = new DrillHistory(new KafkaConsumer<>(props), topic);
        history.thread.start();
        return history;
    }

    private void follow(String topic) {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            while (running.get() && partitions.isEmpty()) {
                var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos != null) {
                    infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running.get()) {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(500))) {
                    accept(r.key(), r.value());
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.warn("the drill history stopped reading {}: {}", topic, e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    void accept(String key, Object value) {
        if (value == null) {
            if (key != null) {
                reports.remove(key);
            }
            return;
        }
        if (value instanceof DrillReport report) {
            reports.put(key != null ? key : report.getDrillId().toString(), report);
        } else {
            LOG.warn("drills record {} is not a DrillReport: ignored", key);
        }
    }

    /** Every report, newest first. */
    @Override
    public List<DrillReport> get() {
        List<DrillReport> all = new ArrayList<>(reports.values());
        all.sort(NEWEST_FIRST);
        return all;
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
