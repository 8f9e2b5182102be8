package io.driftwatch.scanner.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryReferenceTest {
    private static final String D = "sha256:" + "a".repeat(64);

    @Test
    void dockerHubShortNamesRegistriesTagsAndDigests() throws Exception {
        assertEquals(new RegistryReference("registry-1.docker.io", "library/alpine", "latest", null),
                RegistryReference.parse("alpine"));
        assertEquals(new RegistryReference("registry-1.docker.io", "library/alpine", "3.20", null),
                RegistryReference.parse("docker.io/alpine:3.20"));
        assertEquals(new RegistryReference("registry-1.docker.io", "bitnami/redis", "7", null),
                RegistryReference.parse("bitnami/redis:7"));
        assertEquals(new RegistryReference("127.0.0.1:5000", "team/app", "1.0", null),
                RegistryReference.parse("127.0.0.1:5000/team/app:1.0"));
        assertEquals(new RegistryReference("localhost", "app", null, D), RegistryReference.parse("localhost/app@" + D));
        assertEquals(new RegistryReference("ghcr.io", "org/x/y", "v1", D), RegistryReference.parse("ghcr.io/org/x/y:v1@" + D));
        assertEquals(D, RegistryReference.parse("ghcr.io/org/x/y:v1@" + D).manifestReference());
    }

    @Test
    void badNamesAreRefused() {
        assertEquals("docker://Upper/Case: 'Upper/Case' is not a valid repository name (lower-case letters, digits, '.', '_', '-', '/')",
                assertThrows(ImageReadException.class, () -> RegistryReference.parse("Upper/Case")).getMessage());
        assertEquals("docker://x@sha256:12: 'sha256:12' is not a sha256 digest",
                assertThrows(ImageReadException.class, () -> RegistryReference.parse("x@sha256:12")).getMessage());
        assertThrows(ImageReadException.class, () -> RegistryReference.parse("x:bad!tag"));
    }

    @Test
    void challengesParse() {
        assertEquals(Map.of("realm", "https://auth.docker.io/token", "service", "registry.docker.io",
                "scope", "repository:library/alpine:pull,push"),
                RegistryReader.challengeParams(" realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                        + "scope=\"repository:library/alpine:pull,push\""));
        assertEquals(Map.of("realm", "x"), RegistryReader.challengeParams(" realm=x"));
    }
}
