package io.driftwatch.app.topology;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.FileEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The last guard before the producer: an output larger than the producer accepts
 * ({@link FieldCaps#maxRecordBytes}, from {@code max.request.size}) would fail the write and, under
 * exactly-once, the whole transaction. The input caps keep outputs far below it; should a
 * configuration allow more, the record is shrunk (its text fields cut hard, named in
 * {@code truncated}) rather than refused. Dead-letter values keep their first bytes, with the
 * original size in a header.
 */
final class OutputBounds {
    static final String TRUNCATED_HEADER = "driftwatch.error.truncated";
    private static final int HARD_TEXT = 256;
    private static final int HARD_ENTRIES = 16;
    private static final FieldCaps HARD = new FieldCaps(HARD_TEXT, HARD_TEXT, HARD_TEXT, HARD_ENTRIES, Integer.MAX_VALUE,
            Integer.MAX_VALUE);

    private OutputBounds() {
    }

    static Serializer<EnrichedEvent> enriched(Serializer<EnrichedEvent> inner, int maxBytes, EnrichmentCounters counters) {
        return bounded(inner, maxBytes, counters, OutputBounds::shrink);
    }

    static Serializer<Alert> alerts(Serializer<Alert> inner, int maxBytes, EnrichmentCounters counters) {
        return bounded(inner, maxBytes, counters, OutputBounds::shrink);
    }

    /** A state store's serde whose writes (to its changelog) are bounded the same way. */
    static <T> org.apache.kafka.common.serialization.Serde<T> store(org.apache.kafka.common.serialization.Serde<T> inner,
                                                                   int maxBytes, EnrichmentCounters counters,
                                                                   UnaryOperator<T> shrink) {
        return org.apache.kafka.common.serialization.Serdes.serdeFrom(bounded(inner.serializer(), maxBytes, counters,
                shrink), inner.deserializer());
    }

    static FileEvent shrink(FileEvent event) {
        return HARD.apply(event);
    }

    static ContainerMetadata shrink(ContainerMetadata metadata) {
        return HARD.apply(metadata);
    }

    static Serializer<byte[]> deadLetter(int maxBytes, EnrichmentCounters counters) {
        return (HeaderSerializer<byte[]>) (topic, headers, data) -> {
            if (data == null || data.length <= maxBytes) {
                return data;
            }
            counters.outputShrunk();
            if (headers != null) {
                headers.remove(TRUNCATED_HEADER);
                headers.add(TRUNCATED_HEADER, ("value cut to its first " + maxBytes / 2 + " of " + data.length
                        + " bytes").getBytes(StandardCharsets.UTF_8));
            }
            return Arrays.copyOf(data, maxBytes / 2);
        };
    }

    /**
     * For raw records passed on to a re-key topic: one larger than the producer takes (it came in
     * compressed) is decoded, brought within the caps and written again.
     */
    static <T> Serializer<byte[]> rawAvro(org.apache.kafka.common.serialization.Deserializer<T> deserializer,
                                          UnaryOperator<T> caps, Serializer<T> serializer, int maxBytes,
                                          EnrichmentCounters counters) {
        return (HeaderSerializer<byte[]>) (topic, headers, data) -> {
            if (data == null || data.length <= maxBytes) {
                return data;
            }
            counters.outputShrunk();
            T value = deserializer.deserialize(topic, data);
            return serializer.serialize(topic, caps.apply(value));
        };
    }

    /** A serializer written once, for the form with headers. */
    @FunctionalInterface
    private interface HeaderSerializer<T> extends Serializer<T> {
        @Override
        default byte[] serialize(String topic, T data) {
            return serialize(topic, null, data);
        }

        @Override
        byte[] serialize(String topic, Headers headers, T data);
    }

    private static <T> Serializer<T> bounded(Serializer<T> inner, int maxBytes, EnrichmentCounters counters,
                                             UnaryOperator<T> shrink) {
        return new Serializer<>() {
            @Override
            public byte[] serialize(String topic, T data) {
                return serialize(topic, null, data);
            }

            @Override
            public byte[] serialize(String topic, Headers headers, T data) {
                byte[] bytes = headers == null ? inner.serialize(topic, data) : inner.serialize(topic, headers, data);
                if (bytes == null || bytes.length <= maxBytes) {
                    return bytes;
                }
                counters.outputShrunk();
                T smaller = shrink.apply(data);
                byte[] again = headers == null ? inner.serialize(topic, smaller) : inner.serialize(topic, headers, smaller);
                if (again.length > maxBytes) {
                    throw new RecordTooLargeException("A record for " + topic + " is " + again.length
                            + " bytes even with every text field cut to " + HARD_TEXT + " characters; the limit is "
                            + maxBytes + " (max.request.size less " + FieldCaps.RECORD_MARGIN + ")");
                }
                return again;
            }

            @Override
            public void configure(Map<String, ?> configs, boolean isKey) {
                inner.configure(configs, isKey);
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    static EnrichedEvent shrink(EnrichedEvent enriched) {
        FileEvent event = HARD.apply(enriched.getEvent());
        ContainerMetadata container = enriched.getContainer() == null ? null : HARD.apply(enriched.getContainer());
        List<String> users = enriched.getUsers().size() <= HARD_ENTRIES ? enriched.getUsers()
                : enriched.getUsers().subList(0, HARD_ENTRIES);
        if (users != enriched.getUsers()) {
            Set<String> names = new LinkedHashSet<>(event.getTruncated());
            names.add("users");
            event = FileEvent.newBuilder(event).setTruncated(List.copyOf(names)).build();
        }
        List<String> sessions = enriched.getSessions().size() <= HARD_ENTRIES ? enriched.getSessions()
                : enriched.getSessions().subList(0, HARD_ENTRIES);
        return EnrichedEvent.newBuilder(enriched).setEvent(event).setContainer(container).setUsers(List.copyOf(users))
                .setSessions(List.copyOf(sessions)).build();
    }

    static Alert shrink(Alert alert) {
        Map<String, String> evidence = new TreeMap<>();
        alert.getEvidence().forEach((k, v) -> {
            if (evidence.size() < HARD_ENTRIES) {
                evidence.put(cut(k), cut(v));
            }
        });
        List<String> eventIds = alert.getEventIds().size() <= HARD_ENTRIES ? alert.getEventIds()
                : alert.getEventIds().subList(0, HARD_ENTRIES);
        List<String> tags = new java.util.ArrayList<>(alert.getTags());
        tags.add("truncated:output");
        return Alert.newBuilder(alert).setEvidence(evidence).setEventIds(List.copyOf(eventIds))
                .setMessage(cut(alert.getMessage())).setPath(cut(alert.getPath()))
                .setProcessName(cut(alert.getProcessName())).setImage(cut(alert.getImage()))
                .setContainerName(cut(alert.getContainerName())).setPodName(cut(alert.getPodName()))
                .setNamespace(cut(alert.getNamespace())).setNode(cut(alert.getNode()))
                .setUsers(alert.getUsers().size() <= HARD_ENTRIES ? alert.getUsers()
                        : List.copyOf(alert.getUsers().subList(0, HARD_ENTRIES)))
                .setSessions(alert.getSessions().size() <= HARD_ENTRIES ? alert.getSessions()
                        : List.copyOf(alert.getSessions().subList(0, HARD_ENTRIES)))
                .setTags(tags).build();
    }

    private static String cut(String value) {
        return io.driftwatch.schemas.text.FieldText.cap(value, HARD_TEXT);
    }
}
