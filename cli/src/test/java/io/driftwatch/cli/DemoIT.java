package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.testkit.TestkitDirectories;
import org.junit.jupiter.api.Test;

/** `./driftwatch demo` end to end: its own broker and registry, the seed scenario, alerts and a pause printed. */
class DemoIT {

    @Test
    void printsTheSeedAlertsWithWhoAndWhereAndAPause() {
        CliHelpTest.Run demo = CliHelpTest.run("demo", "--duration", "20",
                "--dir", TestkitDirectories.root().resolve("demo").toString());
        assertEquals(0, demo.exitCode(), demo.out() + demo.err());
        String out = demo.out();
        assertTrue(out.contains("ALERT   HIGH"), out);
        assertTrue(out.contains("payments-java/ledger-7d9f8-abcde (registry.example/ledger:1.4.2)"), out);
        assertTrue(out.contains("user JohnDoe"), out);
        assertTrue(out.contains("COMMAND PAUSE_CONTAINER"), out);
        assertTrue(out.contains("container c0ffee01"), out);
    }
}
