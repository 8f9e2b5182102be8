package io.driftwatch.app.topology;

import static io.driftwatch.app.topology.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 on the real topology (TopologyTestDriver): every hostile input class is processed as
 * documented in src/operations.md, or dead-lettered with its reason. HostileInputIT does the same
 * on a real broker and registry.
 */
class HostileInputTest {
    @TempDir
    Path dir;

    private TestPipeline pipeline(Map<String, String> settings) {
        return new TestPipeline(dir, settings, T0);
    }

    @Test
    void aMegabyteCommandLineIsCutAndMarked() {
        try (TestPipeline p = pipeline(Map.of())) {
            p.pipe(Fixtures.container("c1", T0 - 1000), T0 - 1000);
            FileEvent big = FileEvent.newBuilder(Fixtures.event("e1", "c1", T0, EventType.MODIFY, "/usr/bin/dpkg", 7, 1, "cp"))
                    .setCmdline("cp " + "A".repeat(1 << 20)).build();
            p.pipe(big);
            EnrichedEvent out = p.enriched.readValue();
            assertEquals(4096, out.getEvent().getCmdline().length());
            assertEquals(List.of("cmdline"), out.getEvent().getTruncated());
            assertEquals(1, p.counters.sanitizedCount());
            Alert alert = p.alerts.readValue();
            assertEquals("DW-FIM-001", alert.getRuleId(), "the rule still fires on the capped event");
        }
    }

    @Test
    void controlCharactersInPathsAreEscapedNotPassedOn() {
        try (TestPipeline p = pipeline(Map.of())) {
            p.pipe(Fixtures.container("c1", T0 - 1000), T0 - 1000);
            p.pipe(Fixtures.event("e1", "c1", T0, EventType.MODIFY, "/usr/bin/dpkg\u0000.txt", 7, 1, "cp"));
            EnrichedEvent out = p.enriched.readValue();
            assertEquals("/usr/bin/dpkg\\x00.txt", out.getEvent().getPath());
            p.alerts.readValuesToList().forEach(a -> assertTrue(a.getPath() == null || !a.getPath().contains("\u0000"),
                    a.getPath()));
        }
    }

    @Test
    void idsThatAreTooLongOrHoldControlsAreDeadLettered() {
        try (TestPipeline p = pipeline(Map.of())) {
            p.pipe(Fixtures.read("e".repeat(300), "c1", T0));
            p.pipe(Fixtures.read("e2", "c1\nforged", T0));
            var dead = p.deadLetter.readRecordsToList();
            assertEquals(2, dead.size());
            assertTrue(reason(dead.get(0)).contains("'eventId' is 300 characters"), reason(dead.get(0)));
            assertTrue(reason(dead.get(1)).contains("'containerId' holds control characters"), reason(dead.get(1)));
            assertTrue(p.enriched.isEmpty());
        }
    }

    @Test
    void anEventUnderAnotherKeyIsReKeyedOntoItsContainer() {
        try (TestPipeline p = pipeline(Map.of())) {
            p.pipe(Fixtures.container("c1", T0 - 1000), T0 - 1000);
            FileEvent event = Fixtures.read("e1", "c1", T0);
            byte[] bytes = p.topics.fileEventSerde().serializer().serialize(p.topics.fileEvents.name(), event);
            p.fileEvents.pipeInput("not-c1", bytes, T0);
            p.fileEvents.pipeInput((String) null, bytes, T0); // the same event again, keyless
            List<EnrichedEvent> out = p.enriched.readValuesToList();
            assertEquals(2, out.size());
            out.forEach(e -> assertEquals(Enrichment.COMPLETE, e.getEnrichment()));
            assertEquals(2, p.counters.rekeyedCount());
            assertTrue(p.deadLetter.isEmpty());
        }
    }

    @Test
    void metadataUnderAnotherKeyIsDeadLettered() {
        try (TestPipeline p = pipeline(Map.of())) {
            var m = Fixtures.container("c1", T0);
            p.metadata.pipeInput("c2", p.topics.containerMetadataSerde().serializer()
                    .serialize(p.topics.containerMetadata.name(), m), T0);
            var dead = p.deadLetter.readRecordsToList();
            assertEquals(1, dead.size());
            assertTrue(reason(dead.get(0)).contains("must be keyed by containerId"), reason(dead.get(0)));
        }
    }

    @Test
    void anExecSessionOnTheMetadataTopicIsDeadLettered() {
        try (TestPipeline p = pipeline(Map.of())) {
            ExecSession s = Fixtures.session("s1", "c1", "mallory", T0, null);
            p.metadata.pipeInput("c1", p.topics.execSessionSerde().serializer()
                    .serialize(p.topics.containerMetadata.name(), s), T0);
            var dead = p.deadLetter.readRecordsToList();
            assertEquals(1, dead.size());
            assertTrue(reason(dead.get(0)).contains("Wrong record type"), reason(dead.get(0)));
        }
    }

