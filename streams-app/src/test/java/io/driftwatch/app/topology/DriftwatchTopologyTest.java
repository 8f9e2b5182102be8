package io.driftwatch.app.topology;

import static io.driftwatch.app.topology.Fixtures.T0;
import static io.driftwatch.app.topology.Fixtures.container;
import static io.driftwatch.app.topology.Fixtures.event;
import static io.driftwatch.app.topology.Fixtures.read;
import static io.driftwatch.app.topology.Fixtures.session;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriftwatchTopologyTest {
    @TempDir
    Path stateDir;

    private TestPipeline pipeline() {
        return new TestPipeline(stateDir, Map.of(PipelineSettings.METADATA_GRACE_MS, "5000",
                PipelineSettings.METADATA_WALL_CLOCK_MS, "10000"), T0);
    }

    private static List<KeyValue<String, FileEvent>> held(TestPipeline p) {
        KeyValueStore<String, FileEvent> store = p.driver.getKeyValueStore(StoreNames.HELD_EVENTS);
        try (KeyValueIterator<String, FileEvent> it = store.all()) {
            List<KeyValue<String, FileEvent>> all = new java.util.ArrayList<>();
            it.forEachRemaining(all::add);
            return all;
        }
    }

    @Test
    void metadataFirstGivesCompleteEnrichment() {
        try (TestPipeline p = pipeline()) {
            p.pipe(container("c1", T0), T0);
            p.pipe(read("e1", "c1", T0 + 1000));
            EnrichedEvent out = p.enriched.readValue();
            assertEquals(Enrichment.COMPLETE, out.getEnrichment());
            assertEquals("shop", out.getContainer().getNamespace());
            assertEquals("registry.example/app:1", out.getContainer().getImage());
            assertTrue(p.enriched.isEmpty());
        }
    }

    @Test
    void metadataValidAtTheEventsTimeIsUsed() {
        try (TestPipeline p = pipeline()) {
            p.pipe(container("c1", T0), T0);
            var renamed = io.driftwatch.model.ContainerMetadata.newBuilder(container("c1", T0))
                    .setStoppedAt(T0 + 5000).setImage("registry.example/app:2").build();
            p.pipe(renamed, T0 + 5000);
            p.pipe(read("before-stop", "c1", T0 + 1000));
            p.pipe(read("after-stop", "c1", T0 + 6000));
            assertEquals("registry.example/app:1", p.enriched.readValue().getContainer().getImage());
            assertEquals("registry.example/app:2", p.enriched.readValue().getContainer().getImage());
        }
    }

    @Test
    void aVersionArrivingAfterEventsWereEnrichedReplacesTheOneTheyUsed() {
        try (TestPipeline p = pipeline()) {
            p.pipe(container("c1", T0), T0);
            p.pipe(read("first", "c1", T0 + 1000)); // the task now holds version 1, valid from T0 on
            var stopped = io.driftwatch.model.ContainerMetadata.newBuilder(container("c1", T0))
                    .setStoppedAt(T0 + 5000).setImage("registry.example/app:2").build();
            p.pipe(stopped, T0 + 5000);
            p.pipe(read("before-stop", "c1", T0 + 2000));
            p.pipe(read("after-stop", "c1", T0 + 6000));
            assertEquals("registry.example/app:1", p.enriched.readValue().getContainer().getImage());
            assertEquals("registry.example/app:1", p.enriched.readValue().getContainer().getImage());
            assertEquals("registry.example/app:2", p.enriched.readValue().getContainer().getImage(),
                    "the version written after the first event is the one valid after the stop");
        }
    }

    @Test
    void anEventWhoseMetadataComesLateIsHeldThenEnriched() {
        try (TestPipeline p = pipeline()) {
            p.pipe(read("e1", "c1", T0 + 1000));
            assertTrue(p.enriched.isEmpty(), "held, not emitted without metadata");
            assertEquals(1, held(p).size());
            p.pipe(container("c1", T0 + 500), T0 + 1500);
            EnrichedEvent out = p.enriched.readValue();
            assertEquals("e1", out.getEvent().getEventId());
            assertEquals(Enrichment.METADATA_LATE, out.getEnrichment());
            assertEquals("app-c1", out.getContainer().getPodName());
            assertTrue(held(p).isEmpty());
            assertEquals(1, p.counters.lateCount());
        }
    }

    @Test
    void anEventWithoutMetadataIsEmittedAsMissingOnceStreamTimePassesTheGrace() {
        try (TestPipeline p = pipeline()) {
            p.pipe(container("c2", T0), T0);
            p.pipe(read("orphan", "c1", T0 + 1000));
            p.pipe(read("other", "c2", T0 + 3000));
            assertEquals("other", p.enriched.readValue().getEvent().getEventId());
            assertTrue(p.enriched.isEmpty(), "still within the grace");
            p.pipe(read("later", "c2", T0 + 7000));
            List<EnrichedEvent> out = p.enriched.readValuesToList();
            EnrichedEvent orphan = out.stream().filter(e -> e.getEvent().getEventId().equals("orphan")).findFirst().orElseThrow();
            assertEquals(Enrichment.METADATA_MISSING, orphan.getEnrichment());
            assertNull(orphan.getContainer());
            assertTrue(held(p).isEmpty());
            assertEquals(1, p.counters.missingCount());
        }
    }

    @Test
    void anIdlePartitionFlushesHeldEventsByWallClock() {
        try (TestPipeline p = pipeline()) {
            p.pipe(read("lonely", "c9", T0 + 1000));
            p.advanceWallClock(Duration.ofSeconds(5));
            assertTrue(p.enriched.isEmpty(), "not yet: the wall-clock bound is 10 s");
            p.advanceWallClock(Duration.ofSeconds(6));
            assertEquals(Enrichment.METADATA_MISSING, p.enriched.readValue().getEnrichment());
        }
    }

    @Test
    void hostEventsPassAtOnce() {
        try (TestPipeline p = pipeline()) {
            FileEvent h = read("h1", "host", T0);
            h.setNode("node-7");
            h.setSource("fanotify-host");
            p.pipe(h);
            // Not held: out at once, with no wall-clock or stream-time advance and no metadata record ever published.
            EnrichedEvent out = p.enriched.readValue();
            assertEquals(Enrichment.COMPLETE, out.getEnrichment());
            assertEquals("h1", out.getEvent().getEventId());
            assertEquals("host", out.getContainer().getContainerId());
            assertEquals("node-7", out.getContainer().getNode());
            assertEquals("host", out.getContainer().getRuntime());
            assertEquals("node-7", out.getContainer().getContainerName());
            assertNull(out.getContainer().getNamespace());
            assertTrue(p.enriched.isEmpty());
            // A container event with no metadata is still held meanwhile: host events do not flush anything.
            p.pipe(read("c-1", "c9", T0 + 10));
            p.pipe(read("h2", "host", T0 + 20));
            EnrichedEvent second = p.enriched.readValue();
            assertEquals("h2", second.getEvent().getEventId());
            assertTrue(p.enriched.isEmpty(), "c9's event waits for its metadata");
        }
    }

    @Test
    void execSessionUsersGoToSessionProcessesNotToTheWorkload() {
        try (TestPipeline p = pipeline()) {
            p.pipe(container("c1", T0), T0);
            p.pipe(session("s1", "c1", "alice", T0 + 1000, T0 + 60_000));
            p.pipe(session("s2", "c1", "bob", T0 + 2000, null));
            p.pipe(event("shell", "c1", T0 + 3000, EventType.EXEC, "/bin/sh", 900, 0, "sh"));
            p.pipe(event("child", "c1", T0 + 4000, EventType.OPEN_WRITE, "/etc/passwd", 901, 900, "vi"));
            p.pipe(event("workload", "c1", T0 + 4500, EventType.MODIFY, "/var/log/app.log", 1, 0, "java"));
            p.pipe(event("worker", "c1", T0 + 4600, EventType.MODIFY, "/tmp/cache", 40, 1, "java"));
            p.pipe(event("after-alice", "c1", T0 + 70_000, EventType.OPEN_READ, "/etc/hosts", 901, 900, "vi"));
            Map<String, List<String>> users = new java.util.HashMap<>();
            p.enriched.readValuesToList().forEach(e -> users.put(e.getEvent().getEventId(), e.getUsers()));
            assertEquals(List.of("alice", "bob"), users.get("shell"));
            assertEquals(List.of("alice", "bob"), users.get("child"));
            assertEquals(List.of(), users.get("workload"));
            assertEquals(List.of(), users.get("worker"), "a descendant of the init is workload");
            assertEquals(List.of("bob"), users.get("after-alice"), "alice's session ended; bob's is still open");
        }
    }

    @Test
    void undecodableAndIncompleteRecordsAreDeadLetteredAndProcessingGoesOn() {
        try (TestPipeline p = pipeline()) {
            p.pipe(container("c1", T0), T0);
            p.fileEvents.pipeInput("c1", "{\"not\": \"avro\"}".getBytes(StandardCharsets.UTF_8), T0 + 100);
            FileEvent noContainer = FileEvent.newBuilder(read("bad", "c1", T0 + 200)).setContainerId("").build();
            p.pipe(noContainer);
            p.pipe(read("good", "c1", T0 + 300));

            List<TestRecord<byte[], byte[]>> dead = p.deadLetter.readRecordsToList();
            assertEquals(2, dead.size());
            var first = dead.get(0);
            assertEquals("c1", new String(first.key(), StandardCharsets.UTF_8));
            assertEquals("{\"not\": \"avro\"}", new String(first.value(), StandardCharsets.UTF_8), "the original bytes");
            assertTrue(DeadLetters.header(first.headers(), DeadLetters.REASON).contains("Unknown magic byte"));
            assertEquals("org.apache.kafka.common.errors.SerializationException",
                    DeadLetters.header(first.headers(), DeadLetters.EXCEPTION));
            assertEquals(p.topics.fileEvents.name(), DeadLetters.header(first.headers(), DeadLetters.TOPIC));
            assertEquals("0", DeadLetters.header(first.headers(), DeadLetters.PARTITION));
            assertEquals("0", DeadLetters.header(first.headers(), DeadLetters.OFFSET));
            assertTrue(DeadLetters.header(dead.get(1).headers(), DeadLetters.REASON)
                    .contains("missing required field 'containerId'"));
            assertEquals("1", DeadLetters.header(dead.get(1).headers(), DeadLetters.OFFSET));

            assertEquals("good", p.enriched.readValue().getEvent().getEventId());
            assertEquals(2, p.counters.deadLetteredCount());
        }
    }

    @Test
    void theSeedTamperingAlertsWithTheUserAndPausesTheContainer() {
        try (TestPipeline p = pipeline()) {
            p.pipe(container("c1", T0), T0);
            p.pipe(session("s1", "c1", "JohnDoe", T0 + 1000, null));
            p.pipe(event("shell", "c1", T0 + 2000, EventType.EXEC, "/bin/bash", 900, 0, "bash"));
            p.pipe(event("overwrite", "c1", T0 + 3000, EventType.OPEN_WRITE, "/usr/bin/dpkg", 901, 900, "cp"));
            var alerts = p.alerts.readRecordsToList();
            var overwrite = alerts.stream().filter(a -> a.value().getEventIds().contains("overwrite")).findFirst().orElseThrow();
            assertEquals("c1", overwrite.key());
            assertEquals(List.of("JohnDoe"), overwrite.value().getUsers());
            assertEquals("shop", overwrite.value().getNamespace());
            assertEquals(T0 + 3000, overwrite.timestamp());
            var commands = p.commands.readRecordsToList();
            assertTrue(commands.stream().anyMatch(c -> c.key().equals("node-a")
                    && c.value().getAction() == io.driftwatch.model.ResponseAction.PAUSE_CONTAINER
                    && c.value().getContainerId().equals("c1")), commands.toString());
            assertFalse(p.enriched.isEmpty());
        }
    }
}
