package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.rules.plan.PlanLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code driftwatch plan validate|show}, run in-process as the launcher runs them. */
class PlanCommandTest {
    static final Path EXAMPLE = Path.of("..", "deploy", "response-plan.yaml");

    @TempDir
    Path dir;

    /** Notifiers (plain webhooks with their URL in the file: no secrets needed) named as the example's channels. */
    private Path notifiers(String... names) throws Exception {
        StringBuilder yaml = new StringBuilder("notifiers:\n");
        for (String name : names) {
            yaml.append("  - {type: webhook, name: ").append(name).append(", url: \"https://hooks.example.invalid/")
                    .append(name).append("\"}\n");
        }
        return Files.writeString(dir.resolve("notifiers.yaml"), yaml.toString());
    }

    /** The 1-based line of the first line of the example that contains every one of {@code parts}. */
    private static int lineOf(Path file, String... parts) throws Exception {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.strip().startsWith("#") && List.of(parts).stream().allMatch(line::contains)) {
                return i + 1;
            }
        }
        throw new AssertionError("no line with " + List.of(parts));
    }

    @Test
    void theExampleIsValidAndSummarised() throws Exception {
        CliHelpTest.Run run = CliHelpTest.run("plan", "validate", EXAMPLE.toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        String version = PlanLoader.load(EXAMPLE).version();
        assertTrue(run.out().startsWith(EXAMPLE + ": OK — plan acme-container-ir (version " + version
                + "): 5 classes, 2 obligations, 1 drill\n"), run.out());
        assertTrue(run.out().contains("class credential-tampering"), run.out());
        assertTrue(run.out().contains("lead secops-oncall (rota)"), run.out());
        assertTrue(run.out().contains("preserve [SNAPSHOT_EVIDENCE], contain [PAUSE_CONTAINER], scope"), run.out());
        assertTrue(run.out().contains("escalation: 0s secops-oncall via on-call; 15m platform-security via security-email+security-chat; "
                + "1h carol via security-email+sms"), run.out());
        assertTrue(run.out().contains("class default") && run.out().contains("default: every other incident"), run.out());
        assertTrue(run.out().contains("obligation breach-72h: due 72h after detection, reminders 24h, 4h before; also when tags personal-data"),
                run.out());
        assertTrue(run.out().contains("drill weekly-credential-tamper: attack write-passwd every 7d, pass: class credential-tampering, "
                + "detect within 5s, contain within 30s"), run.out());
    }

    @Test
    void aBrokenPlanListsEveryProblemAndExitsOne() throws Exception {
        String broken = Files.readString(EXAMPLE)
                .replace("lead: platform-security\n    channels: [security-chat, security-jira]",
                        "lead: platform-secruity\n    channels: [security-chat, security-jira]")
                .replace("      - {id: preserve, title: Snapshot the container's evidence, action: SNAPSHOT_EVIDENCE}\n"
                                + "      - {id: isolate,",
                        "      - {id: isolate,");
        Path file = Files.writeString(dir.resolve("plan.yaml"), broken);
        CliHelpTest.Run run = CliHelpTest.run("plan", "validate", file.toString());
        assertEquals(1, run.exitCode(), run.out());
        int isolate = lineOf(file, "id: isolate");
        int lead = lineOf(file, "lead: platform-secruity");
        assertEquals(List.of(
                file + ":" + isolate + ": class \"container-escape\": step \"isolate\" (ISOLATE_NETWORK) contains the container "
                        + "before its evidence is preserved: evidence before containment, put a step with action: SNAPSHOT_EVIDENCE before it",
                file + ":" + lead + ": class \"destruction-and-anti-forensics\": lead \"platform-secruity\" is not a contact "
                        + "(did you mean \"platform-security\"?)",
                file + ": 2 errors"), run.out().lines().toList());
    }

    @Test
    void notifiersMustNameEveryChannel() throws Exception {
        CliHelpTest.Run ok = CliHelpTest.run("plan", "validate", EXAMPLE.toString(), "--notifiers",
                notifiers("security-email", "security-chat", "on-call", "security-jira", "sms").toString());
        assertEquals(0, ok.exitCode(), ok.out() + ok.err());
        assertTrue(ok.out().lines().findFirst().orElseThrow().endsWith("; every channel is a notifier in " + dir.resolve("notifiers.yaml")),
                ok.out());

        Path some = notifiers("security-email", "security-chat", "on-call", "security-jira");
        CliHelpTest.Run missing = CliHelpTest.run("plan", "validate", EXAMPLE.toString(), "--notifiers", some.toString());
        assertEquals(1, missing.exitCode(), missing.out());
        List<String> lines = missing.out().lines().toList();
        String first = EXAMPLE + ":" + lineOf(EXAMPLE, "channels: [", "sms") + ": channel \"sms\" is not a notifier's name "
                + "(known: on-call, security-chat, security-email, security-jira)";
        assertEquals(first, lines.get(0));
        assertTrue(lines.stream().allMatch(l -> l.contains("\"sms\"") || l.endsWith(" errors")), missing.out());
        assertEquals(EXAMPLE + ": " + (lines.size() - 1) + " errors", lines.get(lines.size() - 1));
    }

    /** The two examples in deploy/ agree, and the notifiers file's secrets need not be set to check the names. */
    @Test
    void theExamplePlanNamesOnlyTheExampleNotifiers() {
        Path example = Path.of("..", "deploy", "notifiers.example.yaml");
        CliHelpTest.Run run = CliHelpTest.run("plan", "validate", EXAMPLE.toString(), "--notifiers", example.toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().lines().findFirst().orElseThrow().endsWith("; every channel is a notifier in " + example), run.out());
    }

    @Test
    void aBrokenNotifiersFileIsReportedWithItsLine() throws Exception {
        Path bad = Files.writeString(dir.resolve("notifiers.yaml"), "notifiers:\n  - {type: webhok, name: x, url: \"https://a.example\"}\n");
        CliHelpTest.Run run = CliHelpTest.run("plan", "validate", EXAMPLE.toString(), "--notifiers", bad.toString());
        assertEquals(1, run.exitCode(), run.out());
        assertTrue(run.out().startsWith(bad + ":2: unknown type \"webhok\""), run.out());
    }

    @Test
    void jsonGivesTheVerdictTheProblemsAndThePlan() throws Exception {
        CliHelpTest.Run ok = CliHelpTest.run("plan", "validate", EXAMPLE.toString(), "--json");
        assertEquals(0, ok.exitCode(), ok.out() + ok.err());
        JsonNode root = new ObjectMapper().readTree(ok.out());
        assertTrue(root.get("valid").asBoolean());
        assertEquals(0, root.get("problems").size());
        JsonNode plan = root.get("plan");
        assertEquals("acme-container-ir", plan.get("name").asText());
        assertEquals(5, plan.get("classes").size());
        JsonNode tamper = plan.get("classes").get(1);
        assertEquals("credential-tampering", tamper.get("name").asText());
        assertEquals(900_000, tamper.get("escalation").get(1).get("afterMs").asLong());
        assertEquals("SNAPSHOT_EVIDENCE", tamper.get("playbook").get(0).get("action").asText());
        assertTrue(plan.get("classes").get(4).get("default").asBoolean());
        assertEquals(259_200_000L, plan.get("obligations").get(0).get("dueMs").asLong());
        assertEquals("write-passwd", plan.get("drills").get(0).get("attack").asText());
        assertEquals("rota", plan.get("contacts").get("secops-oncall").get("kind").asText());

        Path file = Files.writeString(dir.resolve("plan.yaml"), "plan: p\ncontacts: {a: {person: A}}\nclasses:\n  - {name: x, lead: b}\n");
        CliHelpTest.Run bad = CliHelpTest.run("plan", "validate", file.toString(), "--json");
        assertEquals(1, bad.exitCode(), bad.out());
        JsonNode verdict = new ObjectMapper().readTree(bad.out());
        assertFalse(verdict.get("valid").asBoolean());
        assertEquals(file + ":4: class \"x\": lead \"b\" is not a contact (contacts: a)", verdict.get("problems").get(0).asText());
        assertFalse(verdict.has("plan"));
    }

    @Test
    void usageErrorsExitTwo() {
        CliHelpTest.Run noFile = CliHelpTest.run("plan", "validate");
        assertEquals(2, noFile.exitCode());
        assertTrue(noFile.err().contains("Missing required parameter: 'FILE'"), noFile.err());
        CliHelpTest.Run badTime = CliHelpTest.run("plan", "show", EXAMPLE.toString(), "--at", "tuesday");
        assertEquals(2, badTime.exitCode());
        assertTrue(badTime.err().contains("\"tuesday\" is not a time"), badTime.err());
        CliHelpTest.Run missing = CliHelpTest.run("plan", "validate", "no-such-plan.yaml");
        assertEquals(1, missing.exitCode());
        assertEquals("no-such-plan.yaml: plan file not found\nno-such-plan.yaml: 1 error\n", missing.out());
        CliHelpTest.Run help = CliHelpTest.run("plan", "validate", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--notifiers") && help.out().contains("evidence before containment"), help.out());
        assertTrue(CliHelpTest.run("--help").out().contains("plan"));
    }

    @Test
    void showNamesWhoIsOnCall() {
        CliHelpTest.Run first = CliHelpTest.run("plan", "show", EXAMPLE.toString(), "--at", "2026-01-06T10:00:00Z");
        assertEquals(0, first.exitCode(), first.out() + first.err());
        assertTrue(first.out().contains("rota secops-oncall: alice (Alice Ng, alice@example.com) on call until 2026-01-12T09:00:00Z (then bob)"),
                first.out());
        assertTrue(first.out().contains("class credential-tampering: lead secops-oncall -> Alice Ng <alice@example.com>"), first.out());
        assertTrue(first.out().contains("  tier 3 after 1h: carol -> Carol Diaz <ciso@example.com> via security-email, sms"), first.out());
        CliHelpTest.Run second = CliHelpTest.run("plan", "show", EXAMPLE.toString(), "--at", "2026-01-13T10:00:00+01:00");
        assertTrue(second.out().contains("rota secops-oncall: bob (Bob Ode, bob@example.com) on call until 2026-01-19T09:00:00Z (then dana)"),
                second.out());
        assertTrue(second.out().contains("class default: lead platform-security -> Platform security <platform-sec@example.com>, "
                + "Bob Ode <bob@example.com>"), second.out());
    }

    /** {@code plan drill}: what {@code driftwatch drill} (the node agent, in another JVM) reads from the plan. */
    @Test
    void drillPrintsTheChosenDrillAndItsClassTiersAsOneJsonObject() throws Exception {
        CliHelpTest.Run run = CliHelpTest.run("plan", "drill", EXAMPLE.toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertEquals("", run.err());
        assertEquals(1, run.out().strip().lines().count(), "one line: " + run.out());
        JsonNode root = new ObjectMapper().readTree(run.out());
        assertEquals("acme-container-ir", root.get("plan").asText());
        assertEquals(PlanLoader.load(EXAMPLE).version(), root.get("version").asText());
        assertEquals(EXAMPLE.toString(), root.get("file").asText());
        assertEquals("[\"weekly-credential-tamper\"]", root.get("drills").toString());
        JsonNode drill = root.get("drill");
        assertEquals("weekly-credential-tamper", drill.get("name").asText());
        assertEquals("write-passwd", drill.get("attack").asText());
        assertEquals(7 * 86_400_000L, drill.get("everyMs").asLong());
        assertEquals(20_000, drill.get("acknowledgeAfterMs").asLong());
        assertEquals(180_000, drill.get("timeoutMs").asLong());
        JsonNode pass = drill.get("pass");
        assertEquals("credential-tampering", pass.get("class").asText());
        assertEquals(5_000, pass.get("detectWithinMs").asLong());
        assertEquals(30_000, pass.get("containWithinMs").asLong());
        JsonNode cls = root.get("class");
        assertEquals("credential-tampering", cls.get("name").asText());
        JsonNode tiers = cls.get("escalation");
        assertEquals(3, tiers.size());
        assertEquals(1, tiers.get(0).get("tier").asInt());
        assertEquals(0, tiers.get(0).get("afterMs").asLong());
        assertEquals("[\"secops-oncall\"]", tiers.get(0).get("contacts").toString());
        assertEquals("[\"on-call\"]", tiers.get(0).get("channels").toString());
        assertEquals(900_000, tiers.get(1).get("afterMs").asLong());
        assertEquals(3, tiers.get(2).get("tier").asInt());
        assertEquals(3_600_000, tiers.get(2).get("afterMs").asLong());
        assertEquals("[\"security-email\",\"sms\"]", tiers.get(2).get("channels").toString());

        Path drills = Path.of("..", "deploy", "drill-plan.yaml");
        JsonNode late = new ObjectMapper().readTree(CliHelpTest.run("plan", "drill", drills.toString(), "--drill", "late-ack").out());
        assertEquals("late-ack", late.get("drill").get("name").asText());
        assertEquals(11_000, late.get("drill").get("acknowledgeAfterMs").asLong());
        assertEquals(3_000, late.get("drill").get("pass").get("escalationToleranceMs").asLong());
        assertEquals("[\"short-ack\",\"late-ack\"]", late.get("drills").toString());
        assertEquals(8_000, late.get("class").get("escalation").get(1).get("afterMs").asLong());
    }

    @Test
    void drillGivesNullForWhatTheDrillLeavesOutAndTheLoadersDefaults() throws Exception {
        String yaml = Files.readString(Path.of("..", "deploy", "drill-plan.yaml"));
        yaml = yaml.substring(0, yaml.indexOf("drills:")) + "drills:\n  - name: bare\n    attack: setuid\n"
                + "    pass: {detectWithin: 5s}\n";
        Path file = Files.writeString(dir.resolve("plan.yaml"), yaml);
        CliHelpTest.Run run = CliHelpTest.run("plan", "drill", file.toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        JsonNode root = new ObjectMapper().readTree(run.out());
        JsonNode drill = root.get("drill");
        assertTrue(drill.get("everyMs").isNull(), run.out());
        assertTrue(drill.get("acknowledgeAfterMs").isNull(), run.out());
        assertEquals(PlanLoader.DEFAULT_DRILL_TIMEOUT.toMillis(), drill.get("timeoutMs").asLong());
        assertTrue(drill.get("pass").get("class").isNull(), run.out());
        assertTrue(drill.get("pass").get("containWithinMs").isNull(), run.out());
        assertTrue(drill.get("pass").get("acknowledgeWithinMs").isNull(), run.out());
        assertEquals(PlanLoader.DEFAULT_ESCALATION_TOLERANCE.toMillis(), drill.get("pass").get("escalationToleranceMs").asLong());
        assertTrue(root.get("class").isNull(), "any class: no tiers to expect");
    }

    @Test
    void drillRefusesABrokenPlanAnUnknownDrillAndAPlanWithoutDrillsWithExitTwo() throws Exception {
        String yaml = Files.readString(Path.of("..", "deploy", "drill-plan.yaml"));
        Path broken = Files.writeString(dir.resolve("broken.yaml"), yaml.substring(0, yaml.indexOf("drills:"))
                + "drills:\n  - name: d\n    attack: setuid\n    pass: {class: no-such-class}\n"
                + "  - {name: e, attack: setuid, timeout: fast, pass: {detectWithin: 5s}}\n");
        CliHelpTest.Run bad = CliHelpTest.run("plan", "drill", broken.toString());
        assertEquals(2, bad.exitCode(), bad.err());
        assertEquals("", bad.out());
        List<String> lines = bad.err().lines().toList();
        assertEquals("error: the plan cannot be used:", lines.get(0));
        int d = lineOf(broken, "pass: {class: no-such-class}");
        int e = lineOf(broken, "timeout: fast");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("  " + broken + ":" + d + ": ") && l.contains("no-such-class")),
                bad.err());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("  " + broken + ":" + e + ": ") && l.contains("fast")), bad.err());
        assertTrue(lines.stream().skip(1).allMatch(l -> l.startsWith("  " + broken + ":")), "every problem with its file and line: " + bad.err());

        Path drills = Path.of("..", "deploy", "drill-plan.yaml");
        CliHelpTest.Run unknown = CliHelpTest.run("plan", "drill", drills.toString(), "--drill", "nope");
        assertEquals(2, unknown.exitCode());
        assertEquals("", unknown.out());
        assertEquals("error: " + drills + " has no drill named 'nope'; it has [short-ack, late-ack]\n", unknown.err());

        Path none = Files.writeString(dir.resolve("none.yaml"), yaml.substring(0, yaml.indexOf("drills:")));
        CliHelpTest.Run empty = CliHelpTest.run("plan", "drill", none.toString());
        assertEquals(2, empty.exitCode());
        assertTrue(empty.err().startsWith("error: " + none + " has no drills"), empty.err());

        CliHelpTest.Run missing = CliHelpTest.run("plan", "drill", dir.resolve("absent.yaml").toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains(dir.resolve("absent.yaml") + ": plan file not found"), missing.err());
        assertEquals(2, CliHelpTest.run("plan", "drill").exitCode(), "no FILE");
    }
}
