package io.driftwatch.scanner.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.scanner.testing.RecordingVisitor;
import io.driftwatch.scanner.testing.TestImages;
import io.driftwatch.scanner.testing.TestImages.Compression;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageReadersTest {
    private static final byte[] BUSYBOX = "busybox binary".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ImageReader reader = ImageReaders.standard();

    @TempDir
    Path tmp;

    private ImageScan read(String reference) throws ImageReadException {
        return reader.read(reference, ReadOptions.defaults(), null);
    }

    @Test
    void readsFilesDirectoriesLinksModesAndOwnersOfEveryCompression() throws Exception {
        for (Compression c : Compression.values()) {
            Path dir = tmp.resolve(c.name());
            TestImages.Written img = TestImages.layout(dir).tag("1.0")
                    .layer(c, l -> l.dir("/bin", 0755).file("/bin/busybox", BUSYBOX, 0755)
                            .symlink("/bin/sh", "busybox").hardlink("/bin/ls", "/bin/busybox")
                            .setuid("/bin/su", BUSYBOX).owner(1000, 100).dir("/home/u", 0700).file("/home/u/.profile", "x", 0640)
                            .charDevice("/dev/null", 1, 3, 0666).fifo("/run/fifo", 0600))
                    .write();
            ImageScan scan = read(img.reference());

            assertEquals(img.digest(), scan.digest(), c.name());
            assertEquals("linux", scan.os());
            assertEquals("amd64", scan.architecture());
            assertEquals(img.layerDigests(), scan.layers().stream().map(Layer::digest).toList());
            assertEquals(c.mediaType, scan.layers().get(0).mediaType());
            assertEquals(Files.size(img.blob(img.layerDigests().get(0))), scan.bytesRead());
            ImageEntry busybox = scan.files().get("/bin/busybox");
            assertEquals(new ImageEntry("/bin/busybox", EntryKind.FILE, 0755, 0, 0, BUSYBOX.length, TestImages.hex(BUSYBOX),
                    null, 0), busybox);
            assertEquals(new ImageEntry("/bin/sh", EntryKind.SYMLINK, 0777, 0, 0, 0, null, "busybox", 0),
                    scan.files().get("/bin/sh"));
            ImageEntry ls = scan.files().get("/bin/ls");
            assertEquals(EntryKind.HARDLINK, ls.kind());
            assertEquals("/bin/busybox", ls.linkTarget());
            assertEquals(busybox.sha256(), ls.sha256());
            assertTrue(ls.isRegular());
            assertEquals(04755, scan.files().get("/bin/su").mode());
            ImageEntry profile = scan.files().get("/home/u/.profile");
            assertEquals(1000, profile.uid());
            assertEquals(100, profile.gid());
            assertEquals(0640, profile.mode());
            assertEquals(EntryKind.CHAR_DEVICE, scan.files().get("/dev/null").kind());
            assertEquals(EntryKind.FIFO, scan.files().get("/run/fifo").kind());
            // Parents the layer left out exist, as an extractor makes them; the root is always there.
            assertEquals(EntryKind.DIR, scan.files().get("/home").kind());
            assertEquals(0755, scan.files().get("/dev").mode());
            assertEquals(EntryKind.DIR, scan.files().get("/").kind());
        }
    }

    @Test
    void whiteoutsDeleteLowerLayersOnlyAndOpaqueDirectoriesHideTheirLowerContents() throws Exception {
        TestImages.Written img = TestImages.layout(tmp).tag("t")
                .layer(Compression.NONE, l -> l.dir("/etc", 0755).file("/etc/passwd", "root", 0644).file("/etc/shadow", "s", 0600)
                        .dir("/var/cache", 0755).file("/var/cache/a", "a", 0644).dir("/var/cache/sub", 0755)
                        .file("/var/cache/sub/b", "b", 0644).dir("/opt/tool", 0755).file("/opt/tool/bin", "t", 0755)
                        .file("/tmp/x", "x", 0644).file("/tmp/xy", "xy", 0644))
                .layer(Compression.GZIP, l -> l
                        // the layer's own files survive its whiteouts whatever the order in the tar
                        .file("/var/cache/new", "n", 0644).opaque("/var/cache")
                        .whiteout("/opt/tool").whiteout("/tmp/x").whiteout("/etc/shadow").whiteout("/nothing/there"))
                .layer(Compression.ZSTD, l -> l.file("/etc/shadow", "s2", 0640))
                .write();
        RecordingVisitor visitor = new RecordingVisitor();
        ImageScan scan = reader.read(img.reference(), ReadOptions.defaults(), visitor);

        assertEquals(List.of("/", "/etc", "/etc/passwd", "/etc/shadow", "/opt", "/tmp", "/tmp/xy", "/var", "/var/cache",
                "/var/cache/new"), List.copyOf(scan.files().keySet()));
        assertEquals(2, scan.files().get("/etc/shadow").layer());
        assertEquals(TestImages.hex("s2".getBytes(StandardCharsets.UTF_8)), scan.files().get("/etc/shadow").sha256());
        assertEquals(0, scan.files().get("/var/cache").layer(), "an opaque whiteout keeps its directory");
        // The visitor saw everything the image ships, deleted or not, and each whiteout, in tar order.
        assertTrue(visitor.calls.contains("entry 0 /opt/tool/bin FILE"));
        int newAt = visitor.calls.indexOf("entry 1 /var/cache/new FILE");
        assertEquals(List.of("entry 1 /var/cache/new FILE", "opaque 1 /var/cache", "whiteout 1 /opt/tool",
                "whiteout 1 /tmp/x", "whiteout 1 /etc/shadow", "whiteout 1 /nothing/there", "entry 2 /etc/shadow FILE"),
                visitor.calls.subList(newAt, visitor.calls.size()));
    }

    @Test
    void aFileReplacingADirectoryTakesItsContentsAndADirectoryOverADirectoryMerges() throws Exception {
        TestImages.Written img = TestImages.layout(tmp)
                .layer(l -> l.dir("/a", 0755).file("/a/x", "x", 0644).dir("/b", 0755).file("/b/y", "y", 0644))
                .layer(l -> l.file("/a", "now a file", 0644).dir("/b", 0700).file("/b/z", "z", 0644))
                .write();
        ImageScan scan = read(img.reference());
        assertEquals(List.of("/", "/a", "/b", "/b/y", "/b/z"), List.copyOf(scan.files().keySet()));
        assertEquals(EntryKind.FILE, scan.files().get("/a").kind());
        assertEquals(0700, scan.files().get("/b").mode());
    }

    @Test
    void namesAreNormalisedAndNamesThatClimbAboveTheRootAreRejected() throws Exception {
        TestImages.Written img = TestImages.layout(tmp)
                .layer(l -> l.dotSlash(true).dir("/usr/bin", 0755).file("/usr/bin/env", "env", 0755).dotSlash(false)
                        .raw("./", TarConstants.LF_DIR, 0755, null, null)
                        .raw("a/../b", TarConstants.LF_NORMAL, 0644, "b".getBytes(), null)
                        .raw("../../etc/evil", TarConstants.LF_NORMAL, 0644, "evil".getBytes(), null)
                        .raw("/../x", TarConstants.LF_NORMAL, 0644, "x".getBytes(), null)
                        .raw("usr//lib/./y", TarConstants.LF_NORMAL, 0644, "y".getBytes(), null)
                        .raw("link", TarConstants.LF_LINK, 0644, null, "../../../etc/passwd"))
                .write();
        RecordingVisitor visitor = new RecordingVisitor();
        ImageScan scan = reader.read(img.reference(), ReadOptions.defaults(), visitor);
        assertEquals(List.of("/", "/b", "/usr", "/usr/bin", "/usr/bin/env", "/usr/lib", "/usr/lib/y"),
                List.copyOf(scan.files().keySet()));
        assertTrue(visitor.calls.contains("rejected 0 ../../etc/evil"), visitor.calls.toString());
        assertTrue(visitor.calls.contains("rejected 0 /../x"), visitor.calls.toString());
        assertTrue(visitor.calls.contains("rejected 0 link"), visitor.calls.toString());
        assertEquals("/", LayerApplier.normalize("."));
        assertNull(LayerApplier.normalize(".."));
        assertEquals("/a", LayerApplier.normalize("./a/"));
    }

    @Test
    void longNamesInPaxAndGnuForm() throws Exception {
        String longName = "/opt/" + "d".repeat(120) + "/" + "f".repeat(150);
        TestImages.Written img = TestImages.layout(tmp).tag("pax").layer(l -> l.file(longName, "pax", 0644)).write();
        TestImages.Written gnu = TestImages.layout(tmp).tag("gnu").layer(l -> l.gnuLongNames().file(longName, "gnu", 0644)
                .symlink(longName + "-link", "/" + "t".repeat(150))).write();
        assertEquals(TestImages.hex("pax".getBytes()), read(img.reference()).files().get(longName).sha256());
        ImageScan g = read(gnu.reference());
        assertEquals(TestImages.hex("gnu".getBytes()), g.files().get(longName).sha256());
        assertEquals("/" + "t".repeat(150), g.files().get(longName + "-link").linkTarget());
    }

    @Test
    void compressionIsSniffedNotTakenFromTheMediaType() throws Exception {
        TestImages.Written img = TestImages.layout(tmp)
                .layer(Compression.ZSTD, l -> l.mediaType(Compression.GZIP.mediaType).file("/z", "zstd inside", 0644))
                .layer(Compression.NONE, l -> l.mediaType(Compression.GZIP.mediaType).file("/n", "plain inside", 0644))
                .write();
        ImageScan scan = read(img.reference());
        assertEquals(TestImages.hex("zstd inside".getBytes()), scan.files().get("/z").sha256());
        assertEquals(TestImages.hex("plain inside".getBytes()), scan.files().get("/n").sha256());
    }

    @Test
    void bigFilesStreamWithoutContentAndSmallOnesComeWithIt() throws Exception {
        byte[] big = new byte[5 * 1024 * 1024 + 17];
        new Random(1).nextBytes(big);
        TestImages.Written img = TestImages.layout(tmp).layer(Compression.NONE, l -> l.file("/big", big, 0644).file("/small", "s", 0644)).write();
        RecordingVisitor visitor = new RecordingVisitor();
        List<String> progress = new ArrayList<>();
        ScanProgress p = new ScanProgress() {
            @Override
            public void layerStarted(Layer layer, int count, long bytes) {
                progress.add("start " + layer.index() + "/" + count + " " + bytes);
            }

            @Override
            public void layerDone(Layer layer, long files) {
                progress.add("done " + layer.index() + " " + files);
            }
        };
        ImageScan scan = reader.read(img.reference(), new ReadOptions(1024 * 1024, true, null, p), visitor);
        assertEquals(TestImages.hex(big), scan.files().get("/big").sha256());
        assertEquals(big.length, scan.files().get("/big").size());
        assertNull(visitor.contents.get(0), "over the limit: no content");
        assertArrayEquals("s".getBytes(), visitor.contents.get(1));
        long blobSize = Files.size(img.blob(img.layerDigests().get(0)));
        assertEquals(List.of("start 0/1 " + blobSize, "done 0 2"), progress);
    }

    @Test
    void multiArchIndexesResolveToThePlatform() throws Exception {
        TestImages.MultiWritten m = TestImages.multiArch(tmp).tag("multi")
                .image(i -> i.platform("linux", "arm64", "v8").layer(l -> l.file("/arch", "arm64", 0644)))
                .image(i -> i.platform("linux", "amd64").layer(l -> l.file("/arch", "amd64", 0644)))
                .image(i -> i.platform("linux", "s390x").layer(l -> l.file("/arch", "s390x", 0644)))
                .write();
        String ref = m.index().reference();
        ImageScan amd = ImageReaders.forPlatform("linux/amd64").read(ref, ReadOptions.defaults(), null);
        assertEquals(m.platforms().get(1).digest(), amd.digest(), "the platform's manifest digest, not the index's");
        assertEquals(List.of(m.index().digest()), amd.indexDigests(), "the index it was chosen through");
        assertEquals(TestImages.hex("amd64".getBytes()), amd.files().get("/arch").sha256());
        ImageScan arm = ImageReaders.forPlatform("linux/arm64/v8").read(ref, ReadOptions.defaults(), null);
        assertEquals("arm64", arm.architecture());
        assertEquals(m.platforms().get(0).digest(),
                ImageReaders.forPlatform("linux/arm64").read(ref, ReadOptions.defaults(), null).digest());
        assertEquals(Platforms.host().equals("linux/arm64") ? "arm64" : "amd64", read(ref).architecture());
        ImageReadException e = assertThrows(ImageReadException.class,
                () -> ImageReaders.forPlatform("linux/riscv64").read(ref, ReadOptions.defaults(), null));
        assertTrue(e.getMessage().contains("no image for platform linux/riscv64"), e.getMessage());
        assertTrue(e.getMessage().contains("linux/arm64/v8, linux/amd64, linux/s390x"), e.getMessage());
    }

    @Test
    void nestedIndexesAreFollowed() throws Exception {
        TestImages.MultiWritten inner = TestImages.multiArch(tmp).tag("inner")
                .image(i -> i.platform("linux", "amd64").layer(l -> l.file("/x", "x", 0644))).write();
        // an index whose one entry is the inner index, tagged "outer"
        var outerNode = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", TestImages.OCI_INDEX);
        outerNode.putArray("manifests").addObject().put("mediaType", TestImages.OCI_INDEX)
                .put("digest", inner.index().digest()).put("size", Files.size(inner.index().blob(inner.index().digest())));
        byte[] outer = JSON.writeValueAsBytes(outerNode);
        String outerDigest = TestImages.writeBlob(tmp, outer);
        var entry = JSON.createObjectNode().put("mediaType", TestImages.OCI_INDEX).put("digest", outerDigest).put("size", outer.length);
        entry.putObject("annotations").put(TestImages.REF_NAME, "outer");
        TestImages.addToIndex(tmp, entry);
        ImageScan scan = read("oci:" + tmp + ":outer");
        assertEquals(inner.platforms().get(0).digest(), scan.digest());
        assertEquals(List.of(outerDigest, inner.index().digest()), scan.indexDigests(), "outermost first");
        assertNotNull(scan.files().get("/x"));
    }

    @Test
    void tagsChooseImagesAndAMissingOrAmbiguousTagSaysWhichTagsThereAre() throws Exception {
        TestImages.layout(tmp).tag("1.0").layer(l -> l.file("/v", "1", 0644)).write();
        TestImages.layout(tmp).tag("2.0").layer(l -> l.file("/v", "2", 0644)).write();
        assertEquals(TestImages.hex("2".getBytes()), read("oci:" + tmp + ":2.0").files().get("/v").sha256());
        assertEquals(List.of(), read("oci:" + tmp + ":2.0").indexDigests(), "a tag naming a manifest has no index");
        ImageReadException missing = assertThrows(ImageReadException.class, () -> read("oci:" + tmp + ":3.0"));
        assertEquals("oci:" + tmp + " has no image tagged '3.0'; its tags: 1.0, 2.0", missing.getMessage());
        ImageReadException ambiguous = assertThrows(ImageReadException.class, () -> read("oci:" + tmp));
        assertTrue(ambiguous.getMessage().contains("holds 2 images; name one with oci:" + tmp + ":TAG; its tags: 1.0, 2.0"),
                ambiguous.getMessage());

        Path single = tmp.resolve("single");
        TestImages.Written untagged = TestImages.layout(single).layer(l -> l.file("/u", "u", 0644)).write();
        assertEquals(untagged.digest(), read("oci:" + single).digest(), "one image, no tag: that one");
    }

    @Test
    void aCorruptedOrMissingBlobFailsTheRead() throws Exception {
        TestImages.Written img = TestImages.layout(tmp).tag("t").layer(Compression.NONE, l -> l.file("/f", "original", 0644)).write();
        Path layer = img.blob(img.layerDigests().get(0));
        byte[] bytes = Files.readAllBytes(layer);
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("original");
        bytes[at] = 'O'; // same size, different content
        Files.write(layer, bytes);
        ImageReadException e = assertThrows(ImageReadException.class, () -> read(img.reference()));
        assertTrue(e.getMessage().contains("layer 0 (" + img.layerDigests().get(0) + "): digest mismatch"), e.getMessage());

        Files.delete(layer);
        e = assertThrows(ImageReadException.class, () -> read(img.reference()));
        assertTrue(e.getMessage().contains("lacks blob " + img.layerDigests().get(0)), e.getMessage());

        Files.writeString(img.blob(img.configDigest()), "{}");
        e = assertThrows(ImageReadException.class, () -> read(img.reference()));
        assertTrue(e.getMessage().contains("image config " + img.configDigest() + ": digest mismatch"), e.getMessage());
    }

    @Test
    void clearErrorsForUnknownTransportsMissingFilesAndBadManifests() throws Exception {
        assertTrue(assertThrows(ImageReadException.class, () -> read("alpine:3")).getMessage()
                .startsWith("unknown image transport in 'alpine:3': name the image as one of oci:DIR[:TAG]"));
        assertEquals("oci:" + tmp.resolve("nope") + ": no such directory",
                assertThrows(ImageReadException.class, () -> read("oci:" + tmp.resolve("nope"))).getMessage());
        assertEquals("docker-archive:" + tmp.resolve("x.tar") + ": no such file",
                assertThrows(ImageReadException.class, () -> read("docker-archive:" + tmp.resolve("x.tar"))).getMessage());
        assertTrue(assertThrows(ImageReadException.class, () -> read("oci:" + tmp)).getMessage()
                .contains("is not an OCI image layout: it has no index.json"));
        Files.writeString(tmp.resolve("index.json"), "{\"manifests\": [");
        assertTrue(assertThrows(ImageReadException.class, () -> read("oci:" + tmp)).getMessage()
                .startsWith("oci:" + tmp + ": index.json is not valid JSON"));
        byte[] notImage = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
                + "{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\",\"digest\":\"sha256:"
                + "0".repeat(64) + "\",\"size\":2},\"layers\":[]}").getBytes();
        String d = TestImages.writeBlob(tmp, notImage);
        Files.delete(tmp.resolve("index.json"));
        TestImages.addToIndex(tmp, JSON.createObjectNode().put("mediaType", TestImages.OCI_MANIFEST).put("digest", d)
                .put("size", notImage.length));
        assertTrue(assertThrows(ImageReadException.class, () -> read("oci:" + tmp)).getMessage()
                .endsWith("is not a container image: its config is application/vnd.cncf.helm.config.v1+json"));
    }

    @Test
    void ociArchivesPlainOrCompressedAndDockerArchivesReadLikeTheLayout() throws Exception {
        Path layout = tmp.resolve("layout");
        TestImages.Written img = TestImages.layout(layout).tag("1.0")
                .layer(l -> l.dir("/etc", 0755).file("/etc/os-release", "ID=test", 0644).symlink("/etc/mtab", "/proc/mounts"))
                .layer(Compression.ZSTD, l -> l.whiteout("/etc/mtab").setuid("/usr/bin/passwd", BUSYBOX))
                .write();
        ImageScan fromLayout = read(img.reference());
        ImageScan plain = read("oci-archive:" + TestImages.ociArchive(layout, tmp.resolve("a.tar"), false) + ":1.0");
        ImageScan gz = read("oci-archive:" + TestImages.ociArchive(layout, tmp.resolve("a.tar.gz"), true) + ":1.0");
        Path docker = TestImages.dockerArchive(img, tmp.resolve("d.tar"), "example/test:1.0");
        ImageScan fromDocker = read("docker-archive:" + docker);
        ImageScan byName = read("docker-archive:" + docker + ":example/test:1.0");
        assertEquals(fromLayout.files(), plain.files());
        assertEquals(fromLayout.files(), gz.files());
        assertEquals(fromLayout.files(), fromDocker.files());
        assertEquals(img.digest(), plain.digest());
        assertEquals(img.configDigest(), fromDocker.digest(), "a legacy docker archive has no manifest: the image ID");
        assertEquals(img.diffIds(), fromDocker.layers().stream().map(Layer::digest).toList());
        assertEquals(fromDocker.files(), byName.files());
        assertTrue(assertThrows(ImageReadException.class, () -> read("docker-archive:" + docker + ":other:1"))
                .getMessage().endsWith("has no image 'other:1'; its images: example/test:1.0"));
        assertTrue(assertThrows(ImageReadException.class, () -> read("oci-archive:" + docker)).getMessage()
                .contains("it has a manifest.json: use docker-archive:"));
        try (Stream<Path> temps = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertFalse(temps.anyMatch(p -> p.getFileName().toString().startsWith("driftwatch-archive-")),
                    "temporary tar deleted");
        }
    }

    @Test
    void aDocker25ArchiveNamesBlobsByDigestAndCarriesTheManifestDigest() throws Exception {
        // docker save since 25: an OCI layout plus manifest.json pointing into blobs/sha256
        Path layout = tmp.resolve("layout");
        TestImages.Written img = TestImages.layout(layout).tag("1.0")
                .layer(l -> l.file("/a", "a", 0644)).layer(Compression.NONE, l -> l.file("/b", "b", 0644)).write();
        var manifest = JSON.createArrayNode().addObject()
                .put("Config", "blobs/sha256/" + img.configDigest().substring(7));
        manifest.putArray("RepoTags").add("example/new:1.0");
        var layers = manifest.putArray("Layers");
        img.layerDigests().forEach(d -> layers.add("blobs/sha256/" + d.substring(7)));
        Files.write(layout.resolve("manifest.json"), JSON.writeValueAsBytes(JSON.createArrayNode().add(manifest)));
        Path archive = TestImages.ociArchive(layout, tmp.resolve("docker25.tar"), false);

        ImageScan scan = read("docker-archive:" + archive);
        assertEquals(img.digest(), scan.digest(), "the manifest digest from the archive's own index");
        assertEquals(img.layerDigests(), scan.layers().stream().map(Layer::digest).toList());
        assertEquals(read(img.reference()).files(), scan.files());

        Path blob = img.blob(img.layerDigests().get(1));
        byte[] bytes = Files.readAllBytes(blob);
        bytes[new String(bytes, StandardCharsets.ISO_8859_1).indexOf('b')] = 'c';
        Files.write(blob, bytes);
        Path corrupted = TestImages.ociArchive(layout, tmp.resolve("corrupted.tar"), false);
        ImageReadException e = assertThrows(ImageReadException.class, () -> read("docker-archive:" + corrupted));
        assertTrue(e.getMessage().contains("digest mismatch: expected " + img.layerDigests().get(1)), e.getMessage());
    }

    @Test
    void dockerArchiveLayersAreCheckedAgainstTheDiffIds() throws Exception {
        TestImages.Written img = TestImages.layout(tmp.resolve("l")).layer(Compression.NONE, l -> l.file("/f", "original", 0644)).write();
        Path docker = TestImages.dockerArchive(img, tmp.resolve("d.tar"), "x:1");
        byte[] bytes = Files.readAllBytes(docker);
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        bytes[s.indexOf("original")] = 'O';
        Files.write(docker, bytes);
        ImageReadException e = assertThrows(ImageReadException.class, () -> read("docker-archive:" + docker));
        assertTrue(e.getMessage().contains("digest mismatch: expected " + img.diffIds().get(0)), e.getMessage());
    }
}
