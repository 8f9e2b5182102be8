package io.driftwatch.agent.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sensor benchmark's accounting on a smaller burst: every operation in the container reaches the
 * topic, read back from Kafka, or is counted as dropped. (The figures come from ./driftwatch
 * sensor-bench; this test only checks the books balance.)
 */
class SensorBenchIT {
    @TempDir
    Path tmp;

    @Test
    void everyOperationIsPublishedOrCountedAsDropped() throws Exception {
        StringWriter text = new StringWriter();
        SensorBench.Result r = new SensorBench(10_000, 100_000, tmp.resolve("bench"), new PrintWriter(text, true)).run();
        System.out.println(text + "\n" + r);
        assertEquals(0, r.dropped(), "nothing should be dropped with a buffer larger than the burst");
        assertEquals(10_000, r.benchEventsPublished(), "each create and delete is one FileEvent on the topic");
        assertTrue(r.accountedFor());
        assertEquals(r.emitted(), r.published(), "every emitted event was acknowledged by Kafka");
    }
}
