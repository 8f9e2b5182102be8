package io.driftwatch.scanner.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Severity;
import io.driftwatch.scanner.image.ImageReaders;
import io.driftwatch.scanner.image.ReadOptions;
import io.driftwatch.scanner.policy.PolicyLoader;
import io.driftwatch.scanner.testing.PlantedImages;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each check of the built-in policy finds its planted case in one image that has them all ({@link PlantedImages}),
 * and nothing else; an ordinary image gives no findings.
 */
class DefaultPolicyChecksTest {
    @TempDir
    static Path dir;

    static PlantedImages.Planted planted;
    static ScanReport report;

    @BeforeAll
    static void scan() throws Exception {
        planted = PlantedImages.violations(dir.resolve("planted"));
        report = new ImageScanner(ImageReaders.standard(), PolicyLoader.defaultPolicy())
                .scan(planted.image().reference(), ReadOptions.defaults());
    }

    private static List<Finding> of(String checkId) {
        return report.findings().stream().filter(f -> f.checkId().equals(checkId)).toList();
    }

    private static Finding only(String checkId, String path) {
        List<Finding> found = of(checkId);
        assertEquals(List.of(path), found.stream().map(Finding::path).toList(), checkId + ": " + found);
        return found.get(0);
    }

    private static void inLayer(Finding f, int layer) {
        assertEquals(layer, f.layer(), f.toString());
        assertEquals(planted.layerDigest(layer), f.layerDigest(), f.toString());
    }

    @Test
    void notExistsFindsTheShadowBackup() {
        Finding f = only("DW-IMG-001", "/etc/shadow-");
        assertEquals(Severity.LOW, f.severity());
        inLayer(f, 0);
        assertTrue(f.message().contains("/etc/shadow- is in the image"), f.message());
    }

    @Test
    void notExistsFindsAnSshHostKey() {
        inLayer(only("DW-IMG-002", "/etc/ssh/ssh_host_ed25519_key"), 0);
    }

    @Test
    void rejectedEntryFindsAnEntryClimbingAboveTheRoot() {
        Finding f = only("DW-IMG-003", "../../etc/cron.d/evil");
        inLayer(f, 0);
        assertEquals("layer 0 holds the entry ../../etc/cron.d/evil, which was not applied: the name climbs above the"
                + " image's root", f.message());
        assertFalse(report.image().files().containsKey("/etc/cron.d/evil"));
    }

    @Test
    void setuidFindsABinaryOutsideTheAllowList() {
        Finding f = only("DW-IMG-010", "/usr/bin/backdoor");
        assertEquals(Severity.HIGH, f.severity());
        assertTrue(f.message().contains("setuid (mode 4755, uid 0, gid 0)"), f.message());
    }

    @Test
    void worldWritableFindsTheFileAndTheDirectoryButNotTmp() {
        List<Finding> found = of("DW-IMG-011");
        assertEquals(List.of("/app/config.json", "/data"), found.stream().map(Finding::path).toList());
        assertTrue(found.get(0).message().contains("world-writable file (mode 0666)"), found.get(0).message());
        assertTrue(found.get(1).message().contains("world-writable directory without the sticky bit (mode 0777)"));
    }

    @Test
    void executableFindsAScriptUnderEtcButNotInitD() {
        only("DW-IMG-012", "/etc/cleanup.sh");
    }

    @Test
    void ownerFindsSudoersOwnedByAUser() {
        Finding f = only("DW-IMG-013", "/etc/sudoers");
        assertTrue(f.message().contains("owned by uid 1000, gid 1000; expected uid 0"), f.message());
    }

    @Test
    void nameFindsKeysEnvFilesCredentialsHistoryAndGit() {
        inLayer(only("DW-IMG-020", "/root/.ssh/id_rsa"), 0);
        only("DW-IMG-021", "/app/certs/server.pem");
        only("DW-IMG-022", "/app/.env");
        Finding netrc = only("DW-IMG-023", "/root/.netrc");
        inLayer(netrc, 0);
        assertEquals(2, netrc.removedInLayer(), "a name check sees files a later layer deleted");
        only("DW-IMG-024", "/root/.bash_history");
        Finding git = only("DW-IMG-025", "/app/.git");
        assertEquals("Version-control metadata (.git, .svn, .hg) in the image: /app/.git", git.message());
    }

