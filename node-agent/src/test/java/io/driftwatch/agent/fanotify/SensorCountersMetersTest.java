package io.driftwatch.agent.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Host FIM's and exec hashing's meters: read from the counters at scrape time, labelled by result only (never a path). */
class SensorCountersMetersTest {
    @Test
    void hostEventsAndHashResultsAreMeters() {
        SensorCounters counters = new SensorCounters();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        counters.bindTo(registry);
        counters.hostEvents.addAndGet(7);
        counters.execHashHits.addAndGet(5);
        counters.execHashMisses.addAndGet(2);
        counters.execHashSkipped.incrementAndGet();
        assertEquals(7.0, registry.get("driftwatch.sensor.host.events").functionCounter().count());
        assertEquals(5.0, registry.get("driftwatch.sensor.exec.hash").tag("result", "hit").functionCounter().count());
        assertEquals(2.0, registry.get("driftwatch.sensor.exec.hash").tag("result", "miss").functionCounter().count());
        assertEquals(1.0, registry.get("driftwatch.sensor.exec.hash").tag("result", "skipped").functionCounter().count());
        assertEquals(0.0, registry.get("driftwatch.sensor.exec.hash").tag("result", "failed").functionCounter().count());
        Set<String> tagKeys = registry.getMeters().stream().flatMap(m -> m.getId().getTags().stream())
                .map(t -> t.getKey()).collect(Collectors.toSet());
        assertEquals(Set.of("result"), tagKeys, "no label but the hash result");
        for (Meter m : registry.getMeters()) {
            assertTrue(m instanceof FunctionCounter, m.getId().toString());
        }
    }
}
