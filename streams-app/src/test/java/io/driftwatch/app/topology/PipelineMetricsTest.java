package io.driftwatch.app.topology;

import static io.driftwatch.app.topology.Fixtures.T0;
import static io.driftwatch.app.topology.Fixtures.container;
import static io.driftwatch.app.topology.Fixtures.event;
import static io.driftwatch.app.topology.Fixtures.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ResponseCommand;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app's meters move with a known input through the real topology (TopologyTestDriver), and Prometheus sees them
 * under the names src/monitoring.md documents.
 */
class PipelineMetricsTest {
    @TempDir
    Path stateDir;

    @Test
    void eventsAlertsAndDeadLettersAreCountedByTheirLabels() {
        try (TestPipeline p = new TestPipeline(stateDir, Map.of(PipelineSettings.RULE_REPEAT_WINDOW_MS, "0"), T0)) {
            p.pipe(container("c1", T0), T0);
            for (int i = 0; i < 17; i++) {
                p.pipe(read("read-" + i, "c1", T0 + 1000 + i));
            }
            // The driver's wall clock stands at T0 until moved: the alerts below leave 150 ms after their events' time.
            p.advanceWallClock(Duration.ofMillis(3150));
            for (int i = 0; i < 3; i++) {
                p.pipe(event("overwrite-" + i, "c1", T0 + 3000, EventType.OPEN_WRITE, "/usr/bin/tool" + i, 901 + i, 900, "cp"));
            }
            p.fileEvents.pipeInput("c1", "not avro at all".getBytes(StandardCharsets.UTF_8), T0 + 3001);
            p.fileEvents.pipeInput("c1", null, T0 + 3002);

            List<Alert> alerts = p.alerts.readValuesToList();
            List<ResponseCommand> commands = p.commands.readValuesToList();
            assertEquals(3, alerts.stream().filter(a -> a.getRuleId().equals("DW-FIM-001")).count(), alerts.toString());

            assertEquals(22.0, count(p, "driftwatch.input.records", "input", "file-events"));
            assertEquals(1.0, count(p, "driftwatch.input.records", "input", "container-metadata"));
            assertEquals(20.0, count(p, "driftwatch.events.enriched", "enrichment", "COMPLETE"));
            assertEquals(0.0, count(p, "driftwatch.events.enriched", "enrichment", "METADATA_MISSING"));
            assertEquals(1.0, count(p, "driftwatch.dead.letters", "reason", "undecodable"));
            assertEquals(1.0, count(p, "driftwatch.dead.letters", "reason", "empty-value"));
            assertEquals(0.0, count(p, "driftwatch.dead.letters", "reason", "invalid"));
            assertEquals(2, p.deadLetter.readRecordsToList().size());

            // Every alert counted under its rule and severity, and nothing else.
            Map<String, Double> expected = new TreeMap<>(alerts.stream().collect(Collectors.groupingBy(
                    a -> a.getRuleId() + "/" + a.getSeverity(), Collectors.summingDouble(a -> 1.0))));
            Map<String, Double> counted = new TreeMap<>();
            p.registry.find("driftwatch.alerts").counters().forEach(c -> counted.put(c.getId().getTag("rule") + "/"
                    + c.getId().getTag("severity"), c.count()));
            assertEquals(expected, counted);
            assertEquals(3.0, counted.get("DW-FIM-001/" + alerts.stream().filter(a -> a.getRuleId().equals("DW-FIM-001"))
                    .findFirst().orElseThrow().getSeverity()));
            assertFalse(commands.isEmpty());
            for (var byAction : commands.stream().collect(Collectors.groupingBy(ResponseCommand::getAction)).entrySet()) {
                assertEquals(byAction.getValue().size(), count(p, "driftwatch.response.commands", "action",
                        byAction.getKey().name()), byAction.getKey().name());
            }

            // Event-to-alert latency: every alert in the histogram, all of them between 100 and 200 ms.
            Timer latency = p.registry.get("driftwatch.event.to.alert").timer();
            assertEquals(alerts.size(), latency.count());
            String scrape = p.registry.scrape();
            assertTrue(scrape.contains("driftwatch_event_to_alert_seconds_bucket{le=\"0.1\"} 0"), scrape);
            assertTrue(scrape.contains("driftwatch_event_to_alert_seconds_bucket{le=\"0.2\"} " + alerts.size()), scrape);
            assertTrue(scrape.contains("driftwatch_alerts_total{rule=\"DW-FIM-001\""), scrape);
            assertTrue(scrape.contains("driftwatch_dead_letters_total{reason=\"undecodable\"} 1.0"), scrape);
            // The evaluation timer samples one event in 16 per task: the first and the seventeenth of 20.
            assertEquals(2, p.registry.get("driftwatch.rule.evaluation").timer().count());
        }
    }

    @Test
    void heldEventsAndTheReorderBufferAreGauged() {
        EventType stateful = TestPipeline.RULES.orderedLaneTypes().iterator().next();
        try (TestPipeline p = new TestPipeline(stateDir, Map.of(PipelineSettings.RULE_REORDER_MS, "60000",
                PipelineSettings.METADATA_GRACE_MS, "600000", PipelineSettings.METADATA_WALL_CLOCK_MS, "600000"), T0)) {
            p.pipe(container("c1", T0), T0);
            for (int i = 0; i < 5; i++) {
                p.pipe(event("stateful-" + i, "c1", T0 + 1000 + i, stateful, "/tmp/f" + i, 10 + i, 1, "sh"));
            }
            assertEquals(5.0, gauge(p, "driftwatch.reorder.buffer.events"), "waiting for the reorder bound");
            // An event whose container is not known yet is held.
            p.pipe(read("early", "c2", T0 + 2000));
            assertEquals(1.0, count(p, "driftwatch.events.held", null, null));
            assertEquals(1.0, gauge(p, "driftwatch.events.held.current"));
            p.pipe(container("c2", T0 + 1500), T0 + 2100);
            p.advanceWallClock(Duration.ofSeconds(2)); // the holder's next pass notices the release
            assertEquals(0.0, gauge(p, "driftwatch.events.held.current"));
            assertEquals(1.0, count(p, "driftwatch.events.enriched", "enrichment", "METADATA_LATE"));
            // Past the bound of quiet, the buffer is evaluated and empties.
            p.advanceWallClock(Duration.ofSeconds(61));
            assertEquals(0.0, gauge(p, "driftwatch.reorder.buffer.events"));
        }
    }

    private static double count(TestPipeline p, String name, String tag, String value) {
        var search = p.registry.find(name);
        if (tag != null) {
            search = search.tag(tag, value);
        }
        Meter meter = search.meter();
        if (meter == null) {
            throw new AssertionError("no meter " + name + " " + tag + "=" + value);
        }
        double total = 0;
        for (var m : meter.measure()) {
            total += m.getValue();
        }
        return total;
    }

    private static double gauge(TestPipeline p, String name) {
        return p.registry.get(name).gauge().value();
    }
}
