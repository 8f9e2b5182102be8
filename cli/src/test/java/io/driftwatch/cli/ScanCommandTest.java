package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.model.ImageBaseline;
import io.driftwatch.schemas.json.BaselineFiles;
import io.driftwatch.scanner.testing.PlantedImages;
import io.driftwatch.scanner.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * {@code driftwatch scan} through the command line on images built here: exit 0, 1 and 2, --fail-on, the formats,
 * --output and --baseline-out. No broker: ScanPublishIT covers --publish.
 */
class ScanCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path images;

    @TempDir
    Path dir;

    static PlantedImages.Planted planted;
    static TestImages.Written clean;

    @BeforeAll
    static void build() {
        planted = PlantedImages.violations(images.resolve("planted"));
        clean = PlantedImages.clean(images.resolve("clean"));
    }

    private static CliHelpTest.Run scan(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "scan";
        System.arraycopy(args, 0, all, 1, args.length);
        return CliHelpTest.run(all);
    }

    private Path policy(String yaml) throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void aCleanImageExitsZero() {
        CliHelpTest.Run run = scan(clean.reference());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("No findings."), run.out());
        assertTrue(run.out().contains("0 findings: 0 critical, 0 high, 0 medium, 0 low, 0 info. Passed: nothing at or above HIGH."),
                run.out());
        assertEquals("", run.err(), "no progress when stderr is not a terminal");
    }

    @Test
    void findingsAtOrAboveFailOnExitOne() {
        CliHelpTest.Run run = scan(planted.image().reference());
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.out().contains("CRITICAL  DW-IMG-032"), run.out());
        assertTrue(run.out().contains("FAILED: findings at or above HIGH."), run.out());
        assertEquals(1, scan(planted.image().reference(), "--fail-on", "critical").exitCode());
        assertEquals(0, scan(planted.image().reference(), "--fail-on", "none").exitCode());
    }

    @Test
    void failOnIsComparedWithTheFindingsSeverities() throws Exception {
        Path lowOnly = policy("""
                checks:
                  - {id: L-1, type: not-exists, severity: LOW, description: shadow backups, paths: /etc/shadow-}
                """);
        String image = planted.image().reference();
        assertEquals(0, scan(image, "--no-default-policy", "--policy", lowOnly.toString()).exitCode(), "LOW < HIGH");
        assertEquals(0, scan(image, "--no-default-policy", "--policy", lowOnly.toString(), "--fail-on", "MEDIUM").exitCode());
        assertEquals(1, scan(image, "--no-default-policy", "--policy", lowOnly.toString(), "--fail-on", "LOW").exitCode());
        assertEquals(1, scan(image, "--no-default-policy", "--policy", lowOnly.toString(), "--fail-on", "info").exitCode());
        Path excepted = policy("""
                checks:
                  - {id: L-1, type: not-exists, severity: LOW, description: shadow backups, paths: /etc/shadow-}
                exceptions:
                  - {checks: L-1, reason: the next base image drops it}
                """);
        CliHelpTest.Run run = scan(image, "--no-default-policy", "--policy", excepted.toString(), "--fail-on", "LOW");
        assertEquals(0, run.exitCode(), "a suppressed finding never fails");
        assertTrue(run.out().contains("1 suppressed by exceptions"), run.out());
    }

    @Test
    void badUsageABadPolicyOrAnUnreadableImageExitTwo() throws Exception {
        String image = clean.reference();
        CliHelpTest.Run format = scan(image, "--format", "xml");
        assertEquals(2, format.exitCode());
        assertTrue(format.err().contains("unknown format 'xml': table, json, sarif or junit"), format.err());
        CliHelpTest.Run failOn = scan(image, "--fail-on", "severe");
        assertEquals(2, failOn.exitCode());
        assertTrue(failOn.err().contains("unknown severity 'severe'"), failOn.err());
        CliHelpTest.Run noImage = scan();
        assertEquals(2, noImage.exitCode());
        assertTrue(noImage.err().contains("Missing required parameter: 'IMAGE'"), noImage.err());
        CliHelpTest.Run nothing = scan(image, "--no-default-policy");
        assertEquals(2, nothing.exitCode());
        assertTrue(nothing.err().contains("--no-default-policy leaves nothing to check"), nothing.err());
        CliHelpTest.Run creds = scan(image, "--creds", "nocolon");
        assertEquals(2, creds.exitCode());
        assertTrue(creds.err().contains("--creds must be USER:PASSWORD"), creds.err());

        Path bad = policy("""
                checks:
                  - id: A-1
                    type: name
                    severity: LOW
                    description: keys
                    pattern: 'id_(rsa'
                """);
        CliHelpTest.Run policy = scan(image, "--policy", bad.toString());
        assertEquals(2, policy.exitCode());
        assertTrue(policy.err().startsWith("error: policy refused, nothing scanned:\n" + bad + ":6: bad regex in pattern"),
                policy.err());
        assertEquals("", policy.out());

        Path none = policy("checks:\n  - {id: DW-IMG-010, enabled: false}\n");
        CliHelpTest.Run empty = scan(image, "--no-default-policy", "--policy", dir.resolve("empty.yaml").toString());
        assertEquals(2, empty.exitCode());
        Files.writeString(dir.resolve("empty.yaml"), "checks: []\n");
        empty = scan(image, "--no-default-policy", "--policy", dir.resolve("empty.yaml").toString());
        assertEquals(2, empty.exitCode());
        assertTrue(empty.err().startsWith("error: the policy has no enabled checks, nothing to scan"), empty.err());
        assertEquals(0, scan(image, "--policy", none.toString()).exitCode(), "one check off is fine");

        CliHelpTest.Run missing = scan("oci:" + dir.resolve("no-such-layout") + ":1.0");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().startsWith("error: cannot read oci:" + dir.resolve("no-such-layout")), missing.err());
        CliHelpTest.Run transport = scan("ftp://example/image");
        assertEquals(2, transport.exitCode(), transport.err());
    }

    @Test
    void reportsGoToOutputAndSecretsAreNeverPrintedWhole() throws Exception {
        for (String format : List.of("table", "json", "sarif", "junit")) {
            Path out = dir.resolve("report." + format);
            CliHelpTest.Run run = scan(planted.image().reference(), "--format", format, "--output", out.toString());
            assertEquals(1, run.exitCode(), run.err());
            assertEquals("", run.out(), "the report went to the file");
            assertTrue(run.err().contains("22 findings: 1 critical") && run.err().contains("Report: " + out), run.err());
            String report = Files.readString(out);
            CliHelpTest.Run stdout = scan(planted.image().reference(), "--format", format);
            for (String secret : planted.secrets().values()) {
                assertFalse(report.contains(secret), format + " file");
                assertFalse(stdout.out().contains(secret), format + " stdout");
                assertFalse(stdout.err().contains(secret), format + " stderr");
            }
        }
        JsonNode sarif = JSON.readTree(dir.resolve("report.sarif").toFile());
        assertEquals("2.1.0", sarif.get("version").asText());
        assertEquals(22, sarif.at("/runs/0/results").size());
        JsonNode json = JSON.readTree(dir.resolve("report.json").toFile());
        assertEquals(planted.image().digest(), json.at("/image/digest").asText());
        Document junit = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(Files.readAllBytes(dir.resolve("report.junit"))));
        assertEquals("22", junit.getDocumentElement().getAttribute("failures"));
    }

    @Test
    void baselineOutWritesTheImagesManifest() throws Exception {
        Path baseline = dir.resolve("out/app.baseline.jsonl");
        CliHelpTest.Run run = scan(clean.reference(), "--baseline-out", baseline.toString(), "--quiet");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.err());
        List<ImageBaseline> read = BaselineFiles.read(baseline);
        assertEquals(1, read.size());
        ImageBaseline b = read.get(0);
        assertEquals(clean.digest(), b.getImageDigest());
        assertEquals(clean.reference(), b.getImage());
        assertEquals(clean.layerDigests(), b.getLayers());
        assertTrue(b.getFiles().stream().anyMatch(f -> f.getPath().equals("/bin/busybox") && f.getSha256() != null));
    }

    @Test
    void helpHasExamplesAndTheDefaultPolicyPrints() {
        CliHelpTest.Run help = scan("--help");
        assertEquals(0, help.exitCode());
        for (String text : List.of("--policy", "--no-default-policy", "--format", "--fail-on", "--tls-verify", "--creds",
                "--baseline-out", "--publish", "--bootstrap-server", "Examples:", "Exit status")) {
            assertTrue(help.out().contains(text), text + " in " + help.out());
        }
        CliHelpTest.Run top = CliHelpTest.run("--help");
        assertTrue(top.out().contains("scan"), top.out());
        CliHelpTest.Run policy = scan("--print-default-policy");
        assertEquals(0, policy.exitCode());
        assertTrue(policy.out().contains("id: DW-IMG-010"), policy.out());
    }

    @Test
    void publishWithoutABrokerIsRefusedBeforeScanning() {
        CliHelpTest.Run run = scan(clean.reference(), "--publish");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("error: --publish: Missing configuration 'bootstrap.servers'"), run.err());
        assertEquals("", run.out(), "nothing scanned");
    }
}
