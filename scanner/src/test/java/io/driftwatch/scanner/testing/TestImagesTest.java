package io.driftwatch.scanner.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.scanner.testing.TestImages.Compression;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestImagesTest {

    @Test
    void writesAnOciLayoutWithTaggedManifestsAndVerifiableBlobs(@TempDir Path dir) throws Exception {
        TestImages.Written a = TestImages.layout(dir).tag("1.0")
                .layer(Compression.NONE, l -> l.dir("/etc", 0755).file("/etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644))
                .layer(Compression.ZSTD, l -> l.whiteout("/etc/passwd"))
                .write();
        TestImages.Written b = TestImages.layout(dir).tag("2.0").layer(l -> l.file("/x", "x", 0600)).write();

        JsonNode index = new ObjectMapper().readTree(dir.resolve("index.json").toFile());
        assertEquals(2, index.get("manifests").size());
        assertEquals("2.0", index.get("manifests").get(1).get("annotations").get(TestImages.REF_NAME).asText());
        for (String d : a.layerDigests()) {
            assertEquals(d, TestImages.sha256(Files.readAllBytes(a.blob(d))));
        }
        assertEquals(b.digest(), TestImages.sha256(Files.readAllBytes(b.blob(b.digest()))));
        assertTrue(Files.exists(dir.resolve("oci-layout")));
        assertEquals("oci:" + dir + ":1.0", a.reference());
    }
}
