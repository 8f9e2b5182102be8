package io.driftwatch.notify;

import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.PlanDelivery;
import io.driftwatch.model.PlanRecipient;
import io.driftwatch.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports each plan notification's outcome on each channel back to the incident: an
 * {@code IncidentInput{incidentId, delivery: PlanDelivery}} keyed by the notification's groupKey to
 * driftwatch.incident-inputs, where the app folds it into the incident's plan notices. Called from the notifier
 * threads (the producer is thread-safe); idempotent producer, acks=all.
 */
public final class PlanDeliveries implements DeliveryListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PlanDeliveries.class);
    /** Detail is a log line, not a document. */
    private static final int DETAIL_MAX = 1000;

    static {
        io.driftwatch.schemas.AvroClassTrust.install(); // the builders copy defaults of the model's record types
    }

    private final Producer<String, Object> producer;
    private final String topic;
    private final AtomicLong reported = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();

    PlanDeliveries(Producer<String, Object> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /** @param clientProperties the Kafka and registry keys (bootstrap.servers, schema.registry.url, security) */
    public static PlanDeliveries start(Map<String, Object> clientProperties, String inputsTopic) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "driftwatch-notify-deliveries");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // a report must not hold a notifier thread for a minute when the brokers are away: it is logged as lost instead
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        props.keySet().removeIf(k -> k.startsWith("group.") || k.equals("isolation.level") || k.startsWith("auto.offset")
                || k.startsWith("enable.auto") || k.contains("deserializer"));
        return new PlanDeliveries(new KafkaProducer<>(props), inputsTopic);
    }

    public String topic() {
        return topic;
    }

    public long reported() {
        return reported.get();
    }

    @Override
    public void outcome(IncidentNotification n, String channel, String outcome, String detail, String reference,
                        List<PlanRecipient> recipients) {
        PlanDelivery delivery = PlanDelivery.newBuilder()
                .setNotificationId(n.getNotificationId())
                .setChannel(channel)
                .setOutcome(outcome)
                .setAt(System.currentTimeMillis())
                .setRecipients(recipients == null ? List.of() : recipients)
                .setDetail(detail == null ? null : AlertText.truncate(detail, DETAIL_MAX))
                .setReference(reference)
                .build();
        IncidentInput input = IncidentInput.newBuilder().setIncidentId(n.getIncidentId()).setDelivery(delivery).build();
        LOG.info("notify: {} on {}: {}{}", n.getNotificationId(), channel, outcome,
                detail == null ? "" : " (" + detail + ")");
        producer.send(new ProducerRecord<>(topic, n.getGroupKey(), input), (metadata, error) -> {
            if (error == null) {
                reported.incrementAndGet();
            } else {
                lost.incrementAndGet();
                LOG.warn("notify: the {} report of {} on {} was not written to {}: {}", outcome, n.getNotificationId(),
                        channel, topic, error.toString());
            }
        });
    }

    @Override
    public void close() {
        producer.flush();
        producer.close(Duration.ofSeconds(10));
    }
}
