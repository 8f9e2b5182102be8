package io.driftwatch.agent.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.runtime.ContainerInfo;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerIndexTest {
    static ContainerInfo container(String id, String rootfs) {
        return new ContainerInfo(id, "test", Path.of(rootfs), null, 0L, null, null, null, null, null, null, Map.of(),
                false);
    }

    final ContainerIndex index = new ContainerIndex();

    @Test
    void longestPrefixWins() {
        index.add("/run/c", container("outer", "/run/c"), ContainerIndex.Kind.ROOTFS);
        index.add("/run/c/nested/rootfs", container("inner", "/run/c/nested/rootfs"), ContainerIndex.Kind.ROOTFS);
        ContainerIndex.Resolved r = index.resolve("/run/c/nested/rootfs/etc/passwd");
        assertEquals("inner", r.container().id());
        assertEquals("/etc/passwd", r.path());
        r = index.resolve("/run/c/nested/other");
        assertEquals("outer", r.container().id());
        assertEquals("/nested/other", r.path());
    }

    @Test
    void siblingWithACommonStringPrefixDoesNotMatch() {
        index.add("/a/rootfs", container("c1", "/a/rootfs"), ContainerIndex.Kind.ROOTFS);
        assertNull(index.resolve("/a/rootfs2/etc/passwd"));
        assertNull(index.resolve("/a/rootfs2"));
        assertNull(index.resolve("/a/root"));
        assertNull(index.resolve("/a"));
        assertEquals("/etc/passwd", index.resolve("/a/rootfs/etc/passwd").path());
    }

    @Test
    void theRootItselfIsSlash() {
        index.add("/a/rootfs/", container("c1", "/a/rootfs"), ContainerIndex.Kind.ROOTFS); // trailing slash ignored
        assertEquals("/", index.resolve("/a/rootfs").path());
        assertEquals("/", index.resolve("/a/rootfs/").path());
        assertEquals("/etc", index.resolve("/a/rootfs/etc/").path());
    }

    @Test
    void aRootfsOfSlashHoldsEverything() {
        index.add("/", container("host", "/"), ContainerIndex.Kind.ROOTFS);
        assertEquals("/etc/passwd", index.resolve("/etc/passwd").path());
        assertEquals("/etc", index.resolve("/etc").path());
        assertEquals("/", index.resolve("/").path());
        index.add("/var/lib/c1/rootfs", container("c1", "/var/lib/c1/rootfs"), ContainerIndex.Kind.ROOTFS);
        assertEquals("c1", index.resolve("/var/lib/c1/rootfs/bin/sh").container().id());
        assertEquals("host", index.resolve("/var/lib/c1/rootfs2/bin/sh").container().id());
    }

    @Test
    void overlayKinds() {
        ContainerInfo c = container("c1", "/run/merged");
        index.add("/var/lib/s/7/fs", c, ContainerIndex.Kind.UPPER);
        index.add("/var/lib/s/7/work", c, ContainerIndex.Kind.WORK);
        assertEquals(ContainerIndex.Kind.UPPER, index.resolve("/var/lib/s/7/fs/etc/hosts").kind());
        assertEquals("/etc/hosts", index.resolve("/var/lib/s/7/fs/etc/hosts").path());
        assertEquals(ContainerIndex.Kind.WORK, index.resolve("/var/lib/s/7/work/work/#1f").kind());
        assertNull(index.resolve("/var/lib/s/7/fsx"));
    }

    @Test
    void removeDropsEveryPrefixOfTheContainerOnly() {
        ContainerInfo c1 = container("c1", "/m1");
        index.add("/s/1/fs", c1, ContainerIndex.Kind.UPPER);
        index.add("/s/1/work", c1, ContainerIndex.Kind.WORK);
        index.add("/s/2/fs", container("c2", "/m2"), ContainerIndex.Kind.UPPER);
        index.remove("c1");
        assertNull(index.resolve("/s/1/fs/etc"));
        assertNull(index.resolve("/s/1/work/work"));
        assertEquals("c2", index.resolve("/s/2/fs/etc").container().id());
        index.remove("c2");
        assertTrue(index.isEmpty());
        index.remove("nobody");
    }

    @Test
    void relativeOrEmptyPathsResolveToNothing() {
        index.add("/a/rootfs", container("c1", "/a/rootfs"), ContainerIndex.Kind.ROOTFS);
        assertNull(index.resolve("a/rootfs/etc"));
        assertNull(index.resolve(""));
    }

    @Test
    void aChildResolvesAsItsWholePathDoes() {
        ContainerInfo c = container("c1", "/a/rootfs");
        index.add("/", container("host", "/"), ContainerIndex.Kind.ROOTFS);
        index.add("/a/rootfs", c, ContainerIndex.Kind.ROOTFS);
        index.addMount("/proc/7/root/dev/shm", c, "/dev/shm");
        index.addMount("/b/hosts", c, "/etc/hosts"); // a file mounted on its own
        index.add("/s/1/work", c, ContainerIndex.Kind.WORK);
        String[][] cases = {{"/a/rootfs", "x"}, {"/a/rootfs/etc", "passwd"}, {"/a", "rootfs"}, {"/a", "rootfs2"},
                {"/", "etc"}, {"/proc/7/root/dev/shm", "f"}, {"/proc/7/root/dev/shm/d", "f"}, {"/b", "hosts"},
                {"/b", "other"}, {"/s/1/work", "work"}, {"/a/rootfs", "."}};
        for (int round = 0; round < 2; round++) { // the second time from the cache
            for (String[] dn : cases) {
                String path = ".".equals(dn[1]) ? dn[0] : "/".equals(dn[0]) ? "/" + dn[1] : dn[0] + "/" + dn[1];
                assertEquals(index.resolve(path), index.resolveChild(dn[0], dn[1], path), path);
            }
        }
        index.remove("c1"); // the cache forgets what it answered
        assertEquals("host", index.resolveChild("/a/rootfs", "x", "/a/rootfs/x").container().id());
        assertEquals("/a/rootfs/x", index.resolveChild("/a/rootfs", "x", "/a/rootfs/x").path());
    }
}
