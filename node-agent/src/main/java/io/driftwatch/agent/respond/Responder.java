package io.driftwatch.agent.respond;

import io.driftwatch.agent.RateLimitedLog;
import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.schemas.commands.NodeCommandTopics;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.schemas.serde.SchemaRegistryUnavailableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's responder: reads {@code response-commands} (every partition, its own consumer group per
 * node, acting only on records keyed by this node), or only its node's own topic {@code response-commands.<node>}
 * when so configured ({@link Config#commandsTopic}), hands each to the {@link CommandHandler}, and
 * publishes what came of it to {@code response-results} (keyed by node) and, for a refused rate-limited
 * action, an alert to {@code alerts}. Offsets are committed after the results are acknowledged; a command
 * delivered again is recognised by its id and not acted on twice.
 *
 * <p>Two more inputs: {@code response-results} from every node (pauses and kills by others, for the
 * global rate limit) and {@code enriched-events} (the recent trail of this node's containers, for
 * evidence bundles).
 *
 * <p>No single record and no outage ends either reader; only {@link #close} does:
 * <ul>
 * <li>a record that cannot be deserialized (not Avro, unknown schema id, corrupt) is skipped: the reader
 *     seeks past it, counts it ({@link #unreadable}) and logs it (rate-limited). On response-commands, one
 *     keyed by this node also goes to {@code dead-letter} as it was, with the headers DESIGN.md names (it
 *     has no command id, so no ResponseResult can say so); one keyed by another node is left to that node;
 * <li>a record that cannot be read because the schema registry does not answer is fine: it is read again,
 *     with a backoff of 100 ms doubling to 10 s, not skipped; so are other read, commit and publish
 *     failures (broker gone), each counted in {@link #retried};
 * <li>a command whose handling throws gets a FAILED result ({@link #handlingFailed}).
 * </ul>
 */
public final class Responder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Responder.class);
    private static final int TRAIL_PER_CONTAINER = 2_000;
    private static final long TRAIL_MS = 10 * 60_000L;
    static final long BACKOFF_FIRST_MS = 100;
    static final long BACKOFF_MAX_MS = 10_000;

    /**
     * Kafka settings and topic names.
     *
     * @param clientOverrides settings added to every consumer and producer the responder makes (Kafka's and the
     *                        schema registry client's, e.g. {@code max.retries})
     */
    public record Config(String bootstrapServers, String registryUrl, String topicPrefix, String node,
            Map<String, Object> clientOverrides, boolean nodeCommandsTopic) {
        public Config(String bootstrapServers, String registryUrl, String topicPrefix, String node) {
            this(bootstrapServers, registryUrl, topicPrefix, node, Map.of());
        }

        public Config(String bootstrapServers, String registryUrl, String topicPrefix, String node,
                Map<String, Object> clientOverrides) {
            this(bootstrapServers, registryUrl, topicPrefix, node, clientOverrides, false);
        }

        String topic(String role) {
            return topicPrefix + role;
        }

        /**
         * Where this node's commands come from: its own topic {@code <prefix>response-commands.<node>} when
         * {@code nodeCommandsTopic} (what per-node ACLs grant a node; src/security.md), else the shared
         * {@code <prefix>response-commands}, every node's commands, of which it takes those keyed by its name. An
         * {@link IllegalArgumentException} when the node's name cannot be part of a topic name.
         */
        public String commandsTopic() {
            return nodeCommandsTopic ? NodeCommandTopics.topic(topic("response-commands"), node) : topic("response-commands");
        }
    }

    private final Config config;
    private final CommandHandler handler;
    private final Predicate<String> onThisNode;
    private final KafkaConsumer<String, Object> commands;
    private final KafkaConsumer<String, Object> side;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final Map<String, Object> producerProps;
    private KafkaProducer<byte[], byte[]> deadLetters; // made when first needed, by the command thread
    private final Map<String, Deque<EnrichedEvent>> trails = new ConcurrentHashMap<>();
    private final Thread commandThread;
    private final Thread sideThread;
    private final RateLimitedLog unreadableLog = new RateLimitedLog(LOG, 10_000);
    private final RateLimitedLog retryLog = new RateLimitedLog(LOG, 10_000);
    /** Sent by the command thread and not yet acknowledged: checked before offsets are committed. */
    private final List<Unacked> unacked = new ArrayList<>();
    private volatile boolean running = true;
    public final AtomicLong results = new AtomicLong();
    public final Map<ResponseStatus, AtomicLong> byStatus = new ConcurrentHashMap<>();
    /** Records skipped because they could not be deserialized (any topic the responder reads). */
    public final AtomicLong unreadable = new AtomicLong();
    /** Unreadable command records keyed by this node written to the dead-letter topic (acknowledged). */
    public final AtomicLong deadLettered = new AtomicLong();
    /** Reads, commits and publications that failed and were tried again (registry unreachable, broker gone). */
    public final AtomicLong retried = new AtomicLong();
    /** Commands whose handling threw; each got a FAILED result. */
    public final AtomicLong handlingFailed = new AtomicLong();
    /** Results or alerts that could not be published for a reason a retry cannot cure (left out, logged). */
    public final AtomicLong publishFailed = new AtomicLong();

    /** Results published, by action and status: {@code outcomes[action.ordinal()][status.ordinal()]}. */
    private final AtomicLong[][] outcomes = new AtomicLong[io.driftwatch.model.ResponseAction.values().length]
            [ResponseStatus.values().length];
    {
        for (AtomicLong[] byStatus : outcomes) {
            for (int i = 0; i < byStatus.length; i++) {
                byStatus[i] = new AtomicLong();
            }
        }
    }
    /** When the command consumer last polled without an error (System.nanoTime), or 0 before it has. */
    private volatile long lastPollNanos;

    private record Unacked(ProducerRecord<String, SpecificRecord> record, Future<RecordMetadata> sent) {
    }

    /**
     * @param onThisNode whether a container id belongs to this node (the runtime watcher knows): only
     *                   their enriched events are kept for the trail
     */
    public Responder(Config config, CommandHandler handler, Predicate<String> onThisNode) {
        this.config = config;
        this.handler = handler;
        this.onThisNode = onThisNode;
        Map<String, Object> c = new HashMap<>(config.clientOverrides());
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "driftwatch-responder-" + config.node());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        if (config.nodeCommandsTopic()) {
            // The app creates the node's topic with its first command: notice it within seconds, not metadata.max.age.ms.
            c.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5_000);
        }
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        c.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, config.registryUrl());
        c.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        this.commands = new KafkaConsumer<>(c);
        Map<String, Object> s = new HashMap<>(c);
        s.remove(ConsumerConfig.GROUP_ID_CONFIG);
        s.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        this.side = new KafkaConsumer<>(s);
        Map<String, Object> p = new HashMap<>(config.clientOverrides());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, config.registryUrl());
        this.producerProps = p;
        AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
        values.configure(p, false);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), values);
        this.commandThread = new Thread(this::commandLoop, "responder-commands");
        this.sideThread = new Thread(this::sideLoop, "responder-trail");
        commandThread.setDaemon(true);
        sideThread.setDaemon(true);
    }

    /**
     * Registers the responder's meters (src/monitoring.md): outcomes by action and status, what was skipped, retried or
     * failed, the circuit breaker's state, and its Kafka clients (the command consumer's lag among them).
     */
    public void bindTo(io.driftwatch.metrics.ProcessMetrics metrics) {
        io.micrometer.core.instrument.MeterRegistry registry = metrics.registry();
        for (io.driftwatch.model.ResponseAction action : io.driftwatch.model.ResponseAction.values()) {
            for (ResponseStatus status : ResponseStatus.values()) {
                io.micrometer.core.instrument.FunctionCounter.builder("driftwatch.responder.outcomes",
                                outcomes[action.ordinal()][status.ordinal()], AtomicLong::doubleValue)
                        .tag("action", action.name()).tag("result", status.name())
                        .description("Response commands handled, by action and result (published to response-results)")
                        .register(registry);
            }
        }
        counter(registry, "driftwatch.responder.unreadable", unreadable, "Command records that could not be read, skipped");
        counter(registry, "driftwatch.responder.retries", retried, "Reads, commits and publications tried again");
        counter(registry, "driftwatch.responder.handling.failures", handlingFailed, "Commands whose handling threw");
        counter(registry, "driftwatch.responder.publish.failures", publishFailed, "Results that could not be published");
        io.micrometer.core.instrument.Gauge.builder("driftwatch.circuit.breaker.state", handler, CommandHandler::breakerState)
                .tag("breaker", "responder")
                .description("A circuit breaker's state: 0 closed, 1 open (disruptive actions refused), 2 half-open")
                .register(registry);
        metrics.bindKafka(commands, "responder-commands");
        metrics.bindKafka(side, "responder-trail");
        metrics.bindKafka(producer, "responder-results");
    }

    private static void counter(io.micrometer.core.instrument.MeterRegistry registry, String name, AtomicLong value,
                                String description) {
        io.micrometer.core.instrument.FunctionCounter.builder(name, value, AtomicLong::doubleValue)
                .description(description).register(registry);
    }

    /** Live while its command thread runs (or it has not been started). */
    public io.driftwatch.metrics.Health live() {
        if (running && commandThread.getState() == Thread.State.TERMINATED) {
            return io.driftwatch.metrics.Health.down("the responder's command thread ended");
        }
        return io.driftwatch.metrics.Health.up("the responder's command thread runs");
    }

    /** Ready once its command consumer polls without errors (within the last 30 s). */
    public io.driftwatch.metrics.Health ready() {
        long last = lastPollNanos;
        if (last == 0) {
            return io.driftwatch.metrics.Health.down("the responder has not read its commands topic yet");
        }
        long ago = (System.nanoTime() - last) / 1_000_000;
        return ago < 30_000 ? io.driftwatch.metrics.Health.up("commands read " + ago + " ms ago")
                : io.driftwatch.metrics.Health.down("no successful read of the commands topic for " + ago
                        + " ms (Kafka or the registry away?)");
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

    /** One line for the agent's status: results by status, and what was skipped, failed or retried. */
    public String status() {
        return results.get() + " results " + byStatus + ", " + unreadable.get() + " unreadable records skipped ("
                + deadLettered.get() + " dead-lettered), " + handlingFailed.get() + " commands failed in handling, "
                + retried.get() + " failures retried" + (publishFailed.get() == 0 ? "" : ", " + publishFailed.get()
                + " results not published");
    }

    private void commandLoop() {
        Backoff backoff = new Backoff();
        boolean subscribed = false;
        while (running) {
            try {
                if (!subscribed) {
                    commands.subscribe(List.of(config.commandsTopic()));
                    subscribed = true;
                }
                var records = commands.poll(Duration.ofMillis(200));
                lastPollNanos = System.nanoTime();
                for (ConsumerRecord<String, Object> r : records) {
                    command(r);
                }
                if (!records.isEmpty() && acknowledged()) {
                    commands.commitSync();
                }
                backoff.reset();
            } catch (RecordDeserializationException e) {
                if (registryUnavailable(e)) {
                    retry("reading " + e.topicPartition() + " at offset " + e.offset(), e, backoff);
                } else {
                    try {
                        skipCommand(e);
                    } catch (RuntimeException seekFailed) { // the partition taken away meanwhile: it is read again
                        retry("skipping the record at " + e.topicPartition() + " offset " + e.offset(), seekFailed, backoff);
                    }
                }
            } catch (WakeupException e) {
                // close() woke the consumer: the loop's condition decides
            } catch (RuntimeException e) {
                // The broker or the registry away (a commit timing out, a fetch failing): read again, later. What
                // was handled but not committed is delivered again and recognised by its command id.
                retry("reading commands", e, backoff);
            }
        }
    }

    /** One command: handled, and its result published; never throws (a failure becomes a FAILED result). */
    private void command(ConsumerRecord<String, Object> r) {
        if (!(r.value() instanceof ResponseCommand command)) {
            if (r.value() != null && config.node().equals(r.key())) {
                unreadable.incrementAndGet();
                unreadableLog.warn("responder: " + r.topic() + "-" + r.partition() + " offset " + r.offset() + " holds a "
                        + r.value().getClass().getSimpleName() + ", not a ResponseCommand: skipped", null);
            }
            return;
        }
        Optional<CommandHandler.Decision> decision;
        try {
            decision = handler.handle(r.key(), command);
        } catch (Exception | StackOverflowError e) {
            // The audit log or the handled-ids file could not be written, or a bug: say so on the results topic
            // rather than only in this node's log (the offset is committed all the same).
            handlingFailed.incrementAndGet();
            LOG.error("handling command {} failed: {}", command.getCommandId(), e.toString(), e);
            decision = Optional.of(new CommandHandler.Decision(ResponseResult.newBuilder()
                    .setCommandId(String.valueOf(command.getCommandId())).setNode(config.node())
                    .setAction(command.getAction()).setStatus(ResponseStatus.FAILED).setDetail("responder error: " + e)
                    .setFinishedAt(System.currentTimeMillis()).build(), null));
        }
        if (decision.isPresent()) {
            publish(decision.get().result(), decision.get().alert());
        }
    }

    /**
     * A command record that cannot be deserialized: counted, logged, dead-lettered when it is keyed by this node,
     * and skipped (the position moves past it, and that is committed, so a restart does not meet it again).
     */
    private void skipCommand(RecordDeserializationException e) {
        TopicPartition tp = e.topicPartition();
        unreadable.incrementAndGet();
        String key = bytes(e.keyBuffer()) == null ? null : new String(bytes(e.keyBuffer()), StandardCharsets.UTF_8);
        boolean ours = config.node().equals(key);
        unreadableLog.error("responder: the record at " + tp + " offset " + e.offset() + " (key " + key
                + ") cannot be read: " + reason(e) + "; skipped" + (ours ? ", sent to " + config.topic("dead-letter") : ""), null);
        if (ours) {
            deadLetter(e, tp);
        }
        commands.seek(tp, e.offset() + 1);
        try {
            commands.commitSync(Map.of(tp, new OffsetAndMetadata(e.offset() + 1)));
        } catch (RuntimeException commitFailed) {
            // committed with the next batch instead; a restart before then dead-letters the record again
            LOG.debug("committing past an unreadable record: {}", commitFailed.toString());
        }
    }

    private void deadLetter(RecordDeserializationException e, TopicPartition tp) {
        try {
            if (deadLetters == null) {
                Map<String, Object> p = new HashMap<>(producerProps);
                p.put(ProducerConfig.CLIENT_ID_CONFIG, "driftwatch-responder-dead-letter-" + config.node());
                deadLetters = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
            }
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            RecordHeaders headers = new RecordHeaders();
            if (e.headers() != null) {
                e.headers().forEach(headers::add);
            }
            headers.add("driftwatch.error.reason", utf8(reason(e)));
            headers.add("driftwatch.error.exception", utf8(cause.getClass().getName()));
            headers.add("driftwatch.error.topic", utf8(tp.topic()));
            headers.add("driftwatch.error.partition", utf8(Integer.toString(tp.partition())));
            headers.add("driftwatch.error.offset", utf8(Long.toString(e.offset())));
            deadLetters.send(new ProducerRecord<>(config.topic("dead-letter"), null, null, bytes(e.keyBuffer()),
                    bytes(e.valueBuffer()), headers), (metadata, failed) -> {
                        if (failed == null) {
                            deadLettered.incrementAndGet();
                        } else {
                            unreadableLog.error("responder: could not dead-letter the record at " + tp + " offset "
                                    + e.offset() + ": " + failed, null);
                        }
                    });
        } catch (RuntimeException failed) {
            unreadableLog.error("responder: could not dead-letter the record at " + tp + " offset " + e.offset() + ": "
                    + failed, null);
        }
    }

    private static String reason(RecordDeserializationException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return String.valueOf(cause.getMessage());
    }

    private static boolean registryUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryUnavailableException) {
                return true;
            }
        }
        return false;
    }

    /** Whether a publication failure may pass: the registry or the broker away, not a record that is wrong. */
    private static boolean retriable(Throwable e) {
        return registryUnavailable(e) || e instanceof RetriableException;
    }

    private void retry(String what, RuntimeException e, Backoff backoff) {
        retried.incrementAndGet();
        long wait = backoff.next();
        Throwable cause = e.getCause();
        retryLog.warn("responder: " + what + " failed (" + e + (cause == null ? "" : "; cause: " + cause) + "); trying again in "
                + wait + " ms", null);
        pause(wait);
    }

    private void publish(ResponseResult result, Alert alert) {
        if (send(new ProducerRecord<>(config.topic("response-results"), config.node(), result))) {
            results.incrementAndGet();
            byStatus.computeIfAbsent(result.getStatus(), s -> new AtomicLong()).incrementAndGet();
            if (result.getAction() != null && result.getStatus() != null) {
                outcomes[result.getAction().ordinal()][result.getStatus().ordinal()].incrementAndGet();
            }
        }
        if (alert != null) {
            send(new ProducerRecord<>(config.topic("alerts"), alert.getContainerId(), alert));
        }
    }

    /**
     * Hands a record to the producer, trying again (with the backoff) while the registry or the broker is away; false
     * when it cannot be sent for good (counted in publishFailed) or the responder is closing.
     */
    private boolean send(ProducerRecord<String, SpecificRecord> record) {
        Backoff backoff = new Backoff();
        while (running) {
            try {
                unacked.add(new Unacked(record, producer.send(record)));
                return true;
            } catch (RuntimeException e) {
                if (!retriable(e)) {
                    publishFailed.incrementAndGet();
                    LOG.error("responder: a record for {} cannot be published and is left out: {}", record.topic(), e.toString(), e);
                    return false;
                }
                retry("publishing to " + record.topic(), e, backoff);
            }
        }
        return false;
    }

    /**
     * Waits until everything sent is acknowledged, sending again what failed for a reason that may pass; false when
     * the responder is closing first (then nothing is committed, and the commands come again after a restart).
     */
    private boolean acknowledged() {
        Backoff backoff = new Backoff();
        while (!unacked.isEmpty()) {
            producer.flush();
            List<Unacked> again = new ArrayList<>();
            RuntimeException last = null;
            for (Unacked u : unacked) {
                try {
                    u.sent().get();
                } catch (ExecutionException e) {
                    if (retriable(e.getCause())) {
                        again.add(u);
                        last = e.getCause() instanceof RuntimeException r ? r : new RuntimeException(e.getCause());
                    } else {
                        publishFailed.incrementAndGet();
                        LOG.error("responder: a record for {} was refused and is left out: {}", u.record().topic(),
                                String.valueOf(e.getCause()), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            unacked.clear();
            if (again.isEmpty()) {
                break;
            }
            if (!running) {
                return false;
            }
            retry("publishing " + again.size() + " record(s)", last, backoff);
            for (Unacked u : again) {
                send(u.record());
            }
        }
        return running;
    }

    private void sideLoop() {
        Backoff backoff = new Backoff();
        String results = config.topic("response-results");
        boolean assigned = false;
        while (running) {
            try {
                if (!assigned) {
                    assignSide();
                    assigned = true;
                }
                for (ConsumerRecord<String, Object> r : side.poll(Duration.ofMillis(200))) {
                    try {
                        sideRecord(r, results);
                    } catch (RuntimeException e) {
                        unreadable.incrementAndGet();
                        unreadableLog.error("responder: the record at " + r.topic() + "-" + r.partition() + " offset "
                                + r.offset() + " could not be used: " + e + "; skipped", e);
                    }
                }
                backoff.reset();
            } catch (RecordDeserializationException e) {
                if (registryUnavailable(e)) {
                    retry("reading " + e.topicPartition() + " at offset " + e.offset(), e, backoff);
                } else {
                    // The app's own outputs, read by every node: counted and skipped here, not dead-lettered.
                    unreadable.incrementAndGet();
                    unreadableLog.error("responder: the record at " + e.topicPartition() + " offset " + e.offset()
                            + " cannot be read: " + reason(e) + "; skipped", null);
                    try {
                        side.seek(e.topicPartition(), e.offset() + 1);
                    } catch (RuntimeException seekFailed) {
                        retry("skipping the record at " + e.topicPartition() + " offset " + e.offset(), seekFailed, backoff);
                    }
                }
            } catch (WakeupException e) {
                // close() woke the consumer: the loop's condition decides
            } catch (RuntimeException e) {
                retry("reading the trail and other nodes' results", e, backoff);
            }
        }
    }

    private void assignSide() {
        List<TopicPartition> parts = new ArrayList<>();
        for (String role : List.of("response-results", "enriched-events")) {
            List<org.apache.kafka.common.PartitionInfo> found = side.partitionsFor(config.topic(role), Duration.ofSeconds(30));
            if (found == null || found.isEmpty()) {
                throw new IllegalStateException("topic " + config.topic(role) + " not found (yet)");
            }
            found.forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
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
    }

    private void sideRecord(ConsumerRecord<String, Object> r, String results) {
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

    /** Sleeps up to {@code ms}, in slices, so that close() is not kept waiting. */
    private void pause(long ms) {
        long until = System.currentTimeMillis() + ms;
        Thread.interrupted(); // a stray interrupt must not turn the backoff into a busy loop
        while (running) {
            long left = until - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            try {
                Thread.sleep(Math.min(left, 100));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** 100 ms, doubling to 10 s; back to 100 ms after a success. */
    static final class Backoff {
        private long next = BACKOFF_FIRST_MS;

        long next() {
            long wait = next;
            next = Math.min(next * 2, BACKOFF_MAX_MS);
            return wait;
        }

        void reset() {
            next = BACKOFF_FIRST_MS;
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
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
        if (deadLetters != null) {
            deadLetters.close(Duration.ofSeconds(10));
        }
        try {
            handler.close();
        } catch (java.io.IOException e) {
            LOG.warn("closing the handler: {}", e.toString());
        }
    }
}
