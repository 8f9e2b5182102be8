package io.driftwatch.app.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.registry.InMemorySchemaRegistry;
import io.driftwatch.schemas.serde.AvroSerde;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The last guard before the producer: nothing written is larger than the producer takes. */
class OutputBoundsTest {
    @Test
    void aDeadLetterTooLargeKeepsItsFirstBytesAndSaysSo() {
        EnrichmentCounters counters = new EnrichmentCounters();
        var serializer = OutputBounds.deadLetter(1000, counters);
        byte[] small = new byte[1000];
        assertSame(small, serializer.serialize("dl", new RecordHeaders(), small));
        RecordHeaders headers = new RecordHeaders();
        byte[] out = serializer.serialize("dl", headers, new byte[5000]);
        assertEquals(500, out.length);
        assertEquals("value cut to its first 500 of 5000 bytes",
                DeadLetters.header(headers, OutputBounds.TRUNCATED_HEADER));
        assertEquals(1, counters.outputsShrunkCount());
    }

    @Test
    void aRawRecordTooLargeForTheReKeyTopicIsWrittenAgainWithinTheCaps() {
        var registry = InMemorySchemaRegistry.scope("bounds");
        var serde = AvroSerde.specific(FileEvent.class, registry)
                .configuredForValues(Map.of("schema.registry.url", "mock://bounds"));
        FileEvent big = FileEvent.newBuilder(Fixtures.read("e1", "c1", Fixtures.T0)).setCmdline("x".repeat(200_000))
                .build();
        byte[] raw = serde.serializer().serialize("t", big);
        EnrichmentCounters counters = new EnrichmentCounters();
        var serializer = OutputBounds.rawAvro(serde.deserializer(), FieldCaps.defaults()::apply, serde.serializer(),
                100_000, counters);
        FileEvent back = serde.deserializer().deserialize("t", serializer.serialize("t", raw));
        assertEquals(4096, back.getCmdline().length());
        assertEquals(List.of("cmdline"), back.getTruncated());
        assertTrue(counters.outputsShrunkCount() == 1);
    }
}
