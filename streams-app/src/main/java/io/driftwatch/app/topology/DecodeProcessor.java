package io.driftwatch.app.topology;

import io.driftwatch.schemas.serde.SchemaRegistryUnavailableException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes an input record; one that cannot be decoded, or lacks a required field, goes to the
 * dead-letter topic as it arrived, with the reason in its headers, and processing goes on. An
 * unreachable registry is not the record's fault: that error stops the task (nothing is
 * committed), so the record is read again once the registry is back.
 *
 * <p>A decoded value is brought within the {@link FieldCaps} ({@code normalize}); then its key is
 * checked against the key it must travel under ({@link KeyPolicy}): a record on the wrong
 * partition would be joined away from its container's metadata and sessions.
 */
final class DecodeProcessor<V> implements Processor<String, byte[], Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(DecodeProcessor.class);

    private final Deserializer<V> deserializer;
    private final Function<V, String> validator;
    private final Function<V, String> keyOf;
    private final UnaryOperator<V> normalize;
    private final KeyPolicy keyPolicy;
    private final String decodedChild;
    private final String rekeyChild;
    private final String deadLetterChild;
    private final EnrichmentCounters counters;
    /** Records read from this decoder's input topic, or null where another processor counts them. */
    private final io.micrometer.core.instrument.Counter in;
    private ProcessorContext<Object, Object> context;
    private long lastLogged;
    private long suppressed;

    /**
     * @param validator returns why a decoded value is unusable, or null when it is fine
     * @param keyOf     the key the value travels under from here on (the container id)
     */
    DecodeProcessor(Deserializer<V> deserializer, Function<V, String> validator, Function<V, String> keyOf,
                    String decodedChild, String deadLetterChild, EnrichmentCounters counters) {
        this(deserializer, validator, keyOf, UnaryOperator.identity(), KeyPolicy.ANY, decodedChild, null, deadLetterChild,
                counters, null);
    }

    /**
     * @param normalize  brings a valid value within the caps (the same instance when nothing changed)
     * @param keyPolicy  what happens to a record whose key is not {@code keyOf(value)}
     * @param rekeyChild with {@link KeyPolicy#REKEY}: a sink to a topic co-partitioned with the input
     * @param inputRole  the input topic's role, for the records-read counter (null: counted before this processor)
     */
    DecodeProcessor(Deserializer<V> deserializer, Function<V, String> validator, Function<V, String> keyOf,
                    UnaryOperator<V> normalize, KeyPolicy keyPolicy, String decodedChild, String rekeyChild,
                    String deadLetterChild, EnrichmentCounters counters, String inputRole) {
        this.in = inputRole == null ? null : counters.input(inputRole);
        this.deserializer = deserializer;
        this.validator = validator;
        this.keyOf = keyOf;
        this.normalize = normalize;
        this.keyPolicy = keyPolicy;
        this.decodedChild = decodedChild;
        this.rekeyChild = rekeyChild;
        this.deadLetterChild = deadLetterChild;
        this.counters = counters;
    }

    /** What a record whose key is not the one its value must travel under gets. */
    enum KeyPolicy {
        /** Nothing: the topic is not partitioned by that key, or an earlier step re-keyed it. */
        ANY,
        /** Written, as it arrived, to the re-key topic under its right key; read back there on the right partition. */
        REKEY,
        /** Dead-lettered: a compacted topic keeps the last record per key, so a wrong key cannot be repaired here. */
        DEAD_LETTER,
        /** Processed where it is, with a warning: it came from the re-key topic, so it is never re-keyed twice. */
        LOCAL
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (in != null) {
            in.increment();
        }
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("?");
        V value;
        try {
            if (record.value() == null) {
                deadLetter(record, "empty value (null): a tombstone or an empty record cannot be processed", null,
                        EnrichmentCounters.DeadLetterReason.EMPTY_VALUE);
                return;
            }
            value = deserializer.deserialize(topic, record.headers(), record.value());
        } catch (SchemaRegistryUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            deadLetter(record, "could not decode: " + e.getMessage(), e, EnrichmentCounters.DeadLetterReason.UNDECODABLE);
            return;
        }
        String problem = validator.apply(value);
        if (problem != null) {
            deadLetter(record, problem, null, EnrichmentCounters.DeadLetterReason.INVALID);
            return;
        }
        String key = keyOf.apply(value);
        if (!Objects.equals(key, record.key())) {
            switch (keyPolicy) {
                case REKEY -> {
                    counters.rekeyed();
                    context.forward(new Record<Object, Object>(key, record.value(), record.timestamp(), record.headers()),
                            rekeyChild);
                    return;
                }
                case DEAD_LETTER -> {
                    deadLetter(record, "keyed " + (record.key() == null ? "null" : "'" + shortKey(record.key()) + "'")
                            + " but its containerId is '" + key + "': this topic must be keyed by containerId", null,
                            EnrichmentCounters.DeadLetterReason.WRONG_KEY);
                    return;
                }
                case LOCAL -> warnLimited("A record on " + topic + " keyed '" + shortKey(record.key()) + "' names '" + key
                        + "': processed on this partition");
                default -> {
                }
            }
        }
        V normalized = normalize.apply(value);
        if (normalized != value) {
            counters.sanitized();
        }
        context.forward(new Record<Object, Object>(key, normalized, record.timestamp(), record.headers()),
                decodedChild);
    }

    /** At most one line a second per task and input: a flood of bad records must not become a flood of log. */
    private void warnLimited(String line) {
        long now = System.currentTimeMillis();
        if (now - lastLogged >= 1000) {
            LOG.warn("{}{}", line, suppressed == 0 ? "" : " (and " + suppressed + " more in the last "
                    + (now - lastLogged) + " ms)");
            lastLogged = now;
            suppressed = 0;
        } else {
            suppressed++;
        }
    }

    private static String shortKey(String key) {
        return key == null ? null : io.driftwatch.schemas.text.FieldText.escapeControls(
                io.driftwatch.schemas.text.FieldText.cap(key, 80));
    }

    private void deadLetter(Record<String, byte[]> record, String reason, Throwable error,
                            EnrichmentCounters.DeadLetterReason kind) {
        var source = context.recordMetadata().orElse(null);
        warnLimited("Dead-lettering a record from " + (source == null ? "?" : source.topic() + "-" + source.partition()
                + "@" + source.offset()) + ": " + reason);
        counters.deadLettered();
        counters.deadLetter(kind);
        byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
        context.forward(new Record<Object, Object>(key, record.value(), record.timestamp(),
                DeadLetters.headers(record.headers(), reason, error, source)), deadLetterChild);
    }
}
