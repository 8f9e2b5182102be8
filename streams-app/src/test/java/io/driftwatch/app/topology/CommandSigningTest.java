package io.driftwatch.app.topology;

import static io.driftwatch.app.topology.Fixtures.T0;
import static io.driftwatch.app.topology.Fixtures.container;
import static io.driftwatch.app.topology.Fixtures.event;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.schemas.sign.CommandSignatures;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Response commands leave the topology signed with the configured key, so responders can check them. */
class CommandSigningTest {
    @TempDir
    Path tmp;

    private List<ResponseCommand> commandsFor(Map<String, String> settings) {
        try (TestPipeline p = new TestPipeline(tmp.resolve("state-" + settings.hashCode()), settings, T0)) {
            p.pipe(container("c1", T0), T0);
            p.pipe(event("overwrite", "c1", T0 + 3000, EventType.MODIFY, "/usr/bin/dpkg", 901, 900, "cp"));
            return p.commands.readValuesToList();
        }
    }

    @Test
    void commandsAreSignedWithTheKeyFromItsFile() throws Exception {
        Path key = tmp.resolve("signing.key");
        Files.writeString(key, "a-shared-secret-of-32-characters\n");
        List<ResponseCommand> commands = commandsFor(Map.of(CommandSigning.KEY_FILE, key.toString()));
        assertFalse(commands.isEmpty());
        CommandSignatures responder = CommandSignatures.of(List.of("a-shared-secret-of-32-characters".getBytes(StandardCharsets.UTF_8)));
        for (ResponseCommand c : commands) {
            assertNull(responder.problem(c), c.toString());
        }
        CommandSignatures stranger = CommandSignatures.of(List.of("somebody-elses-secret-32-chars!!".getBytes(StandardCharsets.UTF_8)));
        assertTrue(commands.stream().allMatch(c -> stranger.problem(c) != null));
    }

    @Test
    void withoutAKeyCommandsGoOutUnsigned() {
        assertTrue(commandsFor(Map.of()).stream().allMatch(c -> c.getSignature() == null));
    }

    @Test
    void anUnreadableKeyFileStopsTheStartWithItsName() {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(CommandSigning.KEY_FILE, tmp.resolve("missing.key").toString()));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> CommandSigning.fromConfig(config));
        assertTrue(e.getMessage().contains("missing.key"), e.getMessage());
    }
}
