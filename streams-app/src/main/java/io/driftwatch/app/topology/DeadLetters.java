package io.driftwatch.app.topology;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** The provenance headers of a dead-lettered record (DESIGN.md "Topics"). */
public final class DeadLetters {
    public static final String REASON = "driftwatch.error.reason";
    public static final String EXCEPTION = "driftwatch.error.exception";
    public static final String TOPIC = "driftwatch.error.topic";
    public static final String PARTITION = "driftwatch.error.partition";
    public static final String OFFSET = "driftwatch.error.offset";

    private DeadLetters() {
    }

    static Headers headers(Headers original, String reason, Throwable error, RecordMetadata source) {
        Headers headers = new RecordHeaders(original.toArray());
        put(headers, REASON, reason);
        put(headers, EXCEPTION, error == null ? "" : error.getClass().getName());
        if (source != null) {
            put(headers, TOPIC, source.topic());
            put(headers, PARTITION, Integer.toString(source.partition()));
            put(headers, OFFSET, Long.toString(source.offset()));
        }
        return headers;
    }

    private static void put(Headers headers, String key, String value) {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }

    public static String header(Headers headers, String key) {
        var header = headers.lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
