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
 * {@code ./driftwatch redteam --respond}: the streams app (own JVM, embedded Kafka and registry, a
 * signing key of its own), the agent and the responder enforcing, a real runc container attacked. It
 * passes only if the container ends up paused (runc state), an evidence bundle verifies against its
 * manifest and holds the dropped binary, and a forged command and one for a protected namespace are
 * refused. Needs root, runc and busybox-static.
 */
class RedTeamRespondIT {
    @TempDir
    Path tmp;

    @Test
    void theResponderPausesPreservesEvidenceAndRefusesWhatItMust() throws Exception {
        Path work = tmp.resolve("redteam");
        StringWriter text = new StringWriter();
        int exit = AgentMain.commandLine().setOut(new PrintWriter(text, true)).setErr(new PrintWriter(text, true))
                .execute("redteam", "--respond", "--dir", work.toString());
        String output = text.toString();
        System.out.println(output);
        assertEquals(0, exit, output);
        assertTrue(output.contains("ok   the container ends up paused"), output);
        assertTrue(output.contains("ok   an evidence bundle, hashes match, holds the dropped binary"), output);
        assertTrue(output.contains("ok   a forged command is refused"), output);
        assertTrue(output.contains("ok   a command for a protected namespace is refused"), output);
        assertTrue(output.contains("responder checks 4 of 4: PASS"), output);
        assertFalse(Files.readString(Path.of("/proc/self/mounts")).contains(work.toString()), "a mount is left");
        assertFalse(Files.exists(work), "the work directory is left");
    }
}