    @Test
    void anEventFromTheFutureGetsItsTimeOfReceiptAndOneAlertPerNode() {
        Map<String, String> settings = new HashMap<>();
        settings.put(PipelineSettings.CLOCK_SKEW_AHEAD_MS, "300000");
        try (TestPipeline p = pipeline(settings)) {
            p.pipe(Fixtures.container("c1", T0 - 1000), T0 - 1000);
            long future = T0 + Duration.ofDays(3650).toMillis();
            p.pipe(Fixtures.read("e1", "c1", future));
            p.pipe(Fixtures.read("e2", "c1", future + 1));
            List<TestRecord<String, EnrichedEvent>> out = p.enriched.readRecordsToList();
            assertEquals(2, out.size());
            for (var record : out) {
                assertEquals(T0, record.value().getEvent().getTimestamp(), "the time of receipt (the driver's clock)");
                assertTrue(record.value().getEvent().getOriginalTimestamp() >= future);
                assertEquals(T0, record.timestamp(), "written with a time the broker takes");
                assertEquals(Enrichment.COMPLETE, record.value().getEnrichment());
            }
            List<Alert> skew = p.alerts.readValuesToList().stream()
                    .filter(a -> a.getRuleId().equals(ClockSkewProcessor.RULE_ID)).toList();
            assertEquals(1, skew.size(), "one alert per node per interval");
            assertTrue(skew.get(0).getMessage().contains("node-a") && skew.get(0).getMessage().contains("3650 days ahead"),
                    skew.get(0).getMessage());
            assertEquals(2, p.counters.clockAheadCount());
        }
    }

    @Test
    void anEventFarBehindKeepsItsTimeAndRaisesAnAlert() {
        Map<String, String> settings = new HashMap<>();
        settings.put(PipelineSettings.CLOCK_SKEW_BEHIND_MS, "3600000");
        try (TestPipeline p = pipeline(settings)) {
            p.pipe(Fixtures.read("e1", "host", T0));
            long old = T0 - Duration.ofHours(5).toMillis();
            p.pipe(Fixtures.read("e2", "host", old));
            List<EnrichedEvent> out = p.enriched.readValuesToList();
            assertEquals(old, out.get(1).getEvent().getTimestamp());
            assertNull(out.get(1).getEvent().getOriginalTimestamp());
            Alert alert = p.alerts.readValuesToList().stream()
                    .filter(a -> a.getRuleId().equals(ClockSkewProcessor.RULE_ID)).findFirst().orElseThrow();
            assertTrue(alert.getMessage().contains("5 h 0 min behind"), alert.getMessage());
        }
    }

    @Test
    void outputsStayBelowTheProducerLimitWhateverTheCaps() {
        // Caps raised far past the limit: the output guard still shrinks the enriched event.
        Map<String, String> settings = Map.of(FieldCaps.MAX_CMDLINE, "10000000", "max.request.size", "200000");
        try (TestPipeline p = pipeline(settings)) {
            p.pipe(Fixtures.container("c1", T0 - 1000), T0 - 1000);
            p.pipe(FileEvent.newBuilder(Fixtures.read("e1", "c1", T0)).setCmdline("x".repeat(1 << 20)).build());
            EnrichedEvent out = p.enriched.readValue();
            assertTrue(out.getEvent().getCmdline().length() <= 256);
            assertTrue(out.getEvent().getTruncated().contains("cmdline"));
            assertEquals(1, p.counters.outputsShrunkCount());
        }
    }

    @Test
    void noRecordTimestampMovesStreamTimeFurtherAheadThanTheBound() {
        var extractor = new BoundedTimestampExtractor(300_000);
        long now = System.currentTimeMillis();
        var future = new org.apache.kafka.clients.consumer.ConsumerRecord<Object, Object>("t", 0, 0, now + 3_600_000L,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, 0, "k", "v",
                new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
        long extracted = extractor.extract(future, 0);
        assertTrue(extracted <= System.currentTimeMillis() + 300_000 && extracted >= now, "was " + extracted);
        var past = new org.apache.kafka.clients.consumer.ConsumerRecord<Object, Object>("t", 0, 0, 1_000L,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, 0, "k", "v",
                new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
        assertEquals(1_000L, extractor.extract(past, 0), "a record from the past keeps its time");
    }

    private static String reason(TestRecord<byte[], byte[]> record) {
        return DeadLetters.header(record.headers(), DeadLetters.REASON);
    }
}
