package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `rules publish` does before it talks to Kafka; publishing itself is in RulesReloadIT. */
class RulesPublishCommandTest {
    @TempDir
    Path dir;

    @Test
    void refusesADirectoryThatDoesNotCompileWithFileAndLineAndPublishesNothing() throws Exception {
        Files.createDirectories(dir.resolve("acme"));
        Files.writeString(dir.resolve("acme/broken.drl"), "package acme.rules;\n\nrule \"broken\"\nwhen\n  FileEvent( path == )\nthen\nend\n");
        // No broker at this address: a refused set never gets as far as Kafka.
        CliHelpTest.Run refused = CliHelpTest.run("rules", "publish", dir.toString(), "--bootstrap-server", "127.0.0.1:1",
                "--schema-registry-url", "http://127.0.0.1:1");
        assertEquals(1, refused.exitCode());
        assertTrue(refused.err().contains("nothing published"), refused.err());
        assertTrue(refused.err().contains("acme/broken.drl:5:"), refused.err());
    }

    @Test
    void refusesAMissingDirectory() {
        CliHelpTest.Run refused = CliHelpTest.run("rules", "publish", dir.resolve("missing").toString());
        assertEquals(1, refused.exitCode());
        assertTrue(refused.err().contains("not a directory"), refused.err());
    }

    @Test
    void isListedUnderRules() {
        CliHelpTest.Run help = CliHelpTest.run("rules", "--help");
        assertTrue(help.out().contains("publish"), help.out());
    }
}
