package io.driftwatch.agent.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a container's mount is reached from the host, and how an execve's file name is matched with the file run. */
class ContainerMountsTest {
    @TempDir
    Path tmp;

    @Test
    void aBindMountIsReachedThroughItsSourceAndAPrivateTmpfsIsNot() throws Exception {
        Path volume = Files.createDirectories(tmp.resolve("pods/p1/volumes/data"));
        List<MountInfo> host = List.of(
                MountInfo.parse("22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw"),
                MountInfo.parse("30 22 0:40 / " + tmp + " rw - tmpfs tmpfs rw"));
        MountInfo bind = MountInfo.parse("50 40 0:40 /pods/p1/volumes/data /data rw - tmpfs tmpfs rw");
        assertEquals(volume, ContainerMounts.hostSource(bind, host));
        MountInfo shm = MountInfo.parse("51 40 0:77 / /dev/shm rw,nosuid,nodev,noexec - tmpfs shm rw,size=65536k");
        assertNull(ContainerMounts.hostSource(shm, host), "a tmpfs only the container has");
        MountInfo gone = MountInfo.parse("52 40 0:40 /pods/p2/volumes/x /x rw - tmpfs tmpfs rw");
        assertNull(ContainerMounts.hostSource(gone, host), "a source that is not there");
    }

    @Test
    void anExecutedNameIsFollowedThroughSymlinksInsideTheContainer() throws Exception {
        Path root = tmp.resolve("rootfs");
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("usr/bin"));
        Files.writeString(root.resolve("bin/busybox"), "");
        Files.createSymbolicLink(root.resolve("bin/find"), Path.of("busybox"));
        Files.createSymbolicLink(root.resolve("usr/bin/abs"), Path.of("/bin/busybox")); // inside the container's root
        Files.createSymbolicLink(root.resolve("bin/loop"), Path.of("loop"));
        assertTrue(ExecArgs.names(root, "/bin/find", "/bin/busybox"));
        assertTrue(ExecArgs.names(root, "/usr/bin/abs", "/bin/busybox"));
        assertTrue(ExecArgs.names(root, "/bin/../bin/./find", "/bin/busybox"));
        assertTrue(ExecArgs.names(root, "/proc/self/exe", "/bin/busybox"), "the process's own file");
        assertFalse(ExecArgs.names(root, "/usr/local/bin/find", "/bin/busybox"), "a PATH search's failed attempt");
        assertFalse(ExecArgs.names(root, "find", "/bin/busybox"), "a relative name is not followed");
        assertFalse(ExecArgs.names(root, "/bin/loop", "/bin/busybox"), "a loop ends");
        assertEquals("/", ExecArgs.normalize("/../.."));
    }
}
