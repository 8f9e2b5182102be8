package io.driftwatch.notify;

import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code notify}: consumes the alerts topic, and the response plan's incident notifications when given a topic for
 * them, with its own consumer group (one consumer, both topics) and hands every alert and every notification to the
 * engine. Offsets are committed after each polled batch has been handed to every notifier's queue (at least once;
 * notifiers drop a redelivered alertId or notificationId they still remember, PagerDuty de-duplicates by dedup_key
 * across restarts, and Jira finds an incident's issue again).
 */
public final class NotifyService {
    public static final String DEFAULT_GROUP = "driftwatch-notify";
    private static final Logger LOG = LoggerFactory.getLogger(NotifyService.class);

    private final Map<String, Object> clientProperties;
    private final String topic;
    private final String notificationsTopic;
    private final NotifyEngine engine;
    private final String groupId;
    private final boolean fromBeginning;
    private volatile boolean stopped;
    private volatile KafkaConsumer<String, Object> consumer;
    private long alerts;
    private long notifications;
    private long unreadable;
    private volatile io.driftwatch.metrics.ProcessMetrics metrics;
    /** When the consumer last polled (System.nanoTime), 0 before; and whether the loop has ended. */
    private volatile long lastPollNanos;
    private volatile boolean ended;
    private final java.util.concurrent.atomic.AtomicLong alertsRead = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong notificationsRead = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong unreadableRead = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param clientProperties the Kafka and schema registry keys (bootstrap.servers and schema.registry.url present)
     * @param topic            the alerts topic
     */
    public NotifyService(Map<String, Object> clientProperties, String topic, NotifyEngine engine, String groupId,
                         boolean fromBeginning) {
        this(clientProperties, topic, null, engine, groupId, fromBeginning);
    }

    /**
     * @param notificationsTopic driftwatch.incident-notifications (as the topic catalogue names it), or null for
     *                           alerts only; the engine reports each delivery (see {@link PlanDeliveries})
     */
    public NotifyService(Map<String, Object> clientProperties, String topic, String notificationsTopic, NotifyEngine engine,
                         String groupId, boolean fromBeginning) {
        this.clientProperties = Map.copyOf(clientProperties);
        this.topic = topic;
        this.notificationsTopic = notificationsTopic;
        this.engine = engine;
        this.groupId = groupId;
        this.fromBeginning = fromBeginning;
    }

