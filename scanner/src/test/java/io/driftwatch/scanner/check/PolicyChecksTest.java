package io.driftwatch.scanner.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.scanner.image.ImageReaders;
import io.driftwatch.scanner.image.ReadOptions;
import io.driftwatch.scanner.policy.PolicyLoader;
import io.driftwatch.scanner.testing.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check types and options the built-in policy does not use, on images built here, without the built-in policy. */
class PolicyChecksTest {
    private static final byte[] BINARY_WITH_KEY_ID = ("\0\0ELF\0" + "AKIA" + "QWERTYUIOPASDFGH" + "\0").getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path dir;

    private ScanReport scan(TestImages.Written image, String policy) throws Exception {
        return new ImageScanner(ImageReaders.standard(), PolicyLoader.parse(policy, "policy.yaml", false))
                .scan(image.reference(), ReadOptions.defaults());
    }

    private static List<String> paths(ScanReport report, String check) {
        return report.findings().stream().filter(f -> f.checkId().equals(check)).map(Finding::path).toList();
    }

    @Test
    void existsAndSha256() throws Exception {
        byte[] sh = "shell".getBytes(StandardCharsets.UTF_8);
        TestImages.Written image = TestImages.layout(dir).layer(l -> l.dir("/bin", 0755).file("/bin/sh", sh, 0755)
                .file("/bin/ls", "ls", 0755)).write();
        ScanReport report = scan(image, """
                checks:
                  - {id: E-1, type: exists, severity: MEDIUM, description: os-release, paths: [/etc/os-release, /bin/*]}
                  - id: S-1
                    type: sha256
                    severity: CRITICAL
                    description: the shell is the one we built
                    paths: /bin/sh
                    sha256: %s
                  - {id: S-2, type: sha256, severity: HIGH, description: ls, paths: /bin/ls, sha256: "sha256:%s"}
                  - {id: S-3, type: sha256, severity: HIGH, description: missing, paths: /bin/bash, sha256: [%s]}
                """.formatted(TestImages.hex(sh), "0".repeat(64), TestImages.hex(sh)));
        assertEquals(List.of("/etc/os-release"), paths(report, "E-1"));
        Finding missing = report.findings().stream().filter(f -> f.checkId().equals("E-1")).findFirst().orElseThrow();
        assertEquals(-1, missing.layer());
        assertNull(missing.layerDigest());
        assertEquals(List.of(), paths(report, "S-1"));
        assertEquals(List.of("/bin/ls"), paths(report, "S-2"));
        assertEquals(List.of("/bin/bash"), paths(report, "S-3"));
        assertTrue(report.findings().stream().anyMatch(f -> f.message().equals("no file matches /bin/bash, which should have sha256 "
                + TestImages.hex(sh))));
    }

    @Test
    void ownerSetuidBitsStickyAndNameMatching() throws Exception {
        TestImages.Written image = TestImages.layout(dir).layer(l -> l.dir("/etc", 0755)
                .owner(0, 5).file("/etc/shadow", "x", 0640).owner(0, 0)
                .dir("/usr/bin", 0755).file("/usr/bin/wall", "w", 02755).setuid("/usr/bin/su", "s".getBytes())
                .dir("/scratch", 01777).dir("/var/mail", 02775)
                .dir("/home/u", 0755).file("/home/u/notes-id_rsa.txt", "n", 0644).file("/home/u/id_rsa", "k", 0600)).write();
        ScanReport report = scan(image, """
                checks:
                  - {id: O-1, type: owner, severity: HIGH, description: shadow, paths: /etc/shadow, uid: 0, gid: [0, 42]}
                  - {id: U-1, type: setuid, severity: HIGH, description: setgid only, bits: [setgid]}
                  - {id: W-1, type: world-writable, severity: LOW, description: even sticky, allowSticky: false}
                  - {id: N-1, type: name, severity: LOW, description: names, pattern: '^id_rsa$', match: name}
                """);
        assertEquals(List.of("/etc/shadow"), paths(report, "O-1"));
        assertTrue(report.findings().get(0).message().contains("expected gid 0 or 42"), report.findings().toString());
        assertEquals(List.of("/usr/bin/wall"), paths(report, "U-1"), "setgid directories are not findings; setuid not asked");
        assertEquals(List.of("/scratch"), paths(report, "W-1"));
        assertEquals(List.of("/home/u/id_rsa"), paths(report, "N-1"));
    }

    @Test
    void customPatternsBinaryFilesAllowListsAndExceptions() throws Exception {
        String token = "itok_" + "0123456789abcdef0123456789abcdef";
        String other = "itok_" + "ffffffffffffffffffffffffffffffff";
        String allowed = "itok_" + "00000000000000000000000000000000";
        TestImages.Written image = TestImages.layout(dir).layer(l -> l.dir("/app", 0755)
                .file("/app/a.txt", "x\ntoken: " + token + "\n", 0644)
                .file("/app/b.txt", "token: " + other + "\ntoken: " + allowed + "\n", 0644)
                .file("/app/vendor.txt", "token: " + token + "\n", 0644)
                .file("/app/blob.bin", BINARY_WITH_KEY_ID, 0644)).write();
        String policy = """
                checks:
                  - id: C-1
                    type: content
                    severity: HIGH
                    description: internal tokens
                    pattern: 'token: (?<secret>itok_[0-9a-f]{32})'
                    label: internal token
                    allowValues: [%s]
                    allowFingerprints: [%s]
                  - {id: C-2, type: content, severity: HIGH, description: keys in text, detector: aws-access-key-id}
                  - {id: C-3, type: content, severity: HIGH, description: keys in binaries, detector: aws-access-key-id, binary: true}
                exceptions:
                  - paths: /app/vendor.txt
                    checks: C-1
                    reason: vendored test fixture
                """.formatted(allowed, Redaction.fingerprint(other).substring(0, 15));
        ScanReport report = scan(image, policy);
        assertEquals(List.of("/app/a.txt", "/app/vendor.txt"), paths(report, "C-1"));
        Finding a = report.findings().stream().filter(f -> f.path().equals("/app/a.txt")).findFirst().orElseThrow();
        assertEquals(2, a.line());
        assertEquals("internal token in /app/a.txt line 2", a.message());
        assertEquals("itok…(37 chars, " + Redaction.fingerprint(token) + ")", a.evidence());
        Finding vendor = report.findings().stream().filter(f -> f.path().equals("/app/vendor.txt")).findFirst().orElseThrow();
        assertEquals("vendored test fixture", vendor.suppressed());
        assertEquals(List.of(), paths(report, "C-2"), "binary files are skipped");
        assertEquals(List.of("/app/blob.bin"), paths(report, "C-3"), "unless the check asks for them");
        assertFalse(report.failsAt(io.driftwatch.model.Severity.CRITICAL));
        assertEquals(1, report.suppressedCount());
        assertEquals(a.fingerprint(), ImageScanner.fingerprint("C-1", "/app/a.txt", Redaction.fingerprint(token)));
    }

