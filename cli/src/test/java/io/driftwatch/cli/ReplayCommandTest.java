package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.model.Alert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
    private static final Path SEED = Path.of("../scenarios/seed-malware-copy");

    @TempDir
    Path out;

    private CliHelpTest.Run replay(Path events, Path alerts, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("replay", "--events", events.toString(),
                "--metadata", SEED.resolve("containers.jsonl").toString(),
                "--exec-sessions", SEED.resolve("exec-sessions.jsonl").toString(),
                "--alerts", alerts.toString()));
        args.addAll(List.of(extra));
        return CliHelpTest.run(args.toArray(String[]::new));
    }

    @Test
    void writesEveryFieldAsPlainJsonAndTheSameInputGivesTheSameOutput() throws Exception {
        Path first = out.resolve("a1.jsonl");
        Path second = out.resolve("a2.jsonl");
        Path commands = out.resolve("c.jsonl");
        Path enriched = out.resolve("e.jsonl");
        CliHelpTest.Run run = replay(SEED.resolve("events.jsonl"), first, "--commands", commands.toString(),
                "--enriched", enriched.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("replayed 6 events"), run.err());
        assertEquals(0, replay(SEED.resolve("events.jsonl"), second).exitCode());
        List<String> lines = Files.readAllLines(first);
        assertFalse(lines.isEmpty());
        assertEquals(lines, Files.readAllLines(second), "deterministic: ids and times come from the events");

        JsonNode alert = new ObjectMapper().readTree(lines.get(0));
        assertEquals(Alert.getClassSchema().getFields().size(), alert.size(), "every field written");
        assertTrue(alert.get("severity").isTextual() && alert.get("timestamp").isNumber(), lines.get(0));
        assertEquals(6, Files.readAllLines(enriched).size());
        assertFalse(Files.readAllLines(commands).isEmpty());
    }

    @Test
    void incubatingRulesAreOptIn() throws Exception {
        // cp over the shell history: DW-FIM-012 is incubating, so only --maturity naming it raises it.
        Path events = out.resolve("history.jsonl");
        Files.writeString(events, "{\"eventId\": \"h1\", \"timestamp\": 1795082402000, \"containerId\": \"c0ffee01\", "
                + "\"type\": \"OPEN_WRITE\", \"path\": \"/root/.bash_history\", \"processName\": \"cp\", "
                + "\"exe\": \"/bin/cp\", \"pid\": 950, \"ppid\": 900}\n");
        Path stable = out.resolve("stable.jsonl");
        Path all = out.resolve("all.jsonl");
        assertEquals(0, replay(events, stable).exitCode());
        assertEquals(0, replay(events, all, "--maturity", "all").exitCode());
        assertFalse(Files.readString(stable).contains("DW-FIM-012"), Files.readString(stable));
        assertTrue(Files.readString(all).contains("DW-FIM-012"), Files.readString(all));
        CliHelpTest.Run bad = replay(events, out.resolve("x.jsonl"), "--maturity", "beta");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("unknown maturity 'beta'"), bad.err());
    }

    @Test
    void imageBaselinesMakeTheDriftRulesFireAndWithoutThemTheImageIsCountedMissing() throws Exception {
        Path scenario = Path.of("../scenarios/image-drift");
        Path withBaselines = out.resolve("with.jsonl");
        Path commands = out.resolve("commands.jsonl");
        Path without = out.resolve("without.jsonl");
        List<String> common = List.of("replay", "--events", scenario.resolve("events.jsonl").toString(),
                "--metadata", scenario.resolve("containers.jsonl").toString());
        List<String> args = new java.util.ArrayList<>(common);
        args.addAll(List.of("--image-baselines", scenario.resolve("image-baselines.jsonl").toString(),
                "--alerts", withBaselines.toString(), "--commands", commands.toString()));
        CliHelpTest.Run run = CliHelpTest.run(args.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("1 image baselines"), run.err());
        assertFalse(run.err().contains("without a baseline"), run.err());
        java.util.Map<String, List<String>> fired = alertsByRule(withBaselines);
        assertEquals(List.of("image-drift-005"), fired.get("DW-FIM-100"), fired::toString);
        assertEquals(List.of("image-drift-009"), fired.get("DW-FIM-101"), fired::toString);
        assertEquals(List.of("image-drift-008"), fired.get("DW-FIM-102"), fired::toString);
        assertEquals(List.of("image-drift-006"), fired.get("DW-FIM-103"), fired::toString);
        assertTrue(Files.readString(commands).contains("SNAPSHOT_EVIDENCE"), Files.readString(commands));

        List<String> plain = new java.util.ArrayList<>(common);
        plain.addAll(List.of("--alerts", without.toString()));
        CliHelpTest.Run noBaselines = CliHelpTest.run(plain.toArray(String[]::new));
        assertEquals(0, noBaselines.exitCode(), noBaselines.err());
        assertTrue(noBaselines.err().contains("; 1 images without a baseline (no drift decisions)"), noBaselines.err());
        java.util.Map<String, List<String>> unknown = alertsByRule(without);
        assertTrue(unknown.keySet().stream().noneMatch(id -> id.startsWith("DW-FIM-10")), unknown::toString);
        assertTrue(unknown.containsKey("DW-EXE-001"), "drop-then-execute needs no baseline: " + unknown);
    }

    @Test
    void aBadBaselineLineFailsNamingFileAndLine() throws Exception {
        Path scenario = Path.of("../scenarios/image-drift");
        Path baselines = out.resolve("baselines.jsonl");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(scenario.resolve("image-baselines.jsonl")));
        lines.set(2, lines.get(2).replace("\"kind\": \"FILE\"", "\"kind\": \"EXECUTABLE\""));
        Files.write(baselines, lines);
        CliHelpTest.Run run = CliHelpTest.run("replay", "--events", scenario.resolve("events.jsonl").toString(),
                "--image-baselines", baselines.toString(), "--alerts", out.resolve("a.jsonl").toString());
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.err().contains(baselines + ":3: field 'kind': \"EXECUTABLE\" is not one of"), run.err());
        CliHelpTest.Run missing = CliHelpTest.run("replay", "--events", scenario.resolve("events.jsonl").toString(),
                "--image-baselines", out.resolve("nope.jsonl").toString(), "--alerts", out.resolve("a.jsonl").toString());
        assertEquals(1, missing.exitCode(), missing.err());
        assertTrue(missing.err().contains("nope.jsonl: no such file"), missing.err());
    }

    /** Rule id → the ids of the events that completed its alerts, in order. */
    private static java.util.Map<String, List<String>> alertsByRule(Path alerts) throws Exception {
        java.util.Map<String, List<String>> byRule = new java.util.TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(alerts)) {
            JsonNode alert = json.readTree(line);
            JsonNode ids = alert.get("eventIds");
            byRule.computeIfAbsent(alert.get("ruleId").asText(), r -> new java.util.ArrayList<>())
                    .add(ids.get(ids.size() - 1).asText());
        }
        byRule.values().forEach(ids -> ids.sort(null));
        return byRule;
    }

    @Test
    void aBadLineFailsNamingFileAndLine() throws Exception {
        Path events = out.resolve("events.jsonl");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(SEED.resolve("events.jsonl")));
        lines.set(1, lines.get(1).replace("\"eventId\": \"seed-malware-copy-002\", ", ""));
        Files.write(events, lines);
        CliHelpTest.Run run = replay(events, out.resolve("alerts.jsonl"));
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains(events + ":2: missing required field 'eventId'"), run.err());
    }

    @Test
    void aBadRuleFileIsRefusedWithFileLineAndMessage() throws Exception {
        Path rules = Files.createDirectories(out.resolve("rules"));
        Files.writeString(rules.resolve("broken.drl"), "package my.rules;\n\nrule \"broken\"\nwhen\n  FileEvent( path == )\nthen\nend\n");
        CliHelpTest.Run run = replay(SEED.resolve("events.jsonl"), out.resolve("alerts.jsonl"), "--rules", rules.toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("broken.drl") && run.err().contains(":5"), run.err());
    }
}
