package io.driftwatch.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerInfoTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    private static ContainerInfo info(String image, Map<String, String> annotations) {
        return new ContainerInfo("c1", "runc", Path.of("/r"), 1, 0L, null, "app", null, null, null, image, annotations,
                false);
    }

    @Test
    void theDigestComesFromTheAnnotationFirstThenFromAPinnedReference() {
        String other = "sha256:" + "cd".repeat(32);
        assertEquals(DIGEST, info("registry/app@" + other, Map.of(ContainerInfo.IMAGE_DIGEST_ANNOTATION, DIGEST))
                .toMetadata("n1").getImageDigest());
        assertEquals(other, info("registry.example:5000/team/app@" + other, Map.of()).toMetadata("n1").getImageDigest());
    }

    @Test
    void aTagOrAMalformedDigestGivesNone() {
        assertNull(info("registry/app:1.0", Map.of()).imageDigest());
        assertNull(info(null, Map.of(ContainerInfo.IMAGE_DIGEST_ANNOTATION, "sha256:XYZ")).imageDigest());
        assertNull(info("app@sha256:1234", Map.of()).imageDigest());
    }
}
