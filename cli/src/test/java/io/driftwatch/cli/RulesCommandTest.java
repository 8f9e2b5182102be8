package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code driftwatch rules list|validate|test} on the rule directories under src/test/resources/rule-dirs. */
class RulesCommandTest {
    @TempDir
    Path dir;

    @Test
    void listsTheBuiltInRulesWithTheirMetadata() {
        CliHelpTest.Run list = CliHelpTest.run("rules", "list");
        assertEquals(0, list.exitCode(), list.err());
        assertTrue(list.out().contains("DW-FIM-001") && list.out().contains("HIGH") && list.out().contains("T1554"),
                list.out());
        assertTrue(list.out().contains("ENABLED") && list.out().contains("rule set version"), list.out());
        assertTrue(list.out().contains("controls: PCI-DSS-11.5, NIST-SI-7, SOC2-CC7.2"), list.out());
    }

    @Test
    void listJsonGivesEveryRuleAndWhetherItIsEnabled() throws Exception {
        CliHelpTest.Run list = CliHelpTest.run("rules", "list", "--json", "--rules", ruleDir("good").toString());
        assertEquals(0, list.exitCode(), list.err());
        Map<String, JsonNode> byId = byId(new ObjectMapper().readTree(list.out()));

        JsonNode overwrite = byId.get("DW-FIM-001");
        assertEquals("System binary or library modified", overwrite.get("name").asText());
        assertEquals("HIGH", overwrite.get("severity").asText());
        assertEquals(List.of("T1554", "T1036.005"), strings(overwrite.get("mitre")));
        assertEquals("stable", overwrite.get("maturity").asText());
        assertTrue(overwrite.get("enabled").asBoolean());
        assertTrue(overwrite.get("detection").asBoolean());
        assertEquals("io/driftwatch/rules/detect/binary_dirs.drl", overwrite.get("file").asText());
        assertEquals("immediate", overwrite.get("lane").asText(), "a single-event rule");
        assertEquals("ordered", byId.get("DW-EXE-001").get("lane").asText(), "drop then execute keeps state");
        assertEquals("both", byId.get("DW-RSP-002").get("lane").asText(), "the response policy runs in both lanes");

        JsonNode incubating = byId.get("DW-FIM-012");
        assertEquals("incubating", incubating.get("maturity").asText());
        assertFalse(incubating.get("enabled").asBoolean(), "stable only by default, as driftwatch.rules.maturity");
        JsonNode mine = byId.get("ACME-CFG-001");
        assertEquals("incubating", mine.get("maturity").asText());
        assertFalse(mine.get("enabled").asBoolean());
        assertEquals("acme/detect/app_config.drl", mine.get("file").asText());
        assertEquals(List.of("PCI-DSS-11.5", "NIST-SI-7", "SOC2-CC7.2"), strings(overwrite.get("controls")));
        assertEquals(List.of("PCI-DSS-11.5", "NIST-SI-7"), strings(mine.get("controls")), "a custom rule's claim");
        assertEquals(List.of(), strings(byId.get("ACME-CLS-001").get("controls")));
        assertFalse(byId.get("ACME-CLS-001").get("detection").asBoolean());
        assertTrue(byId.get("ACME-CLS-001").get("severity").isNull());

        CliHelpTest.Run opted = CliHelpTest.run("rules", "list", "--json", "--maturity", "stable,incubating");
        assertEquals(0, opted.exitCode(), opted.err());
        assertTrue(byId(new ObjectMapper().readTree(opted.out())).get("DW-FIM-012").get("enabled").asBoolean());

        CliHelpTest.Run bad = CliHelpTest.run("rules", "list", "--maturity", "stabel");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("stabel"), bad.err());
    }

    @Test
    void validateAcceptsAGoodDirectory() throws Exception {
        CliHelpTest.Run ok = CliHelpTest.run("rules", "validate", ruleDir("good").toString());
        assertEquals(0, ok.exitCode(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("ok: ") && ok.out().contains("2 rules of yours (1 detection rule"), ok.out());
    }

    @Test
    void validateListsEveryProblemWithFileAndLine() throws Exception {
        Path problems = ruleDir("problems");
        CliHelpTest.Run run = CliHelpTest.run("rules", "validate", problems.toString());
        assertEquals(1, run.exitCode(), run.out());
        String out = run.out();
        List<String> expected = List.of(
                // a compilation error
                problems.resolve("broken.drl") + ":9: ",
                // a duplicate id, blamed on the user's rule
                problems.resolve("metadata.drl") + ":8: rule \"Reuses a built-in id\": duplicate @id(\"DW-FIM-001\")",
                // malformed MITRE ids, each
                problems.resolve("metadata.drl") + ":18: rule \"Bad MITRE id\": @mitre: \"T12\" is not an ATT&CK technique id",
                problems.resolve("metadata.drl") + ":18: rule \"Bad MITRE id\": @mitre: \"T1565.1\" is not an ATT&CK technique id",
                // missing metadata
                problems.resolve("metadata.drl") + ":28: rule \"No false positives noted\": missing @falsePositives",
                // detection rules without fixtures
                problems.resolve("metadata.drl") + ":28: rule ACME-BAD-002 has no fixtures (add fixtures/ACME-BAD-002.json)",
                problems.resolve("untested.drl") + ":8: rule ACME-NOFIX-001 has no fixtures (add fixtures/ACME-NOFIX-001.json)",
                // a fixture file with a misspelt field and a bad event type
                problems.resolve("fixtures/ACME-BAD-001.json") + ":5: unknown field \"proccessName\"",
                problems.resolve("fixtures/ACME-BAD-001.json") + ":7: case 'not an event type', event 1: field 'type': \"WRITE\"");
        for (String line : expected) {
            assertTrue(out.contains(line), "missing: " + line + "\nin:\n" + out);
        }
        assertTrue(out.contains(problems + ": 9 errors"), out);
    }

    @Test
    void checkIsAnAliasOfValidate() throws Exception {
        Path good = Files.createDirectories(dir.resolve("good"));
        Files.writeString(good.resolve("mine.drl"), """
                package acme.rules;

                import io.driftwatch.model.FileEvent;
                import io.driftwatch.model.EventType;
                global io.driftwatch.rules.Detections detections;

                rule "Acme config changed"
                    @id( "ACME-001" ) @severity( "LOW" ) @mitre( "T1565" ) @tags( "acme" ) @maturity( "stable" )
                    @description( "The acme config was written." ) @falsePositives( "Deploys." )
                    @Propagation( EAGER )
                when
                    $e : FileEvent( type == EventType.OPEN_WRITE, path == "/etc/acme.conf" )
                then
                    detections.alert( drools, "acme config written", $e );
                end
                """);
        Files.createDirectories(good.resolve("fixtures"));
        Files.writeString(good.resolve("fixtures/ACME-001.json"), """
                {"rule": "ACME-001",
                 "fires": [{"name": "written", "events": [{"type": "OPEN_WRITE", "path": "/etc/acme.conf"}]}],
                 "quiet": [{"name": "read", "events": [{"type": "OPEN_READ", "path": "/etc/acme.conf"}]}]}
                """);
        CliHelpTest.Run ok = CliHelpTest.run("rules", "check", good.toString());
        assertEquals(0, ok.exitCode(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("ok: "), ok.out());

        Path bad = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(bad.resolve("broken.drl"), "package acme.rules;\n\nrule \"broken\"\nwhen\n  FileEvent( path == )\nthen\nend\n");
        CliHelpTest.Run refused = CliHelpTest.run("rules", "check", bad.toString());
        assertEquals(1, refused.exitCode());
        assertTrue(refused.out().contains(bad.resolve("broken.drl") + ":5:"), refused.out());
    }

    @Test
    void testPassesTheBuiltInPack() {
        CliHelpTest.Run run = CliHelpTest.run("rules", "test");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("PASS DW-FIM-001 ("), run.out());
        assertTrue(run.out().contains("PASS benign io/driftwatch/rules/benign/"), run.out());
        String summary = lastLine(run.out());
        assertTrue(summary.startsWith("passed: ") && summary.contains(" cases, ") && summary.contains("benign corpora"), summary);
    }

    @Test
    void testPassesAGoodDirectoryWithTheBuiltInPack() throws Exception {
        CliHelpTest.Run run = CliHelpTest.run("rules", "test", ruleDir("good").toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("PASS ACME-CFG-001 (4 cases)"), run.out());
        assertTrue(run.out().contains("PASS benign " + ruleDir("good").resolve("benign/acme-service.jsonl") + " (5 events)"), run.out());
        assertTrue(run.out().contains("PASS DW-FIM-001"), "the built-in fixtures run too:\n" + run.out());
    }

    @Test
    void testNamesEachFailingRuleWithWhatItExpectedAndGot() throws Exception {
        Path failing = ruleDir("failing");
        CliHelpTest.Run run = CliHelpTest.run("rules", "test", failing.toString());
        assertEquals(1, run.exitCode(), run.out());
        String out = run.out();
        assertTrue(out.contains("FAIL ACME-SEC-001 (2 of 2 cases failed)"), out);
        assertTrue(out.contains(failing.resolve("fixtures/ACME-SEC-001.json")
                + ":4: ACME-SEC-001 case 'cat overwrites the secrets': expected an alert, got none"), out);
        assertTrue(out.contains(failing.resolve("fixtures/ACME-SEC-001.json")
                + ":8: ACME-SEC-001 near miss 'a file called secret is not the secrets': expected no alert, got ACME-SEC-001 (HIGH)"
                + " on event 1 (OPEN_WRITE /etc/acme/secret by cat)"), out);
        assertTrue(out.contains(failing.resolve("benign/operator.jsonl") + ":2: ACME-SEC-001 benign 'operator.jsonl': expected no alert,"
                + " got ACME-SEC-001 (HIGH) on line 2"), out);
        assertTrue(out.contains("PASS DW-FIM-001"), out);
        String summary = lastLine(out);
        // the counts of the built-in pack's own cases are RuleFixturesTest's business
        assertTrue(summary.startsWith("FAILED: ") && summary.contains(" benign corpora; failing rules: ")
                && summary.contains("ACME-SEC-001"), summary);
    }

    @Test
    void testRefusesRulesThatDoNotCompile() throws Exception {
        CliHelpTest.Run run = CliHelpTest.run("rules", "test", ruleDir("problems").toString());
        assertEquals(1, run.exitCode(), run.out());
        assertTrue(run.out().contains(ruleDir("problems").resolve("broken.drl") + ":9:"), run.out());
        assertTrue(lastLine(run.out()).startsWith("FAILED: the rules are refused"), run.out());
    }

    @Test
    void everySubcommandExplainsItself() {
        for (String sub : List.of("list", "validate", "check", "test")) {
            CliHelpTest.Run help = CliHelpTest.run("rules", sub, "--help");
            assertEquals(0, help.exitCode(), sub);
            assertTrue(help.out().contains("Usage: driftwatch rules " + (sub.equals("check") ? "validate" : sub)), help.out());
            assertTrue(help.out().lines().count() > 5, help.out());
        }
        CliHelpTest.Run rules = CliHelpTest.run("rules", "--help");
        assertTrue(rules.out().contains("validate, check") && rules.out().contains("test") && rules.out().contains("list"),
                rules.out());
    }

    private static Path ruleDir(String name) throws URISyntaxException {
        return Path.of(RulesCommandTest.class.getResource("/rule-dirs/" + name).toURI());
    }

    private static Map<String, JsonNode> byId(JsonNode array) {
        assertTrue(array.isArray(), array.toString());
        Map<String, JsonNode> byId = new HashMap<>();
        array.forEach(rule -> byId.put(rule.get("id").asText(), rule));
        return byId;
    }

    private static List<String> strings(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
}