    @Test
    void contentFindsThePrivateKey() {
        Finding f = only("DW-IMG-030", "/root/.ssh/id_rsa");
        assertEquals(2, f.line());
        assertTrue(f.evidence().startsWith("-----BEGIN PRIVATE KEY----- MIIC…("), f.evidence());
        assertEquals(Redaction.fingerprint(planted.secrets().get("private-key")), f.secretFingerprint());
    }

    @Test
    void contentFindsTokensOfEachKind() {
        String github = planted.secrets().get("github-token");
        Finding g = only("DW-IMG-033", "/app/tokens.txt");
        assertEquals(1, g.line());
        assertEquals(github.substring(0, 4) + "…(40 chars, " + Redaction.fingerprint(github) + ")", g.evidence());
        assertEquals(2, only("DW-IMG-034", "/app/tokens.txt").line());
        assertEquals(3, only("DW-IMG-035", "/app/tokens.txt").line());
        Finding jwt = only("DW-IMG-036", "/app/tokens.txt");
        assertEquals(4, jwt.line());
        inLayer(jwt, 1);
        assertNull(jwt.removedInLayer());
    }

    @Test
    void contentFindsThePasswordInTheEnvFileButNotNsswitch() {
        Finding f = only("DW-IMG-037", "/app/.env");
        assertEquals(2, f.line());
        assertTrue(f.message().startsWith("password in configuration (DB_PASSWORD) in /app/.env line 2"), f.message());
    }

    @Test
    void aSecretAddedInLayerOneAndDeletedInLayerTwoIsStillFoundAndNamesBothLayers() {
        for (String check : List.of("DW-IMG-031", "DW-IMG-032")) {
            Finding f = only(check, "/app/credentials.txt");
            inLayer(f, 1);
            assertEquals(2, f.removedInLayer(), f.toString());
            assertEquals(planted.layerDigest(2), f.removedInDigest());
            assertTrue(f.message().endsWith("; deleted in layer 2, but layer 1 still ships it"), f.message());
        }
        assertEquals(Severity.CRITICAL, only("DW-IMG-032", "/app/credentials.txt").severity());
        assertFalse(report.image().files().containsKey("/app/credentials.txt"), "gone from the final filesystem");
    }

    @Test
    void everyCheckOfTheDefaultPolicyFoundItsCaseAndNothingElse() {
        List<String> ids = report.checks().stream().map(CheckInfo::id).toList();
        List<String> silent = ids.stream().filter(id -> of(id).isEmpty()).toList();
        assertEquals(List.of(), silent, "checks that found nothing");
        assertEquals(22, report.findings().size(), report.findings().stream().map(f -> f.checkId() + " " + f.path())
                .collect(Collectors.joining("\n")));
        assertEquals(report.findings(), report.active(), "no exceptions in the built-in policy");
        assertEquals(Severity.CRITICAL, report.findings().get(0).severity(), "most severe first");
        assertTrue(report.failsAt(Severity.HIGH));
    }

    @Test
    void theCleanImageHasNoFindings() throws Exception {
        var clean = PlantedImages.clean(dir.resolve("clean"));
        ScanReport cleanReport = new ImageScanner(ImageReaders.standard(), PolicyLoader.defaultPolicy())
                .scan(clean.reference(), ReadOptions.defaults());
        assertEquals(List.of(), cleanReport.findings());
        assertFalse(cleanReport.failsAt(Severity.INFO));
        assertTrue(cleanReport.stats().searched() >= 5, cleanReport.stats().toString());
        assertEquals(3, cleanReport.stats().binary(), "busybox, passwd and the app's binary");
    }
}
