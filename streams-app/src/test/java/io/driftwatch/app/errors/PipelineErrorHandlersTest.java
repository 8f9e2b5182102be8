package io.driftwatch.app.errors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.topology.DeadLetters;
import io.driftwatch.app.topology.EnrichmentCounters;
import io.driftwatch.schemas.serde.SchemaRegistryUnavailableException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * The handlers decide per failure: the record's fault is dead-lettered (as it was read, with the
 * reason and where it came from) and counted; a failure that is not the record's is never skipped.
 */
class PipelineErrorHandlersTest {
    private final EnrichmentCounters counters = new EnrichmentCounters();

    private <T extends PipelineErrorHandlers.Base> T configured(T handler) {
        Map<String, Object> configs = new HashMap<>();
        configs.put(PipelineErrorHandlers.COUNTERS, counters);
        configs.put(PipelineErrorHandlers.DEAD_LETTER_TOPIC, "t.dead-letter");
        handler.configure(configs);
        return handler;
    }

    private static ErrorHandlerContext context(byte[] key, byte[] value) {
        Headers headers = new RecordHeaders();
        headers.add("trace", "abc".getBytes(StandardCharsets.UTF_8));
        return new ErrorHandlerContext() {
            public String topic() {
                return "t.file-events";
            }

            public int partition() {
                return 1;
            }

            public long offset() {
                return 42;
            }

            public Headers headers() {
                return headers;
            }

            public String processorNodeId() {
                return "evaluate-rules";
            }

            public TaskId taskId() {
                return new TaskId(0, 1);
            }

            public long timestamp() {
                return 1000;
            }

            public byte[] sourceRawKey() {
                return key;
            }

            public byte[] sourceRawValue() {
                return value;
            }
        };
    }

    @Test
    void aProcessorThrowingOnARecordDeadLettersItAndGoesOn() {
        var handler = configured(new PipelineErrorHandlers.Processing());
        byte[] value = {0, 0, 0, 0, 7, 1, 2};
        var response = handler.handleError(context("c1".getBytes(StandardCharsets.UTF_8), value),
                new Record<>("c1", "decoded", 1000), new IllegalStateException("rule blew up"));
        assertEquals(ProcessingExceptionHandler.Result.RESUME, response.result());
        List<ProducerRecord<byte[], byte[]>> dead = response.deadLetterQueueRecords();
        assertEquals(1, dead.size());
        ProducerRecord<byte[], byte[]> record = dead.get(0);
        assertEquals("t.dead-letter", record.topic());
        assertArrayEquals(value, record.value(), "the record as it was read");
        assertEquals("processing failed in evaluate-rules: IllegalStateException: rule blew up",
                DeadLetters.header(record.headers(), DeadLetters.REASON));
        assertEquals("t.file-events", DeadLetters.header(record.headers(), DeadLetters.TOPIC));
        assertEquals("42", DeadLetters.header(record.headers(), DeadLetters.OFFSET));
        assertEquals("abc", DeadLetters.header(record.headers(), "trace"), "the record's own headers are kept");
        assertEquals(1, counters.processingErrorCount());
    }

    @Test
    void anUnreachableRegistryIsNeverSkipped() {
        var handler = configured(new PipelineErrorHandlers.Processing());
        var response = handler.handleError(context(null, new byte[] {0}), new Record<>("k", "v", 1),
                new RuntimeException(new SchemaRegistryUnavailableException("registry down", null)));
        assertEquals(ProcessingExceptionHandler.Result.FAIL, response.result());
        assertEquals(0, counters.processingErrorCount());
    }

    @Test
    void anOutputRefusedForItsSizeOrTimeIsDeadLetteredARetriableOneRetried() {
        var handler = configured(new PipelineErrorHandlers.Production());
        var out = new ProducerRecord<byte[], byte[]>("t.enriched-events", new byte[] {1}, new byte[] {2});
        var tooLarge = handler.handleError(context(null, new byte[] {9}), out, new RecordTooLargeException("big"));
        assertEquals(ProductionExceptionHandler.Result.RESUME, tooLarge.result());
        assertTrue(DeadLetters.header(tooLarge.deadLetterQueueRecords().get(0).headers(), DeadLetters.REASON)
                .startsWith("output to t.enriched-events refused: RecordTooLargeException"));
        assertEquals(ProductionExceptionHandler.Result.RESUME, handler.handleError(context(null, new byte[] {9}), out,
                new InvalidTimestampException("future")).result());
        assertEquals(ProductionExceptionHandler.Result.RETRY, handler.handleError(context(null, new byte[] {9}), out,
                new NotLeaderOrFollowerException("moving")).result());
        assertEquals(ProductionExceptionHandler.Result.FAIL, handler.handleError(context(null, new byte[] {9}), out,
                new IllegalStateException("unknown")).result());
        assertEquals(4, counters.productionErrorCount());
    }

    @Test
    void theUncaughtHandlerReplacesTheThreadAndCounts() {
        var handler = PipelineErrorHandlers.replaceThread(counters);
        assertEquals(org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                .REPLACE_THREAD, handler.handle(new RuntimeException("broker gone")));
        assertEquals(1, counters.threadsReplacedCount());
    }
}
