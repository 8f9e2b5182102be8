package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.scanner.testing.ExternalTools;
import io.driftwatch.scanner.testing.LocalRegistry;
import io.driftwatch.scanner.testing.PlantedImages;
import io.driftwatch.scanner.testing.RegistryAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scan docker://...} with {@code --creds} and {@code --tls-verify=false} against a real registry (Debian's
 * docker-registry, htpasswd auth behind a self-signed certificate) that skopeo pushed the planted image to; and the
 * docker-archive skopeo makes of it. Same findings as from the OCI layout.
 */
class ScanRegistryIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "ci";
    private static final String PASSWORD = "registry-pass-" + Long.toHexString(System.nanoTime());

    @TempDir
    static Path tmp;
    static LocalRegistry registry;
    static PlantedImages.Planted planted;

    @BeforeAll
    static void start() throws Exception {
        ExternalTools.require("skopeo");
        planted = PlantedImages.violations(tmp.resolve("layout"));
        RegistryAuth.SelfSigned tls = RegistryAuth.selfSigned(tmp.resolve("tls"), "registry");
        Path htpasswd = tmp.resolve("htpasswd");
        Files.writeString(htpasswd, RegistryAuth.htpasswdLine(USER, PASSWORD));
        registry = LocalRegistry.start(tmp.resolve("registry"),
                "auth:\n  htpasswd:\n    realm: driftwatch-test\n    path: " + htpasswd + "\n", tls.certFile(), tls.keyFile());
        ExternalTools.run("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", USER + ":" + PASSWORD,
                planted.image().reference(), "docker://" + registry.host() + "/team/app:planted");
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    private static JsonNode findings(CliHelpTest.Run run) throws Exception {
        return JSON.readTree(run.out()).get("findings");
    }

    @Test
    void scansFromTheRegistryWithCredentialsAndWithoutTlsVerification() throws Exception {
        String image = "docker://" + registry.host() + "/team/app:planted";
        CliHelpTest.Run local = CliHelpTest.run("scan", planted.image().reference(), "--format", "json", "-q");
        CliHelpTest.Run run = CliHelpTest.run("scan", image, "--tls-verify=false", "--creds", USER + ":" + PASSWORD,
                "--format", "json", "-q");
        assertEquals(1, run.exitCode(), run.err());
        assertEquals(findings(local).size(), findings(run).size());
        assertEquals(22, findings(run).size());
        assertEquals(planted.image().digest(), JSON.readTree(run.out()).at("/image/digest").asText(),
                "skopeo pushed the OCI manifest as it was");
        assertFalse(run.out().contains(PASSWORD) || run.err().contains(PASSWORD));

        CliHelpTest.Run verified = CliHelpTest.run("scan", image, "--creds", USER + ":" + PASSWORD);
        assertEquals(2, verified.exitCode());
        assertTrue(verified.err().startsWith("error: cannot read " + image + ": cannot reach registry"), verified.err());
        CliHelpTest.Run anonymous = CliHelpTest.run("scan", image, "--tls-verify=false");
        assertEquals(2, anonymous.exitCode());
        assertTrue(anonymous.err().contains("the registry needs credentials"), anonymous.err());
        CliHelpTest.Run wrong = CliHelpTest.run("scan", image, "--tls-verify=false", "--creds", USER + ":wrong");
        assertEquals(2, wrong.exitCode());
        assertFalse(wrong.err().contains(PASSWORD));
    }

    @Test
    void scansTheDockerArchiveSkopeoMakes() throws Exception {
        Path archive = tmp.resolve("app.tar");
        ExternalTools.run("skopeo", "copy", "--quiet", planted.image().reference(), "docker-archive:" + archive + ":team/app:planted");
        CliHelpTest.Run run = CliHelpTest.run("scan", "docker-archive:" + archive, "--format", "json", "-q");
        assertEquals(1, run.exitCode(), run.err());
        JsonNode findings = findings(run);
        assertEquals(22, findings.size());
        boolean deleted = false;
        for (JsonNode f : findings) {
            if (f.get("checkId").asText().equals("DW-IMG-032")) {
                deleted = f.get("layer").asInt() == 1 && f.get("removedInLayer").asInt() == 2;
            }
        }
        assertTrue(deleted, "the secret deleted in layer 2 is still found in layer 1 of the docker-archive");
    }
}
