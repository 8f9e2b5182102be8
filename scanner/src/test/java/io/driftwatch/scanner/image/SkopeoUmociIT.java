package io.driftwatch.scanner.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.scanner.testing.ExternalTools;
import io.driftwatch.scanner.testing.TestImages;
import io.driftwatch.scanner.testing.TestImages.Compression;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader against the tools people use: skopeo converts a built image to a docker archive and an OCI archive (the
 * reader must find the same filesystem in each), and umoci applies the layers itself (the reader's whiteout handling
 * must give the tree umoci unpacks; that tree, read through {@code dir:}, is the comparison).
 */
class SkopeoUmociIT {
    @TempDir
    static Path tmp;
    static TestImages.Written image;
    static ImageScan fromLayout;

    /** Every kind of entry and every whiteout case, over four layers (umoci 0.4 has no zstd: gzip and plain only). */
    static TestImages.Written richImage(Path dir) {
        return TestImages.layout(dir).tag("1.0")
                .layer(Compression.GZIP, l -> l.dir("/bin", 0755).file("/bin/busybox", "busybox".repeat(1000), 0755)
                        .symlink("/bin/sh", "busybox").hardlink("/bin/ls", "/bin/busybox")
                        .dir("/etc", 0755).file("/etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644)
                        .file("/etc/shadow", "root:*:1::::::\n", 0600).dir("/etc/ssl", 0755).file("/etc/ssl/cert.pem", "c", 0644)
                        .dir("/var/cache/apt", 0755).file("/var/cache/apt/pkgcache.bin", "cache", 0644)
                        .dir("/opt/app", 0755).file("/opt/app/run", "#!/bin/sh\n", 0755).dir("/opt/app/lib", 0755)
                        .file("/opt/app/lib/x.so", "so", 0644).dir("/tmp", 01777).file("/tmp/build.log", "log", 0644))
                .layer(Compression.NONE, l -> l.whiteout("/etc/shadow").whiteout("/opt/app/lib").opaque("/var/cache")
                        .dir("/var/cache/new", 0700).file("/var/cache/new/f", "f", 0600)
                        .setuid("/usr/bin/passwd", "passwd".getBytes(StandardCharsets.UTF_8))
                        .owner(1000, 1000).dir("/home/user", 0750).file("/home/user/.bashrc", "alias ll='ls -l'", 0644))
                .layer(Compression.GZIP, l -> l.file("/etc/ssl", "not a directory any more", 0644)
                        .whiteout("/tmp/build.log").file("/etc/shadow", "root:!:1::::::\n", 0640)
                        .hardlink("/usr/bin/chsh", "/usr/bin/passwd").file("/opt/app/run", "#!/bin/sh\nexec app\n", 0700))
                .layer(Compression.GZIP, l -> l.dotSlash(true).file("/etc/hostname", "img", 0644).whiteout("/home/user/.bashrc")
                        .file("/" + "long/".repeat(30) + "name", "deep", 0644))
                .write();
    }

    @BeforeAll
    static void build() throws Exception {
        ExternalTools.require("skopeo");
        ExternalTools.require("umoci");
        image = richImage(tmp.resolve("layout"));
        fromLayout = ImageReaders.standard().read(image.reference(), ReadOptions.defaults(), null);
    }

    @Test
    void skopeosDockerArchiveAndOciArchiveHoldTheSameFilesystem() throws Exception {
        Path docker = tmp.resolve("docker.tar");
        Path oci = tmp.resolve("oci.tar");
        ExternalTools.run("skopeo", "copy", "--quiet", image.reference(), "docker-archive:" + docker + ":example/rich:1.0");
        ExternalTools.run("skopeo", "copy", "--quiet", image.reference(), "oci-archive:" + oci + ":1.0");

        ImageScan fromDocker = ImageReaders.standard().read("docker-archive:" + docker, ReadOptions.defaults(), null);
        ImageScan fromOci = ImageReaders.standard().read("oci-archive:" + oci + ":1.0", ReadOptions.defaults(), null);
        assertEquals(fromLayout.files(), fromDocker.files());
        assertEquals(fromLayout.files(), fromOci.files());
        assertEquals(image.configDigest(), fromDocker.digest(), "docker archives are known by their image ID");
        assertEquals(image.diffIds(), fromDocker.layers().stream().map(Layer::digest).toList());
        String inspected = ExternalTools.run("skopeo", "inspect", "--format", "{{.Digest}}", "oci-archive:" + oci + ":1.0").trim();
        assertEquals(inspected, fromOci.digest());
    }

    @Test
    void theFilesystemIsTheTreeUmociUnpacks() throws Exception {
        Path bundle = tmp.resolve("bundle");
        ExternalTools.run("umoci", "unpack", "--rootless", "--image", image.dir() + ":1.0", bundle.toString());
        ImageScan unpacked = ImageReaders.standard().read("dir:" + bundle.resolve("rootfs"), ReadOptions.defaults(), null);

        assertEquals(comparable(unpacked), comparable(fromLayout));
        assertTrue(fromLayout.files().containsKey("/var/cache/new/f") && !fromLayout.files().containsKey("/var/cache/apt"));
        assertEquals(04755, unpacked.files().get("/usr/bin/passwd").mode());
    }

    /**
     * path → what must agree: kind (a hard link and its target are both "regular"; which path is the link depends
     * on tar order versus sorted order), mode, content digest, symlink target. Owners are left out: a rootless unpack
     * owns everything itself.
     */
    static Map<String, String> comparable(ImageScan scan) {
        Map<String, String> m = new TreeMap<>();
        scan.files().forEach((path, e) -> m.put(path, (e.isRegular() ? "regular" : e.kind().name()) + " "
                + Integer.toOctalString(e.mode()) + " " + (e.isRegular() ? e.sha256() : "")
                + (e.kind() == EntryKind.SYMLINK ? " -> " + e.linkTarget() : "")));
        return m;
    }
}
