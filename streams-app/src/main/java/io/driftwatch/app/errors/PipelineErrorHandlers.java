package io.driftwatch.app.errors;

import io.driftwatch.app.topology.DeadLetters;
import io.driftwatch.app.topology.EnrichmentCounters;
import io.driftwatch.schemas.serde.SchemaRegistryUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when something fails on the way through the app (src/operations.md, "Hostile
 * input"). A failure that belongs to one record (it cannot be deserialized, a processor throws on
 * it, its output cannot be serialized or is refused as too large) sends that record, as it was
 * read, to the dead-letter topic with the reason, is counted, and processing goes on. A failure
 * that is not the record's fault (the schema registry or the broker unreachable) is never skipped:
 * the stream thread stops without committing, the uncaught-exception handler replaces it (counted,
 * with a growing pause), and the new thread reads the same records again from the last commit.
 */
public final class PipelineErrorHandlers {
    /** Configuration keys through which the app hands its counters and dead-letter topic to the handlers. */
    public static final String COUNTERS = "driftwatch.internal.counters";
    public static final String DEAD_LETTER_TOPIC = "driftwatch.internal.dead.letter.topic";
    private static final Logger LOG = LoggerFactory.getLogger(PipelineErrorHandlers.class);

    private PipelineErrorHandlers() {
    }

