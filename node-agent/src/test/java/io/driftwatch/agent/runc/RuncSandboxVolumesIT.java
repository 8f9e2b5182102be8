package io.driftwatch.agent.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.runc.RuncSandbox.ExecResult;
import io.driftwatch.agent.runc.RuncSandbox.Options;
import io.driftwatch.agent.runc.RuncSandbox.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Options#volumes()}: host directories bind-mounted into a real runc container, read-write or read-only; the
 * default is none, and a sandbox with volumes closes without touching what the host directory holds. Needs root, runc
 * and busybox-static.
 */
class RuncSandboxVolumesIT {
    @TempDir
    Path tmp;

    @BeforeAll
    static void prerequisites() {
        RuncSandbox.requirePrerequisites(Options.defaults().busybox());
    }

    @Test
    void noVolumesByDefaultAndTheOldConstructorStillWorks() {
        assertEquals(List.of(), Options.defaults().volumes());
        Options old = new Options(List.of("sleep", "1"), Options.defaults().busybox(), 8, false, Options.defaults().timeout());
        assertEquals(List.of(), old.volumes());
        assertEquals(List.of(new Volume(Path.of("/srv"), "/data", false)), old.withVolume(Path.of("/srv"), "/data").volumes());
        assertEquals(old.withVolume(Path.of("/srv"), "/data").volumes(),
                old.withVolume(Path.of("/srv"), "/data").withPrivileged(true).withTimeout(old.timeout()).volumes(),
                "the with-methods keep the volumes");
    }

    @Test
    void aDestinationMustBeAnAbsolutePathBelowRoot() {
        assertThrows(IllegalArgumentException.class, () -> new Volume(Path.of("/srv"), "data", false));
        assertThrows(IllegalArgumentException.class, () -> new Volume(Path.of("/srv"), "/", false));
        assertThrows(IllegalArgumentException.class, () -> new Volume(Path.of("/srv"), "/data/../etc", false));
    }

    @Test
    void aMissingSourceFailsTheCreationAndLeavesNothing() {
        Path work = tmp.resolve("sb-missing");
        assertThrows(IllegalArgumentException.class, () -> RuncSandbox.create(work, "dw-it-vol-missing", Map.of(),
                Options.defaults().withVolume(tmp.resolve("no-such-dir"), "/data")));
        assertFalse(Files.exists(work), "the work directory is left");
    }

    @Test
    void theContainerReadsAndWritesTheHostDirectoryAndReadOnlyIsReadOnly() throws IOException {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Path config = Files.createDirectories(tmp.resolve("config"));
        Files.writeString(shared.resolve("from-host.txt"), "hello from the host\n");
        Files.writeString(config.resolve("app.conf"), "mode=ro\n");
        Path work = tmp.resolve("sb");
        try (RuncSandbox sb = RuncSandbox.create(work, "dw-it-vol", Map.of(), Options.defaults()
                .withVolumes(List.of(new Volume(shared, "/data", false), new Volume(config, "/etc/app", true))))) {
            ExecResult read = sb.exec("cat", "/data/from-host.txt");
            assertEquals("hello from the host\n", read.stdout(), read.stderr());
            ExecResult write = sb.exec("sh", "-c", "echo from the container > /data/from-container.txt");
            assertTrue(write.succeeded(), write.stderr());
            assertEquals("from the container\n", Files.readString(shared.resolve("from-container.txt")));
            assertFalse(Files.exists(sb.rootfs().resolve("data/from-container.txt")),
                    "the write went to the host directory, not to the rootfs under the mount");

            assertEquals("mode=ro\n", sb.exec("cat", "/etc/app/app.conf").stdout());
            ExecResult refused = sb.exec("sh", "-c", "echo x > /etc/app/other.conf");
            assertFalse(refused.succeeded(), "a read-only volume took a write");
            assertTrue(refused.stderr().contains("Read-only file system"), refused.stderr());
        }
        assertFalse(Files.exists(work), "the work directory is left");
        assertEquals("hello from the host\n", Files.readString(shared.resolve("from-host.txt")), "close left the volume alone");
        assertTrue(Files.exists(shared.resolve("from-container.txt")));
    }
}
