package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./driftwatch notify}: listed, checks its file first, and a bad file is one line naming file and line. */
class NotifyCommandTest {
    @TempDir
    Path dir;

    @Test
    void notifyIsACommand() {
        CliHelpTest.Run help = CliHelpTest.run("--help");
        assertTrue(help.out().contains("notify"), help.out());
        CliHelpTest.Run own = CliHelpTest.run("notify", "--help");
        assertEquals(0, own.exitCode());
        assertTrue(own.out().contains("--config") && own.out().contains("--from-beginning"), own.out());
    }

    @Test
    void aBadFileStopsTheCommandWithFileAndLine() throws Exception {
        Path file = dir.resolve("notifiers.yaml");
        Files.writeString(file, """
                notifiers:
                  - type: webhook
                    name: siem
                    url: http://127.0.0.1:9/x
                    body: {who: "${alert.usr}"}
                """);
        CliHelpTest.Run run = CliHelpTest.run("notify", "--config", file.toString(), "--bootstrap-server", "127.0.0.1:9");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("error: " + file + ":5: unknown placeholder ${alert.usr}"), run.err());
    }

    @Test
    void checkListsTheNotifiersWithoutSecrets() throws Exception {
        Path file = dir.resolve("notifiers.yaml");
        Files.writeString(file, """
                notifiers:
                  - {type: slack, name: chat, url: "https://hooks.slack.com/services/T0/B0/SECRET", minSeverity: HIGH}
                """);
        CliHelpTest.Run run = CliHelpTest.run("notify", "--config", file.toString(), "--check");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("chat (slack to hooks.slack.com, HIGH and above"), run.out());
        assertTrue(!run.out().contains("SECRET"), run.out());
    }
}
