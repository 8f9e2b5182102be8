package io.driftwatch.scanner.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.scanner.testing.RecordingVisitor;
import io.driftwatch.scanner.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsReaderTest {
    @TempDir
    Path tmp;

    private static Path tree(Path root) throws Exception {
        Files.createDirectories(root.resolve("usr/bin"));
        Files.writeString(root.resolve("usr/bin/tool"), "tool");
        Files.setPosixFilePermissions(root.resolve("usr/bin/tool"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createLink(root.resolve("usr/bin/tool2"), root.resolve("usr/bin/tool"));
        Files.createSymbolicLink(root.resolve("usr/bin/sh"), Path.of("/nonexistent/outside"));
        Files.createSymbolicLink(root.resolve("etc"), Path.of("/etc")); // must not be followed
        Files.writeString(root.resolve("big"), "b".repeat(3000));
        Files.setAttribute(root.resolve("usr/bin/tool"), "unix:mode", 04755);
        return root;
    }

    @Test
    void readsTheTreeAsOneLayerWithoutFollowingSymlinks() throws Exception {
        Path root = tree(tmp.resolve("a"));
        RecordingVisitor visitor = new RecordingVisitor();
        ImageScan scan = ImageReaders.standard().read("dir:" + root, new ReadOptions(1000, true, null, ScanProgress.NONE), visitor);

        assertEquals(List.of("/", "/big", "/etc", "/usr", "/usr/bin", "/usr/bin/sh", "/usr/bin/tool", "/usr/bin/tool2"),
                List.copyOf(scan.files().keySet()));
        ImageEntry tool = scan.files().get("/usr/bin/tool");
        assertEquals(EntryKind.FILE, tool.kind());
        assertEquals(04755, tool.mode());
        assertEquals(TestImages.hex("tool".getBytes()), tool.sha256());
        assertEquals(Files.getAttribute(root.resolve("usr/bin/tool"), "unix:uid"), (int) tool.uid());
        ImageEntry link = scan.files().get("/usr/bin/tool2");
        assertEquals(EntryKind.HARDLINK, link.kind());
        assertEquals("/usr/bin/tool", link.linkTarget());
        assertEquals(tool.sha256(), link.sha256());
        assertEquals(new ImageEntry("/etc", EntryKind.SYMLINK, 0777, tool.uid(), tool.gid(), 0, null, "/etc", 0),
                scan.files().get("/etc"));
        assertEquals(1, scan.layers().size());
        assertEquals(scan.digest(), scan.layers().get(0).digest());
        assertEquals(RootfsReader.MEDIA_TYPE, scan.layers().get(0).mediaType());
        // content up to the limit goes to the visitor
        int bigAt = visitor.entries.indexOf(scan.files().get("/big"));
        assertNull(visitor.contents.get(bigAt));
        assertArrayEquals("tool".getBytes(), visitor.contents.get(visitor.entries.indexOf(tool)));
    }

    @Test
    void theDigestDependsOnContentModesAndNamesNotOnWhereTheTreeIs() throws Exception {
        String a = ImageReaders.standard().read("dir:" + tree(tmp.resolve("a")), ReadOptions.defaults(), null).digest();
        String b = ImageReaders.standard().read("dir:" + tree(tmp.resolve("b")), ReadOptions.defaults(), null).digest();
        assertEquals(a, b);
        Files.writeString(tmp.resolve("b/big"), "c".repeat(3000));
        String changed = ImageReaders.standard().read("dir:" + tmp.resolve("b"), ReadOptions.defaults(), null).digest();
        assertNotEquals(a, changed);
        Files.writeString(tmp.resolve("b/big"), "b".repeat(3000));
        Files.setAttribute(tmp.resolve("b/big"), "unix:mode", 0600);
        assertNotEquals(a, ImageReaders.standard().read("dir:" + tmp.resolve("b"), ReadOptions.defaults(), null).digest());
    }

    @Test
    void aMissingDirectoryIsAClearError() {
        ImageReadException e = assertThrows(ImageReadException.class,
                () -> ImageReaders.standard().read("dir:" + tmp.resolve("none"), ReadOptions.defaults(), null));
        assertTrue(e.getMessage().endsWith("is not a directory (no such path)"), e.getMessage());
    }
}