    @Test
    void aPatternThatOverflowsTheStackIsAFindingNotACrash() throws Exception {
        TestImages.Written image = TestImages.layout(dir).layer(l -> l.file("/long.txt", "ab".repeat(1_000_000), 0644)
                .file("/short.txt", "ab", 0644)).write();
        ScanReport report = scan(image, """
                checks:
                  - {id: R-1, type: content, severity: LOW, description: recursive, pattern: '(a|b)*c'}
                """);
        assertEquals(List.of("/long.txt"), paths(report, "R-1"));
        assertTrue(report.findings().get(0).message().startsWith("the check's pattern could not be searched in /long.txt"),
                report.findings().get(0).message());
    }

    @Test
    void aSecretInAFileOverTheContentLimitIsCountedNotSearched() throws Exception {
        String big = "x".repeat(2048) + "\naws_secret_access_key = " + "A".repeat(40) + "\n";
        TestImages.Written image = TestImages.layout(dir).layer(l -> l.file("/big.txt", big, 0644)).write();
        ScanReport report = new ImageScanner(ImageReaders.standard(), PolicyLoader.defaultPolicy())
                .scan(image.reference(), new ReadOptions(1024, true, null, io.driftwatch.scanner.image.ScanProgress.NONE));
        assertEquals(List.of(), report.findings());
        assertEquals(1, report.stats().tooLarge());
    }

    @Test
    void detectorsAndRedaction() {
        assertEquals("…(6 chars, " + Redaction.fingerprint("hunter") + ")", Redaction.redact("hunter"));
        assertEquals("hu…(8 chars, " + Redaction.fingerprint("hunter22") + ")", Redaction.redact("hunter22"));
        assertEquals("sha256:", Redaction.fingerprint("x").substring(0, 7));
        assertEquals(19, Redaction.fingerprint("x").length());
        // What a password assignment's value is, and what is a placeholder.
        assertEquals("s3cret!", Detector.value(" \"s3cret!\",  "));
        assertEquals("s3cret", Detector.value("s3cret # the db"));
        assertNull(Detector.value("${DB_PASSWORD}"));
        assertNull(Detector.value("\"{{ .Values.x }}\""));
        assertNull(Detector.value("<your password here>"));
        assertNull(Detector.value("********"));
        assertNull(Detector.value("null"));
        assertNull(Detector.value("abc"));
        assertNull(Detector.value("%(db_password)s"));
        assertNull(Detector.value("A challenge password"), "prose");
        assertEquals("a challenge password", Detector.value("'a challenge password'"), "quoted, spaces and all");
        assertNull(Detector.value("# disable PBM"), "a comment");
        assertEquals(List.of(), Detector.PASSWORD_ASSIGNMENT.find("# password = hunter22\n; pwd=x\npassword_file = /run/x\n", 10)
                .stream().map(SecretMatcher.Match::secret).filter(s -> !s.startsWith("/")).toList());
        assertEquals(List.of("hunter22", "abcd1234", "s3cr3t-value"), Detector.PASSWORD_ASSIGNMENT.find(
                "password = hunter22\nexport DB_PASSWD='abcd1234'\n  \"client_secret\": \"s3cr3t-value\",\n", 10)
                .stream().map(SecretMatcher.Match::secret).toList());
        // Private keys: found after BEGIN lines without an END; a file of such lines costs a bounded search.
        String key = io.driftwatch.scanner.testing.PlantedImages.privateKeyPem();
        String junk = "-----BEGIN RSA PRIVATE KEY-----\nnot a key at all\n".repeat(3);
        List<SecretMatcher.Match> keys = Detector.PRIVATE_KEY.find(junk + key, 10);
        assertEquals(1, keys.size());
        assertEquals("-----BEGIN PRIVATE KEY-----", keys.get(0).shown());
        String flood = "-----BEGIN RSA PRIVATE KEY-----\n" + "A".repeat(60) + "\n";
        long started = System.nanoTime();
        assertEquals(List.of(), Detector.PRIVATE_KEY.find(flood.repeat(40_000), 10), "no END line anywhere");
        assertTrue(System.nanoTime() - started < 30_000_000_000L, "bounded: at most 1000 BEGIN lines tried");
        // A JWT needs a header naming its algorithm.
        assertEquals(List.of(), Detector.JWT.find("eyJhYmNkZWZnaGlqa2xt.eyJhYmNkZWZnaGlqa2xt.abcdefghijklmnopqrstu", 10));
    }
}
