package io.driftwatch.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.fanotify.FanotifySensor;
import io.driftwatch.agent.fanotify.HostPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The agent's host FIM and exec hashing switches: flags over the --config file over the defaults. */
class HostFimOptionsTest {
    @TempDir
    Path tmp;

    private static AgentCommand parse(String... args) {
        AgentCommand command = new AgentCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void defaultsWatchTheNodeFromSlashAndHashExecutions() {
        FanotifySensor.Config config = parse("--node", "n1").options.sensor();
        assertTrue(config.hashExec());
        assertEquals(Path.of("/"), config.host().root());
        assertEquals(HostPaths.DEFAULTS, config.host().paths().patterns());
    }

    @Test
    void flagsChooseThePathsTheRootAndTurnThingsOff() {
        FanotifySensor.Config config = parse("--node", "n1", "--host-paths", "/etc,/srv/keys", "--host-root", "/host")
                .options.sensor();
        assertEquals(List.of("/etc", "/srv/keys"), config.host().paths().patterns());
        assertEquals(Path.of("/host"), config.host().root());
        FanotifySensor.Config off = parse("--node", "n1", "--no-host-fim", "--no-hash-exec").options.sensor();
        assertNull(off.host());
        assertFalse(off.hashExec());
        assertThrows(IllegalArgumentException.class, () -> parse("--node", "n1", "--host-paths", "etc").options.sensor());
    }

    @Test
    void theConfigFileSaysWhatNoFlagSays() throws Exception {
        Path file = tmp.resolve("agent.properties");
        Files.writeString(file, "driftwatch.agent.host.paths=/etc/ssh, /home/*/.ssh\ndriftwatch.agent.host.root=/hostfs\n");
        FanotifySensor.Config config = parse("--node", "n1", "--config", file.toString()).options.sensor();
        assertEquals(List.of("/etc/ssh", "/home/*/.ssh"), config.host().paths().patterns());
        assertEquals(Path.of("/hostfs"), config.host().root());
        Files.writeString(file, "driftwatch.agent.host.fim=false\n");
        assertNull(parse("--node", "n1", "--config", file.toString()).options.sensor().host());
        // a flag wins over the file
        Files.writeString(file, "driftwatch.agent.host.paths=/etc/ssh\n");
        assertEquals(List.of("/boot"), parse("--node", "n1", "--config", file.toString(), "--host-paths", "/boot")
                .options.sensor().host().paths().patterns());
    }
}
