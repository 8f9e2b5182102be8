package io.driftwatch.agent.respond;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's responder: reads {@code response-commands} (every partition, its own consumer group per
 * node, acting only on records keyed by this node), hands each to the {@link CommandHandler}, and
 * publishes what came of it to {@code response-results} (keyed by node) and, for a refused rate-limited
 * action, an alert to {@code alerts}. Offsets are committed after the result is acknowledged; a command
 * delivered again is recognised by its id and not acted on twice.
 *
 * <p>Two more inputs: {@code response-results} from every node (pauses and kills by others, for the
 * global rate limit) and {@code enriched-events} (the recent trail of this node's containers, for
 * evidence bundles).
 */
public final class Responder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Responder.class);
    private static final int TRAIL_PER_CONTAINER = 2_000;
    private static final long TRAIL_MS = 10 * 60_000L;

    /** Kafka settings and topic names. */
    public record Config(String bootstrapServers, String registryUrl, String topicPrefix, String node) {
        String topic(String role) {
            return topicPrefix + role;
        }
    }

    private final Config config;
    private final CommandHandler handler;
    private final Predicate<String> onThisNode;
    private final KafkaConsumer<String, Object> commands;
    private final KafkaConsumer<String, Object> side;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final Map<String, Deque<EnrichedEvent>> trails = new ConcurrentHashMap<>();
    private final Thread commandThread;
    private final Thread sideThread;
    private volatile boolean running = true;
    public final AtomicLong results = new AtomicLong();
    public final Map<ResponseStatus, AtomicLong> byStatus = new ConcurrentHashMap<>();

    /**
     * @param onThisNode whether a container id belongs to this node (the runtime watcher knows): only
     *                   their enriched events are kept for the trail
     */
    public Responder(Config config, CommandHandler handler, Predicate<String> onThisNode) {
        this.config = config;
        this.handler = handler;
        this.onThisNode = onThisNode;
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "driftwatch-responder-" + config.node());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        c.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, config.registryUrl());
        c.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        this.commands = new KafkaConsumer<>(c);
        Map<String, Object> s = new HashMap<>(c);
        s.remove(ConsumerConfig.GROUP_ID_CONFIG);
        s.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        this.side = new KafkaConsumer<>(s);
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, config.registryUrl());
        AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
        values.configure(p, false);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), values);
        this.commandThread = new Thread(this::commandLoop, "responder-commands");
        this.sideThread = new Thread(this::sideLoop, "responder-trail");
        commandThread.setDaemon(true);
        sideThread.setDaemon(true);
    }

    public Responder start() {
        sideThread.start();
        commandThread.start();
        return this;
    }

    /** The recent enriched events of a container (oldest first), as kept for evidence bundles. */
    public List<EnrichedEvent> trail(String containerId) {
        Deque<EnrichedEvent> d = trails.get(containerId);
        if (d == null) {
            return List.of();
        }
        synchronized (d) {
            return new ArrayList<>(d);
        }
    }

    private void commandLoop() {
        try {
            commands.subscribe(List.of(config.topic("response-commands")));
            while (running) {
                var records = commands.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, Object> r : records) {
                    if (!(r.value() instanceof ResponseCommand command)) {
                        continue;
                    }
                    try {
                        var decision = handler.handle(r.key(), command);
                        if (decision.isPresent()) {
                            publish(decision.get().result(), decision.get().alert());
                        }
                    } catch (Exception e) {
                        // The audit log or the handled-ids file could not be written: say so on the results
                        // topic rather than only in this node's log (the offset is committed all the same).
                        LOG.error("handling command {} failed: {}", command.getCommandId(), e.toString(), e);
                        publish(ResponseResult.newBuilder().setCommandId(String.valueOf(command.getCommandId()))
                                .setNode(config.node()).setAction(command.getAction()).setStatus(ResponseStatus.FAILED)
                                .setDetail("responder error: " + e).setFinishedAt(System.currentTimeMillis()).build(), null);
                    }
                }
                if (!records.isEmpty()) {
                    producer.flush();
                    commands.commitSync();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("responder stopped: {}", e.toString(), e);
        }
    }

    private void publish(ResponseResult result, Alert alert) {
        producer.send(new ProducerRecord<>(config.topic("response-results"), config.node(), result));
        if (alert != null) {
            producer.send(new ProducerRecord<>(config.topic("alerts"), alert.getContainerId(), alert));
        }
        results.incrementAndGet();
        byStatus.computeIfAbsent(result.getStatus(), s -> new AtomicLong()).incrementAndGet();
    }

    private void sideLoop() {
        try {
            List<TopicPartition> parts = new ArrayList<>();
            for (String role : List.of("response-results", "enriched-events")) {
                side.partitionsFor(config.topic(role), Duration.ofSeconds(30))
                        .forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
            }
            side.assign(parts);
            // Only the recent past matters: the last minute of results, the last ten minutes of trail.
            Map<TopicPartition, Long> since = new HashMap<>();
            long now = System.currentTimeMillis();
            for (TopicPartition tp : parts) {
                since.put(tp, tp.topic().endsWith("results") ? now - 60_000 : now - TRAIL_MS);
            }
            side.offsetsForTimes(since).forEach((tp, ot) -> {
                if (ot == null) {
                    side.seekToEnd(List.of(tp));
                } else {
                    side.seek(tp, ot.offset());
                }
            });
            String results = config.topic("response-results");
            while (running) {
                for (ConsumerRecord<String, Object> r : side.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(results) && r.value() instanceof ResponseResult res) {
                        if (!config.node().equals(res.getNode()) && res.getStatus() == ResponseStatus.DONE
                                && CommandHandler.STOPPING.contains(res.getAction())) {
                            handler.otherNodeStopped(res.getFinishedAt());
                        }
                    } else if (r.value() instanceof EnrichedEvent e && onThisNode.test(r.key())) {
                        Deque<EnrichedEvent> d = trails.computeIfAbsent(r.key(), k -> new ArrayDeque<>());
                        synchronized (d) {
                            d.addLast(e);
                            long cutoff = e.getEvent().getTimestamp() - TRAIL_MS;
                            while (d.size() > TRAIL_PER_CONTAINER
                                    || !d.isEmpty() && d.peekFirst().getEvent().getTimestamp() < cutoff) {
                                d.removeFirst();
                            }
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("responder's trail reader stopped: {}", e.toString(), e);
        }
    }

    @Override
    public void close() {
        running = false;
        commands.wakeup();
        side.wakeup();
        try {
            commandThread.join(10_000);
            sideThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commands.close(Duration.ofSeconds(5));
        side.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(10));
        try {
            handler.close();
        } catch (java.io.IOException e) {
            LOG.warn("closing the handler: {}", e.toString());
        }
    }
}
