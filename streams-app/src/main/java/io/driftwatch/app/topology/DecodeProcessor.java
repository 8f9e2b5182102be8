package io.driftwatch.app.topology;

import io.driftwatch.schemas.serde.SchemaRegistryUnavailableException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
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
 */
final class DecodeProcessor<V> implements Processor<String, byte[], Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(DecodeProcessor.class);

    private final Deserializer<V> deserializer;
    private final Function<V, String> validator;
    private final Function<V, String> keyOf;
    private final String decodedChild;
    private final String deadLetterChild;
    private final EnrichmentCounters counters;
    private ProcessorContext<Object, Object> context;

    /**
     * @param validator returns why a decoded value is unusable, or null when it is fine
     * @param keyOf     the key the value travels under from here on (the container id)
     */
    DecodeProcessor(Deserializer<V> deserializer, Function<V, String> validator, Function<V, String> keyOf,
                    String decodedChild, String deadLetterChild, EnrichmentCounters counters) {
        this.deserializer = deserializer;
        this.validator = validator;
        this.keyOf = keyOf;
        this.decodedChild = decodedChild;
        this.deadLetterChild = deadLetterChild;
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("?");
        V value;
        try {
            if (record.value() == null) {
                deadLetter(record, "empty value (null): a tombstone or an empty record cannot be processed", null);
                return;
            }
            value = deserializer.deserialize(topic, record.headers(), record.value());
        } catch (SchemaRegistryUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            deadLetter(record, "could not decode: " + e.getMessage(), e);
            return;
        }
        String problem = validator.apply(value);
        if (problem != null) {
            deadLetter(record, problem, null);
            return;
        }
        context.forward(new Record<Object, Object>(keyOf.apply(value), value, record.timestamp(), record.headers()),
                decodedChild);
    }

    private void deadLetter(Record<String, byte[]> record, String reason, Throwable error) {
        var source = context.recordMetadata().orElse(null);
        LOG.warn("Dead-lettering a record from {}: {}", source == null ? "?" : source.topic() + "-" + source.partition()
                + "@" + source.offset(), reason);
        counters.deadLettered();
        byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
        context.forward(new Record<Object, Object>(key, record.value(), record.timestamp(),
                DeadLetters.headers(record.headers(), reason, error, source)), deadLetterChild);
    }
}
