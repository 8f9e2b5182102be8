package io.driftwatch.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The scan bench runs end to end on a small image and prints JSON; its figures are not judged here. */
class ScanBenchTest {

    @Test
    void aSmallRunPrintsEveryFigure() throws Exception {
        StringWriter progress = new StringWriter();
        ScanBench.Result r = new ScanBench(2, new PrintWriter(progress, true)).run();
        JsonNode json = new ObjectMapper().readTree(r.toJson());
        assertTrue(r.files() > 10, "files: " + r.files());
        // The JSON carries the run's own figures, rounded as printed (a product of two rounded figures is not exact).
        assertEquals(Math.round(r.scanUncompressed().filesPerSec()), json.path("scanUncompressed").path("filesPerSec").asLong());
        assertEquals(r.scanUncompressed().seconds(), json.path("scanUncompressed").path("seconds").asDouble(), 0.0005);
        for (String key : new String[] {"scanUncompressed", "scanGzip", "sha256sum", "jdkInflate", "jdkSha256"}) {
            assertTrue(json.path(key).path("mbPerSec").asDouble() > 0, key + " in " + json);
        }
        assertTrue(json.path("sha256sum").path("cpuSeconds").isNumber(), "CPU time from bash's times: " + json);
        assertTrue(progress.toString().contains("removing"), progress.toString());
    }

    @Test
    void aCpuTimeTooShortToMeasureIsNullInJsonNotInfinity() throws Exception {
        ScanBench.Timing unmeasured = new ScanBench.Timing(0.010, 0.0, 5_000_000, 40);
        assertTrue(Double.isNaN(unmeasured.mbPerCpuSec()));
        JsonNode json = new ObjectMapper().readTree(unmeasured.json());
        assertTrue(json.path("mbPerCpuSec").isNull(), json.toString());
        assertEquals(500.0, json.path("mbPerSec").asDouble(), 1e-9);
        assertEquals("null", ScanBench.number(Double.POSITIVE_INFINITY, 1));
        assertEquals("0.500", ScanBench.number(0.5, 3));
    }

    @Test
    void bashTimesParse() {
        assertEquals(1.5 + 62.25, ScanBench.childrenCpu("0m0.001s 0m0.002s\n0m1.500s 1m2.250s\n"), 1e-9);
        assertTrue(Double.isNaN(ScanBench.childrenCpu("")));
    }
}
