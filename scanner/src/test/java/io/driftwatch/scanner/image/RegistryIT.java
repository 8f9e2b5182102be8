package io.driftwatch.scanner.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.scanner.testing.ExternalTools;
import io.driftwatch.scanner.testing.LocalRegistry;
import io.driftwatch.scanner.testing.TestImages;
import io.driftwatch.scanner.testing.TestImages.Compression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker:// against a real registry (Debian's docker-registry, plain http on loopback, anonymous): images pushed with
 * skopeo read back with the same digest and filesystem as the layout they came from.
 */
class RegistryIT {
    private static final ReadOptions INSECURE = new ReadOptions(ReadOptions.DEFAULT_CONTENT_LIMIT, false, null, ScanProgress.NONE);

    @TempDir
    static Path tmp;
    static LocalRegistry registry;
    static TestImages.Written image;
    static ImageScan fromLayout;

    @BeforeAll
    static void start() throws Exception {
        ExternalTools.require("skopeo");
        registry = LocalRegistry.start(tmp.resolve("registry"));
        byte[] big = new byte[12 * 1024 * 1024]; // over the progress step and the content limit
        new Random(7).nextBytes(big);
        image = SkopeoUmociIT.richImage(tmp.resolve("layout"));
        TestImages.layout(tmp.resolve("layout")).tag("big")
                .layer(Compression.NONE, l -> l.file("/big.bin", big, 0644))
                .layer(Compression.ZSTD, l -> l.file("/z", "zstd layer", 0644)).write();
        fromLayout = ImageReaders.standard().read(image.reference(), ReadOptions.defaults(), null);
        push(image.reference(), "test/rich:1.0");
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    static void push(String from, String to, String... extra) {
        String[] cmd = new String[6 + extra.length];
        cmd[0] = "skopeo";
        cmd[1] = "copy";
        cmd[2] = "--quiet";
        cmd[3] = "--dest-tls-verify=false";
        System.arraycopy(extra, 0, cmd, 4, extra.length);
        cmd[4 + extra.length] = from;
        cmd[5 + extra.length] = "docker://" + registry.host() + "/" + to;
        ExternalTools.run(cmd);
    }

    static String inspectDigest(String name) {
        return ExternalTools.run("skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
                "docker://" + registry.host() + "/" + name).trim();
    }

    @Test
    void aPushedImageReadsBackWithItsDigestAndFilesystem() throws Exception {
        ImageScan scan = ImageReaders.standard().read("docker://" + registry.host() + "/test/rich:1.0", INSECURE, null);
        assertEquals(inspectDigest("test/rich:1.0"), scan.digest());
        assertEquals(fromLayout.files(), scan.files());
        assertEquals(4, scan.layers().size());
        ImageScan byDigest = ImageReaders.standard().read("docker://" + registry.host() + "/test/rich@" + scan.digest(),
                INSECURE, null);
        assertEquals(scan.files(), byDigest.files());
    }

    @Test
    void bigAndZstdLayersStreamWithProgress() throws Exception {
        push("oci:" + tmp.resolve("layout") + ":big", "test/big:1");
        long[] progressed = {0};
        ScanProgress p = new ScanProgress() {
            @Override
            public void advanced(Layer layer, long bytesRead, long files) {
                progressed[0] = Math.max(progressed[0], bytesRead);
            }
        };
        ImageScan scan = ImageReaders.standard().read("docker://" + registry.host() + "/test/big:1",
                new ReadOptions(1024 * 1024, false, null, p), null);
        ImageScan local = ImageReaders.standard().read("oci:" + tmp.resolve("layout") + ":big", ReadOptions.defaults(), null);
        assertEquals(local.files(), scan.files());
        assertTrue(progressed[0] >= LayerReading.PROGRESS_STEP, "progress every 8 MiB: " + progressed[0]);
    }

    @Test
    void aMultiArchImageResolvesToThePlatformsManifest() throws Exception {
        Path layout = tmp.resolve("multi");
        TestImages.MultiWritten m = TestImages.multiArch(layout).tag("m")
                .image(i -> i.platform("linux", "arm64", "v8").layer(l -> l.file("/arch", "arm64", 0644)))
                .image(i -> i.platform("linux", "amd64").layer(l -> l.file("/arch", "amd64", 0644)))
                .write();
        push("oci:" + layout + ":m", "test/multi:1", "--all");
        ImageScan amd = ImageReaders.forPlatform("linux/amd64").read("docker://" + registry.host() + "/test/multi:1", INSECURE, null);
        assertEquals(m.platforms().get(1).digest(), amd.digest());
        ImageScan arm = ImageReaders.forPlatform("linux/arm64").read("docker://" + registry.host() + "/test/multi:1", INSECURE, null);
        assertEquals(TestImages.hex("arm64".getBytes()), arm.files().get("/arch").sha256());
    }

    @Test
    void missingTagsAndRepositoriesAreClearErrors() {
        ImageReadException e = assertThrows(ImageReadException.class,
                () -> ImageReaders.standard().read("docker://" + registry.host() + "/test/rich:nope", INSECURE, null));
        assertEquals("docker://" + registry.host() + "/test/rich:nope: no such manifest nope (404, MANIFEST_UNKNOWN: "
                + "manifest unknown)", e.getMessage());
        e = assertThrows(ImageReadException.class,
                () -> ImageReaders.standard().read("docker://" + registry.host() + "/nobody/here:1", INSECURE, null));
        assertTrue(e.getMessage().startsWith("docker://" + registry.host() + "/nobody/here:1: no such manifest 1 (404, "), e.getMessage());
    }

    @Test
    void withTlsVerificationAPlainHttpRegistryIsRefused() {
        ImageReadException e = assertThrows(ImageReadException.class,
                () -> ImageReaders.standard().read("docker://" + registry.host() + "/test/rich:1.0", ReadOptions.defaults(), null));
        assertTrue(e.getMessage().startsWith("cannot reach registry " + registry.host() + " over https: "), e.getMessage());
        assertTrue(e.getMessage().contains("turn TLS verification off"), e.getMessage());
    }

    @Test
    void aCorruptedBlobInTheRegistryFailsTheRead() throws Exception {
        Path layout = tmp.resolve("corrupt");
        TestImages.Written img = TestImages.layout(layout).tag("c").layer(Compression.NONE, l -> l.file("/f", "original", 0644)).write();
        push(img.reference(), "test/corrupt:1");
        String layerDigest = ImageReaders.standard().read("docker://" + registry.host() + "/test/corrupt:1", INSECURE, null)
                .layers().get(0).digest();
        Path data = registry.blobData(layerDigest);
        byte[] bytes = Files.readAllBytes(data); // skopeo compressed the layer on the way: any byte will do
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(data, bytes);
        ImageReadException e = assertThrows(ImageReadException.class,
                () -> ImageReaders.standard().read("docker://" + registry.host() + "/test/corrupt:1", INSECURE, null));
        assertTrue(e.getMessage().contains("layer 0 (" + layerDigest + "): digest mismatch: expected " + layerDigest),
                e.getMessage());
    }
}
