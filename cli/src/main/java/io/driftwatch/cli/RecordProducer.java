package io.driftwatch.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What an adapter's ingest writes with: an idempotent producer ({@code acks=all}) of Avro records
 * through the configured schema registry (Confluent wire format), String keys, each record stamped
 * with its event time, to the topic of one role of the catalogue. Sends are asynchronous; the first
 * failure is kept and thrown by {@link #check()} and {@link #flush()}. Every non-driftwatch key of
 * the configuration reaches the producer and the serializer (security, timeouts, registry auth).
 */
public final class RecordProducer implements AutoCloseable {
    private final KafkaProducer<String, SpecificRecord> producer;
    private final String topic;
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    public RecordProducer(DriftwatchConfig config, String role) {
        config.require(DriftwatchConfig.BOOTSTRAP_SERVERS);
        config.require(DriftwatchConfig.SCHEMA_REGISTRY_URL);
        this.topic = TopicCatalog.builtIn().name(role, config);
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "driftwatch-ingest-" + role);
        this.producer = new KafkaProducer<>(props);
    }

    public String topic() {
        return topic;
    }

    /** Sends one record; throws the first failure of an earlier send, if any. */
    public void send(String key, long timestamp, SpecificRecord value) throws Exception {
        check();
        producer.send(new ProducerRecord<>(topic, null, timestamp, key, value), (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                acknowledged.incrementAndGet();
            }
        });
    }

    /** Waits until everything sent is acknowledged; throws the first failure. */
    public void flush() throws Exception {
        producer.flush();
        check();
    }

    /** Throws the first failure of a send so far, if any. */
    public void check() throws Exception {
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("could not write to " + topic + ": " + e.getMessage(), e);
        }
    }

    /** Records the broker acknowledged. */
    public long acknowledged() {
        return acknowledged.get();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
