package io.driftwatch.agent.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountInfoTest {
    static final String EXT4 = "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue";
    static final String DOCKER = "1234 29 0:123 / /var/lib/docker/overlay2/9f3c/merged rw,relatime shared:600 - overlay"
            + " overlay rw,lowerdir=/var/lib/docker/overlay2/l/AAAA:/var/lib/docker/overlay2/l/BBBB,"
            + "upperdir=/var/lib/docker/overlay2/9f3c/diff,workdir=/var/lib/docker/overlay2/9f3c/work,nouserxattr";
    static final String CONTAINERD = "612 590 0:61 / /run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw,relatime"
            + " - overlay overlay rw,lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/12/fs:"
            + "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/11/fs,"
            + "upperdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/13/fs,"
            + "workdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/13/work";
    static final String SPACES = "700 29 0:130 / /srv/my\\040containers/c1/rootfs rw shared:1 master:7 - overlay overlay"
            + " rw,lowerdir=/srv/my\\040layers/l1\\134:x:/srv/l2,upperdir=/srv/my\\040layers/up,workdir=/srv/my\\040layers/wk";

    @Test
    void plainFilesystemWithOptionalFields() {
        MountInfo m = MountInfo.parse(EXT4);
        assertEquals("/mnt/parent", m.mountPoint());
        assertEquals("ext3", m.fsType());
        assertEquals("continue", m.superOptions().get("errors"));
        assertEquals("", m.superOptions().get("rw"));
    }

    @Test
    void dockerOverlay() {
        MountInfo m = MountInfo.parse(DOCKER);
        assertEquals("/var/lib/docker/overlay2/9f3c/merged", m.mountPoint());
        assertEquals("overlay", m.fsType());
        assertEquals("/var/lib/docker/overlay2/9f3c/diff", m.superOptions().get("upperdir"));
        assertEquals("/var/lib/docker/overlay2/9f3c/work", m.superOptions().get("workdir"));
        assertEquals(List.of(Path.of("/var/lib/docker/overlay2/l/AAAA"), Path.of("/var/lib/docker/overlay2/l/BBBB")),
                FanotifySensor.lowerDirs(m.superOptions().get("lowerdir")));
        assertEquals("", m.superOptions().get("nouserxattr"));
    }

    @Test
    void containerdOverlayWithoutOptionalFields() {
        MountInfo m = MountInfo.parse(CONTAINERD);
        assertEquals("/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs", m.mountPoint());
        assertEquals("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/13/fs",
                m.superOptions().get("upperdir"));
        assertEquals(2, FanotifySensor.lowerDirs(m.superOptions().get("lowerdir")).size());
    }

    @Test
    void octalEscapes() {
        MountInfo m = MountInfo.parse(SPACES);
        assertEquals("/srv/my containers/c1/rootfs", m.mountPoint());
        assertEquals("/srv/my layers/up", m.superOptions().get("upperdir"));
        assertEquals("/srv/my layers/wk", m.superOptions().get("workdir"));
        // "\:" (shown as \134:) is a colon inside a lower layer's path, not a separator
        assertEquals(List.of(Path.of("/srv/my layers/l1:x"), Path.of("/srv/l2")),
                FanotifySensor.lowerDirs(m.superOptions().get("lowerdir")));
        assertEquals("a\tb\\c", MountInfo.unescape("a\\011b\\134c"));
        assertEquals("no\\escape\\9", MountInfo.unescape("no\\escape\\9"));
    }

    @Test
    void notAMountinfoLine() {
        assertNull(MountInfo.parse(""));
        assertNull(MountInfo.parse("garbage without a separator"));
    }

    @Test
    void topmostMountAtAPathWins(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("mountinfo");
        String tmpfs = "700 612 0:70 / /run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw - tmpfs tmpfs rw";
        Files.writeString(file, EXT4 + "\n" + CONTAINERD + "\n" + tmpfs + "\n" + DOCKER + "\n");
        assertEquals("tmpfs", MountInfo.at(file, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs").fsType());
        assertEquals("overlay", MountInfo.at(file, "/var/lib/docker/overlay2/9f3c/merged").fsType());
        assertNull(MountInfo.at(file, "/var/lib/docker/overlay2/9f3c"));
    }
}
