package io.driftwatch.agent.redteam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.cli.AgentMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./driftwatch redteam} end to end, as CI runs it: the streams app with its embedded broker and
 * registry in a JVM of its own, the node agent with its fanotify sensor in this one, a real runc
 * container, five real attacks, and the alerts read back from Kafka. Needs root, runc and
 * busybox-static (.ci/run installs them).
 */
class RedTeamIT {
    @TempDir
    Path tmp;

    @Test
    void everyAttackIsAlertedForItsContainerWithinFiveSeconds() throws Exception {
        Path work = tmp.resolve("redteam");
        StringWriter text = new StringWriter();
        int exit = AgentMain.commandLine().setOut(new PrintWriter(text, true)).setErr(new PrintWriter(text, true))
                .execute("redteam", "--dir", work.toString(), "--bound", "5000");
        String output = text.toString();
        System.out.println(output);
        assertEquals(0, exit, output);
        for (RedTeam.Step step : RedTeam.STEPS) {
            String line = output.lines().filter(l -> l.startsWith(step.name())).findFirst().orElseThrow(() ->
                    new AssertionError("no line for step " + step.name() + " in\n" + output));
            assertTrue(line.contains(step.ruleId()) && line.contains("redteam-") && line.endsWith(" ms"), line);
        }
        assertTrue(output.contains("redteam: 5 of 5 steps alerted within 5000 ms: PASS"), output);
        // It cleaned up: no mount, no work directory, no container state left behind.
        assertFalse(Files.readString(Path.of("/proc/self/mounts")).contains(work.toString()), "a mount is left");
        assertFalse(Files.exists(work), "the work directory is left");
    }
}
