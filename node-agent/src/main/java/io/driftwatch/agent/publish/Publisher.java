package io.driftwatch.agent.publish;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the agent's records to Kafka, keyed by container id: FileEvents through a bounded buffer (when
 * it is full the sensor's event is dropped and counted, the sensor never blocks), ContainerMetadata
 * directly from the watcher's thread.
 *
 * <p>Nothing accepted is lost while Kafka is away: the producer retries without a delivery timeout
 * (idempotent, so a retry never duplicates), and when its own memory is full the sending thread waits
 * and tries the same record again; meanwhile the bounded buffer fills and, past it, the sensor counts
 * its drops. {@link #close} sends what is buffered (within a bound) before it returns.
 */
public final class Publisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

    /**
     * @param bootstrapServers Kafka
     * @param registryUrl      the Confluent-compatible schema registry
     * @param eventsTopic      driftwatch.file-events (or the configured name)
     * @param metadataTopic    driftwatch.container-metadata
     * @param bufferCapacity   FileEvents held while Kafka is slow or away (default 100,000)
     * @param producerOverrides extra producer settings (security, etc.)
     */
    public record Config(String bootstrapServers, String registryUrl, String eventsTopic, String metadataTopic,
            int bufferCapacity, Map<String, Object> producerOverrides) {
    }

    private final Config config;
    private final BlockingQueue<FileEvent> buffer;
    private final Producer<String, SpecificRecord> producer;
    private final Thread sender;
    private volatile boolean running = true;
    private volatile boolean draining;
    public final AtomicLong sent = new AtomicLong();
    public final AtomicLong acknowledged = new AtomicLong();
    public final AtomicLong failed = new AtomicLong();
    public final AtomicLong metadataSent = new AtomicLong();
    /** True while Kafka is not taking records (the sender waits and retries one). */
    private volatile boolean stalled;

    public Publisher(Config config) {
        this.config = config;
        this.buffer = new ArrayBlockingQueue<>(config.bufferCapacity());
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "driftwatch-agent");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        props.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 131_072);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, config.registryUrl());
        props.putAll(config.producerOverrides());
        AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
        values.configure(props, false);
        this.producer = new KafkaProducer<>(props, new StringSerializer(), values);
        this.sender = new Thread(this::sendLoop, "driftwatch-agent-publisher");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    /** Queues a FileEvent; false when the buffer is full (the caller counts the drop). */
    public boolean offer(FileEvent event) {
        return running && buffer.offer(event);
    }

    /** Sends container metadata now (before the container's events, which go through the buffer). */
    public void metadata(ContainerMetadata metadata) {
        send(new ProducerRecord<>(config.metadataTopic(), metadata.getContainerId(), metadata), metadataSent);
    }

    public int buffered() {
        return buffer.size();
    }

    /** Whether Kafka refuses to take records now (the buffer fills meanwhile). */
    public boolean stalled() {
        return stalled;
    }

    /** Whether the sending thread runs. */
    public boolean alive() {
        return sender.isAlive();
    }

    /** Registers the publisher's meters (src/monitoring.md) and its producer's client metrics. */
    public void bindTo(io.driftwatch.metrics.ProcessMetrics metrics) {
        var registry = metrics.registry();
        io.micrometer.core.instrument.Gauge.builder("driftwatch.publisher.buffer.events", buffer, BlockingQueue::size)
                .description("File events waiting in the agent's buffer for Kafka").register(registry);
        io.micrometer.core.instrument.Gauge.builder("driftwatch.publisher.buffer.capacity", config,
                        c -> c.bufferCapacity())
                .description("The buffer's size (--buffer); past it the sensor drops events").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.publisher.records", sent, AtomicLong::doubleValue)
                .tag("record", "file-event").description("Records handed to the producer").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.publisher.records", metadataSent,
                AtomicLong::doubleValue).tag("record", "container-metadata").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.publisher.acknowledged", acknowledged,
                AtomicLong::doubleValue).description("Records Kafka acknowledged").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.publisher.failures", failed,
                AtomicLong::doubleValue).description("Records that could not be delivered").register(registry);
        metrics.bindKafka(producer, "agent-publisher");
    }

    private void sendLoop() {
        List<FileEvent> batch = new ArrayList<>(1024);
        while (running || draining && !buffer.isEmpty()) {
            try {
                FileEvent first = buffer.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                buffer.drainTo(batch, 1023);
                sendAll(batch);
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Sends a batch taken from the buffer. A method of its own so that the JIT compiles it normally, once; in the
     * loop that never returns it was compiled on stack replacement, again as the counters grew.
     */
    private void sendAll(List<FileEvent> batch) {
        for (int i = 0; i < batch.size(); i++) {
            FileEvent e = batch.get(i);
            send(new ProducerRecord<>(config.eventsTopic(), e.getContainerId(), e), sent);
        }
    }

    /**
     * Sends one record, waiting (and retrying the same record) while the producer cannot take it. A
     * record the producer could not even queue (no metadata, or its memory full, within max.block.ms) is
     * failed at once through the callback, on this thread: that is the signal to try again. Once queued,
     * the producer retries it without a delivery timeout; only a non-retriable error fails it then.
     */
    private void send(ProducerRecord<String, SpecificRecord> record, AtomicLong counter) {
        long warned = 0;
        Thread caller = Thread.currentThread();
        while (true) {
            RuntimeException[] notQueued = {null};
            try {
                producer.send(record, (md, error) -> {
                    if (error == null) {
                        acknowledged.incrementAndGet();
                    } else if (Thread.currentThread() == caller && error instanceof TimeoutException timeout) {
                        notQueued[0] = timeout;
                    } else {
                        failed.incrementAndGet();
                        LOG.error("record for container {} not delivered: {}", record.key(), error.toString());
                    }
                });
            } catch (TimeoutException e) {
                notQueued[0] = e;
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                LOG.error("record for container {} refused: {}", record.key(), e.toString());
                return;
            }
            if (notQueued[0] == null) {
                counter.incrementAndGet();
                stalled = false;
                return;
            }
            stalled = true;
            // Kafka is away or slow: keep the record and try again.
            long now = System.currentTimeMillis();
            if (now - warned > 30_000) {
                LOG.warn("Kafka not taking records at {} ({}); holding {} events, retrying", config.bootstrapServers(),
                        notQueued[0].getMessage(), buffer.size());
                warned = now;
            }
            if (!running && !draining) {
                failed.incrementAndGet();
                return;
            }
        }
    }

    /** Flushes what was sent so far (waits for the broker's acknowledgements). */
    public void flush() {
        producer.flush();
    }

    /** Sends what is still buffered, waiting at most {@code timeout}, then closes the producer. */
    public void close(Duration timeout) {
        draining = true;
        running = false;
        try {
            sender.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        draining = false;
        if (!buffer.isEmpty()) {
            LOG.warn("closing with {} events not sent", buffer.size());
        }
        producer.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