    /** Installs the three handlers in Kafka Streams' properties. */
    public static void configure(Properties props, EnrichmentCounters counters, String deadLetterTopic) {
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, Deserialization.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, Processing.class.getName());
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, Production.class.getName());
        props.put(COUNTERS, counters);
        props.put(DEAD_LETTER_TOPIC, deadLetterTopic);
    }

    /** Replaces a dead stream thread, counted; after repeated deaths it waits longer (up to 30 s) before doing so. */
    public static StreamsUncaughtExceptionHandler replaceThread(EnrichmentCounters counters) {
        return new StreamsUncaughtExceptionHandler() {
            private long lastDeath;
            private int recentDeaths;

            @Override
            public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
                counters.threadReplaced();
                long now = System.currentTimeMillis();
                recentDeaths = now - lastDeath < 60_000 ? recentDeaths + 1 : 0;
                lastDeath = now;
                long pause = Math.min(30_000, recentDeaths == 0 ? 0 : 250L << Math.min(7, recentDeaths));
                LOG.error("A stream thread stopped ({}); replacing it{}: its tasks resume from their last commit",
                        describe(exception), pause == 0 ? "" : " in " + Duration.ofMillis(pause).toMillis() + " ms",
                        exception);
                sleep(pause);
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            }
        };
    }

    /** Sets the handler on a KafkaStreams that is not started yet. */
    public static void install(KafkaStreams streams, EnrichmentCounters counters) {
        streams.setUncaughtExceptionHandler(replaceThread(counters));
    }

    /** True when the failure is not the record's fault, so that skipping the record would lose it. */
    static boolean notTheRecordsFault(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryUnavailableException || t instanceof RetriableException
                    || t instanceof org.apache.kafka.streams.errors.TaskMigratedException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    abstract static class Base {
        EnrichmentCounters counters = new EnrichmentCounters();
        String deadLetterTopic = "driftwatch.dead-letter";

        public void configure(Map<String, ?> configs) {
            if (configs.get(COUNTERS) instanceof EnrichmentCounters c) {
                counters = c;
            }
            if (configs.get(DEAD_LETTER_TOPIC) instanceof String topic) {
                deadLetterTopic = topic;
            }
        }

        ProducerRecord<byte[], byte[]> deadLetter(ErrorHandlerContext context, String reason, Throwable error) {
            Headers headers = new RecordHeaders(context.headers() == null ? new org.apache.kafka.common.header.Header[0]
                    : context.headers().toArray());
            put(headers, DeadLetters.REASON, reason);
            put(headers, DeadLetters.EXCEPTION, error == null ? "" : error.getClass().getName());
            if (context.topic() != null) {
                put(headers, DeadLetters.TOPIC, context.topic());
                put(headers, DeadLetters.PARTITION, Integer.toString(context.partition()));
                put(headers, DeadLetters.OFFSET, Long.toString(context.offset()));
            }
            return new ProducerRecord<>(deadLetterTopic, null, null, context.sourceRawKey(), context.sourceRawValue(),
                    headers);
        }

        private static void put(Headers headers, String key, String value) {
            headers.remove(key);
            headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A record that cannot be deserialized at the source: dead-lettered, counted, skipped. */
    public static final class Deserialization extends Base implements DeserializationExceptionHandler {
        @Override
        public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                    Exception exception) {
            if (notTheRecordsFault(exception)) {
                LOG.warn("Could not deserialize a record from {}-{}@{} ({}); the thread stops and reads it again",
                        context.topic(), context.partition(), context.offset(), describe(exception));
                return Response.fail();
            }
            counters.deserializationError();
            LOG.warn("Dead-lettering an undeserializable record from {}-{}@{}: {}", context.topic(), context.partition(),
                    context.offset(), describe(exception));
            counters.deadLetter(io.driftwatch.app.topology.EnrichmentCounters.DeadLetterReason.DESERIALIZATION_FAILED);
            return Response.resume(List.of(deadLetter(context, "could not deserialize: " + describe(exception),
                    exception)));
        }
    }

    /** A processor threw on a record (or a punctuation threw): the record is dead-lettered, processing goes on. */
    public static final class Processing extends Base implements ProcessingExceptionHandler {
        @Override
        public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            if (notTheRecordsFault(exception)) {
                LOG.warn("Processing in {} failed for a reason that is not the record's ({}); the thread stops and "
                        + "reads it again", context.processorNodeId(), describe(exception));
                return Response.fail();
            }
            counters.processingError();
            LOG.error("Processing failed in {} for the record from {}-{}@{}; it is dead-lettered and processing goes on",
                    context.processorNodeId(), context.topic(), context.partition(), context.offset(), exception);
            if (context.sourceRawValue() == null && context.sourceRawKey() == null) {
                return Response.resume(); // a punctuation: there is no record to keep
            }
            counters.deadLetter(io.driftwatch.app.topology.EnrichmentCounters.DeadLetterReason.PROCESSING_FAILED);
            return Response.resume(List.of(deadLetter(context, "processing failed in " + context.processorNodeId()
                    + ": " + describe(exception), exception)));
        }
    }

    /**
     * An output that cannot be written. Too large, or refused for its timestamp: the input is
     * dead-lettered and processing goes on (the app's caps and time checks make both unexpected).
     * Anything retriable is retried; anything else stops the thread, which is replaced.
     */
    public static final class Production extends Base implements ProductionExceptionHandler {
        @Override
        public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                    Exception exception) {
            counters.productionError();
            if (exception instanceof org.apache.kafka.common.errors.RecordTooLargeException
                    || exception instanceof org.apache.kafka.common.errors.InvalidTimestampException) {
                LOG.error("The broker or producer refused a record for {} ({}); its input is dead-lettered",
                        record.topic(), describe(exception));
                counters.deadLetter(io.driftwatch.app.topology.EnrichmentCounters.DeadLetterReason.OUTPUT_REFUSED);
                return Response.resume(List.of(deadLetter(context, "output to " + record.topic() + " refused: "
                        + describe(exception), exception)));
            }
            if (exception instanceof RetriableException) {
                LOG.warn("Writing to {} failed ({}); retrying", record.topic(), describe(exception));
                return Response.retry();
            }
            LOG.error("Writing to {} failed ({}); the thread stops and reads its input again", record.topic(),
                    describe(exception));
            return Response.fail();
        }

        @Override
        public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                                 SerializationExceptionOrigin origin) {
            if (notTheRecordsFault(exception)) {
                LOG.warn("Could not serialize a record for {} ({}); the thread stops and reads its input again",
                        record.topic(), describe(exception));
                return Response.fail();
            }
            counters.productionError();
            LOG.error("Could not serialize a record for {} ({}); its input is dead-lettered", record.topic(),
                    describe(exception), exception);
            counters.deadLetter(io.driftwatch.app.topology.EnrichmentCounters.DeadLetterReason.OUTPUT_REFUSED);
            return Response.resume(List.of(deadLetter(context, "could not serialize the output to " + record.topic()
                    + ": " + describe(exception), exception)));
        }
    }

    static String describe(Throwable exception) {
        String message = exception.getMessage();
        String text = exception.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        return io.driftwatch.schemas.text.FieldText.escapeControls(io.driftwatch.schemas.text.FieldText.cap(text, 2000));
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