    /**
     * Registers the notifier's meters: alerts read and unreadable, each notifier's counters ({@link NotifyEngine#bindTo})
     * and, once {@link #run} made it, the consumer's client metrics (its lag among them). Call before {@link #run}.
     */
    public void bindTo(io.driftwatch.metrics.ProcessMetrics metrics) {
        this.metrics = metrics;
        io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.notify.alerts.read", alertsRead,
                java.util.concurrent.atomic.AtomicLong::doubleValue).description("Alerts read from the alerts topic")
                .register(metrics.registry());
        io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.notify.notifications.read", notificationsRead,
                java.util.concurrent.atomic.AtomicLong::doubleValue)
                .description("Incident notifications read from the incident-notifications topic").register(metrics.registry());
        io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.notify.unreadable", unreadableRead,
                java.util.concurrent.atomic.AtomicLong::doubleValue).description("Records skipped: not an Alert")
                .register(metrics.registry());
        engine.bindTo(metrics.registry());
    }

    /** Live until the consume loop ends other than by {@link #stop()}. */
    public io.driftwatch.metrics.Health live() {
        if (ended && !stopped) {
            return io.driftwatch.metrics.Health.down("the alerts consumer stopped");
        }
        return io.driftwatch.metrics.Health.up(stopped ? "stopping" : "the alerts consumer runs");
    }

    /** Ready while the consumer polls the alerts topic (last poll within 30 s). */
    public io.driftwatch.metrics.Health ready() {
        long last = lastPollNanos;
        if (stopped || ended) {
            return io.driftwatch.metrics.Health.down("stopping");
        }
        if (last == 0) {
            return io.driftwatch.metrics.Health.down("not reading " + topic + " yet");
        }
        long ago = (System.nanoTime() - last) / 1_000_000;
        return ago < 30_000 ? io.driftwatch.metrics.Health.up("reading " + topic + ", last poll " + ago + " ms ago")
                : io.driftwatch.metrics.Health.down("no poll of " + topic + " for " + ago + " ms");
    }

    public String topic() {
        return topic;
    }

    /** The incident-notifications topic, or null when only alerts are read. */
    public String notificationsTopic() {
        return notificationsTopic;
    }

    /** Consumes until {@link #stop()}; prints the engine's status every {@code statusInterval} (zero: never). */
    public void run(PrintWriter out, Duration statusInterval) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        long nextStatus = System.nanoTime() + statusInterval.toNanos();
        AutoCloseable clientMetrics = null;
        try (KafkaConsumer<String, Object> kafka = new KafkaConsumer<>(props)) {
            consumer = kafka;
            if (metrics != null) {
                clientMetrics = metrics.bindKafka(kafka, "notify");
            }
            if (stopped) {
                return;
            }
            kafka.subscribe(notificationsTopic == null ? List.of(topic) : List.of(topic, notificationsTopic));
            while (!stopped) {
                ConsumerRecords<String, Object> records;
                try {
                    records = kafka.poll(Duration.ofMillis(500));
                    lastPollNanos = System.nanoTime();
                } catch (WakeupException e) {
                    continue;
                } catch (RecordDeserializationException e) {
                    unreadable++;
                    unreadableRead.incrementAndGet();
                    LOG.warn("notify: {}-{} offset {} cannot be read as an Alert and is skipped: {}", e.topicPartition().topic(),
                            e.topicPartition().partition(), e.offset(), e.getMessage());
                    kafka.seek(e.topicPartition(), e.offset() + 1);
                    continue;
                }
                for (ConsumerRecord<String, Object> record : records) {
                    if (record.value() instanceof Alert alert && record.topic().equals(topic)) {
                        alerts++;
                        alertsRead.incrementAndGet();
                        engine.dispatch(alert);
                    } else if (record.value() instanceof IncidentNotification notification
                            && record.topic().equals(notificationsTopic)) {
                        notifications++;
                        notificationsRead.incrementAndGet();
                        engine.dispatch(notification);
                    } else if (record.value() != null) {
                        unreadable++;
                        unreadableRead.incrementAndGet();
                        LOG.warn("notify: {}-{} offset {} is a {}, not what the topic carries; skipped", record.topic(), record.partition(),
                                record.offset(), record.value().getClass().getSimpleName());
                    }
                }
                if (!records.isEmpty()) {
                    try {
                        kafka.commitSync();
                    } catch (WakeupException e) {
                        kafka.commitSync();
                    } catch (KafkaException e) {
                        // A rebalance took the partitions: the next owner gets the batch again; de-duplication absorbs it.
                        LOG.warn("notify: offsets not committed ({}); the alerts may be delivered again", e.getMessage());
                    }
                }
                if (!statusInterval.isZero() && System.nanoTime() - nextStatus >= 0) {
                    nextStatus = System.nanoTime() + statusInterval.toNanos();
                    out.println(statusLine());
                    out.flush();
                }
            }
        } finally {
            consumer = null;
            ended = true;
            if (clientMetrics != null) {
                try {
                    clientMetrics.close();
                } catch (Exception e) {
                    LOG.debug("unbinding the consumer's metrics: {}", e.toString());
                }
            }
        }
    }

    /** {@code notify: N alerts read | name: sent ..., ...}. */
    public String statusLine() {
        return "notify: " + alerts + " alerts read" + (notifications > 0 ? ", " + notifications + " notifications" : "")
                + (unreadable > 0 ? ", " + unreadable + " unreadable" : "")
                + " | " + engine.status();
    }

    /** From any thread: ends {@link #run} after its current poll. */
    public void stop() {
        stopped = true;
        KafkaConsumer<String, Object> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }
}
