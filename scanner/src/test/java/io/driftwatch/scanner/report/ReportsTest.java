package io.driftwatch.scanner.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.driftwatch.model.Severity;
import io.driftwatch.scanner.check.Finding;
import io.driftwatch.scanner.check.ImageScanner;
import io.driftwatch.scanner.check.ScanReport;
import io.driftwatch.scanner.image.ImageReaders;
import io.driftwatch.scanner.image.ReadOptions;
import io.driftwatch.scanner.policy.Policy;
import io.driftwatch.scanner.policy.PolicyLoader;
import io.driftwatch.scanner.testing.PlantedImages;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The four report formats of one scan of the planted image (with one finding suppressed by an exception): never a
 * secret in full, SARIF valid against the OASIS SARIF 2.1.0 schema, JUnit XML that parses back to the findings.
 */
class ReportsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static PlantedImages.Planted planted;
    static ScanReport report;
    static final ReportContext CONTEXT = new ReportContext("9.9.9-test", List.of("built-in", "policy.yaml"), Severity.HIGH);

    @BeforeAll
    static void scan() throws Exception {
        planted = PlantedImages.violations(dir.resolve("planted"));
        Policy policy = PolicyLoader.parse("""
                exceptions:
                  - paths: /etc/shadow-
                    checks: [DW-IMG-001]
                    reason: "removed by the next base image <soon> & \\"promised\\""
                """, "policy.yaml", true);
        report = new ImageScanner(ImageReaders.standard(), policy).scan(planted.image().reference(), ReadOptions.defaults());
        assertEquals(1, report.suppressedCount());
    }

    static String render(ReportFormat format) throws Exception {
        StringWriter out = new StringWriter();
        Reports.write(format, report, CONTEXT, out);
        return out.toString();
    }

    @Test
    void noFormatPrintsASecretInFull() throws Exception {
        for (ReportFormat format : ReportFormat.values()) {
            String text = render(format);
            for (Map.Entry<String, String> secret : planted.secrets().entrySet()) {
                assertFalse(text.contains(secret.getValue()), format + " prints the " + secret.getKey() + " in full");
                String half = secret.getValue().substring(0, secret.getValue().length() / 2);
                assertFalse(text.contains(half), format + " prints half of the " + secret.getKey());
            }
            assertTrue(text.contains("AKIA…(20 chars, sha256:"), format + ": the redacted key id");
        }
    }

    @Test
    void theTableIsAlignedAndSummarised() throws Exception {
        String table = render(ReportFormat.TABLE);
        List<String> lines = table.lines().toList();
        assertTrue(lines.get(0).startsWith("image   oci:"), table);
        assertTrue(lines.get(1).contains(planted.image().digest() + " (linux/amd64, 3 layers"), table);
        assertEquals("policy  built-in + policy.yaml: " + report.checks().size() + " checks", lines.get(2));
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("SEVERITY")).findFirst().orElseThrow());
        String head = lines.get(header);
        int check = head.indexOf("CHECK");
        int layer = head.indexOf("LAYER");
        int path = head.indexOf("PATH");
        int finding = head.indexOf("FINDING");
        List<String> rows = lines.subList(header + 1, header + 1 + report.active().size());
        for (String row : rows) {
            assertTrue(row.charAt(check - 1) == ' ' && row.charAt(check) != ' ', row);
            assertTrue(row.substring(check, check + 7).equals("DW-IMG-"), row);
            assertTrue(row.charAt(layer) == '0' || row.charAt(layer) == '1' || row.charAt(layer) == '-', row);
            assertTrue(row.charAt(path) == '/' || row.substring(path).startsWith("../"), row);
            assertTrue(row.charAt(finding - 1) == ' ', row);
        }
        assertTrue(rows.get(0).startsWith("CRITICAL  DW-IMG-032"), rows.get(0));
        assertFalse(table.contains("/etc/shadow-"), "suppressed findings are counted, not listed");
        assertTrue(table.contains("deleted in layer 2, but layer 1 still ships it"), table);
        assertEquals("21 findings: 1 critical, 10 high, 7 medium, 3 low, 0 info; 1 suppressed by exceptions. FAILED: findings at"
                + " or above HIGH.", lines.get(lines.size() - 1));
    }

    @Test
    void theJsonReportHoldsEveryFinding() throws Exception {
        JsonNode json = JSON.readTree(render(ReportFormat.JSON));
        assertEquals("9.9.9-test", json.at("/scanner/version").asText());
        assertEquals(planted.image().digest(), json.at("/image/digest").asText());
        assertEquals(3, json.at("/image/layers").size());
        assertEquals(report.findings().size(), json.at("/findings").size());
        assertEquals(21, json.at("/summary/findings").asInt());
        assertEquals(1, json.at("/summary/suppressed").asInt());
        assertTrue(json.at("/summary/failed").asBoolean());
        assertEquals(10, json.at("/summary/bySeverity/HIGH").asInt());
        JsonNode deleted = null;
        for (JsonNode f : json.at("/findings")) {
            if (f.get("checkId").asText().equals("DW-IMG-032")) {
                deleted = f;
            }
        }
        assertEquals(1, deleted.get("layer").asInt());
        assertEquals(planted.layerDigest(1), deleted.get("layerDigest").asText());
        assertEquals(2, deleted.get("removedInLayer").asInt());
        assertEquals(3, deleted.get("line").asInt());
    }

    @Test
    void sarifIsValidAgainstTheOasisSchemaAndCarriesRulesLocationsAndFingerprints() throws Exception {
        String sarif = render(ReportFormat.SARIF);
        for (String schemaFile : List.of("sarif-schema-2.1.0.json", "sarif-schema-2.1.0-errata01.json")) {
            SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7);
            Schema schema;
            try (InputStream in = ReportsTest.class.getResourceAsStream("/sarif/" + schemaFile)) {
                schema = registry.getSchema(in);
            }
            List<com.networknt.schema.Error> errors = schema.validate(sarif, InputFormat.JSON);
            assertEquals(List.of(), errors.stream().map(Object::toString).toList(), schemaFile);
            // and the validator does reject what the schema forbids
            assertFalse(schema.validate(sarif.replace("\"2.1.0\"", "\"2.0.0\""), InputFormat.JSON).isEmpty(), schemaFile);
            assertFalse(schema.validate(sarif.replace("\"ruleId\"", "\"ruleID\""), InputFormat.JSON).isEmpty(), schemaFile);
        }
        JsonNode run = JSON.readTree(sarif).at("/runs/0");
        JsonNode rules = run.at("/tool/driver/rules");
        assertEquals(report.checks().size(), rules.size());
        JsonNode setuid = null;
        for (JsonNode rule : rules) {
            if (rule.get("id").asText().equals("DW-IMG-010")) {
                setuid = rule;
            }
        }
        assertEquals("Setuid or setgid file outside the allow-list", setuid.at("/shortDescription/text").asText());
        assertEquals("SetuidOrSetgidFileOutsideTheAllowList", setuid.get("name").asText());
        assertEquals("error", setuid.at("/defaultConfiguration/level").asText());
        assertEquals("8.0", setuid.at("/properties/security-severity").asText());
        assertFalse(setuid.at("/help/text").asText().isBlank());
        JsonNode results = run.get("results");
        assertEquals(report.findings().size(), results.size());
        Set<String> fingerprints = new HashSet<>();
        for (JsonNode result : results) {
            String ruleId = result.get("ruleId").asText();
            assertEquals(ruleId, rules.get(result.get("ruleIndex").asInt()).get("id").asText());
            fingerprints.add(result.at("/partialFingerprints/driftwatchFinding~1v1").asText());
            String uri = result.at("/locations/0/physicalLocation/artifactLocation/uri").asText();
            assertTrue(uri.startsWith("/") || uri.equals("../../etc/cron.d/evil"), uri);
        }
        assertEquals(results.size(), fingerprints.size(), "one fingerprint per finding");
        JsonNode deleted = null;
        JsonNode suppressed = null;
        for (JsonNode result : results) {
            if (result.get("ruleId").asText().equals("DW-IMG-031")) {
                deleted = result;
            }
            if (result.has("suppressions")) {
                suppressed = result;
            }
        }
        assertEquals("/app/credentials.txt", deleted.at("/locations/0/physicalLocation/artifactLocation/uri").asText());
        assertEquals(2, deleted.at("/locations/0/physicalLocation/region/startLine").asInt());
        JsonNode logical = deleted.at("/locations/0/logicalLocations/0");
        assertEquals("layer 1 " + planted.layerDigest(1), logical.get("name").asText());
        assertEquals(planted.image().reference() + "@" + planted.image().digest() + " layer 1 " + planted.layerDigest(1),
                logical.get("fullyQualifiedName").asText());
        assertEquals("error", deleted.get("level").asText());
        assertEquals("DW-IMG-001", suppressed.get("ruleId").asText());
        assertEquals("external", suppressed.at("/suppressions/0/kind").asText());
    }

    @Test
    void junitXmlParsesBackToOneFailurePerFinding() throws Exception {
        String xml = render(ReportFormat.JUNIT);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        Element root = doc.getDocumentElement();
        assertEquals("testsuites", root.getTagName());
        NodeList suites = root.getElementsByTagName("testsuite");
        assertEquals(report.checks().size(), suites.getLength(), "a test suite per check");
        int tests = 0;
        int failures = 0;
        int skipped = 0;
        for (int i = 0; i < suites.getLength(); i++) {
            Element suite = (Element) suites.item(i);
            NodeList cases = suite.getElementsByTagName("testcase");
            assertEquals(Integer.parseInt(suite.getAttribute("tests")), cases.getLength(), suite.getAttribute("name"));
            assertEquals(Integer.parseInt(suite.getAttribute("failures")), suite.getElementsByTagName("failure").getLength());
            tests += cases.getLength();
            failures += suite.getElementsByTagName("failure").getLength();
            skipped += suite.getElementsByTagName("skipped").getLength();
        }
        assertEquals(report.active().size(), failures, "a failure per finding");
        assertEquals(1, skipped, "the suppressed finding");
        assertEquals(report.findings().size(), tests, "every check of the default policy found something");
        assertEquals(String.valueOf(tests), root.getAttribute("tests"));
        assertEquals(String.valueOf(failures), root.getAttribute("failures"));
        Element first = null;
        NodeList cases = doc.getElementsByTagName("testcase");
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            if (c.getAttribute("classname").equals("DW-IMG-032")) {
                first = (Element) c.getElementsByTagName("failure").item(0);
                assertEquals("DW-IMG-032 /app/credentials.txt:3", c.getAttribute("name"));
            }
        }
        Finding top = report.active().get(0);
        assertEquals("DW-IMG-032", top.checkId());
        assertEquals(top.severity().name(), first.getAttribute("type"));
        assertTrue(first.getAttribute("message").startsWith(top.message()), first.getAttribute("message"));
        assertTrue(first.getTextContent().contains("layer: 1 " + planted.layerDigest(1)), first.getTextContent());
        Element skippedCase = (Element) doc.getElementsByTagName("skipped").item(0);
        assertEquals("suppressed by a policy exception: removed by the next base image <soon> & \"promised\"",
                skippedCase.getAttribute("message"));
    }

    @Test
    void aCheckWithoutFindingsIsOnePassingTestCaseAndControlCharactersStayOutOfXmlAndTerminals() {
        assertEquals("a\\x1b[31mb\\x07", Reports.printable("a\u001b[31mb\u0007"));
        assertEquals("a\\x1bb\tc", JunitReport.xmlSafe("a\u001bb\tc"));
        assertEquals("/a%20b/%C3%A9%25x", SarifReport.uri("/a b/é%x"));
    }
}
