package io.driftwatch.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drill}'s usage and plan errors: exit 2, a message on stderr, nothing on stdout, nothing started. The plan is
 * read by the CLI ({@code plan drill}) in a JVM of its own, started from the test classpath (the CLI is a test
 * dependency here; the launcher gives {@code -Ddriftwatch.streams.classpath}): its stderr comes through.
 */
class DrillCommandTest {
    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = AgentMain.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    Path plan(String drills) throws Exception {
        String yaml = Files.readString(Path.of("..", "deploy", "drill-plan.yaml"));
        yaml = yaml.substring(0, yaml.indexOf("drills:")) + drills;
        Path file = tmp.resolve("plan.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void anUnknownAttackIsRefusedNamingTheCatalogue() throws Exception {
        Path file = plan("drills:\n  - name: d\n    attack: format-disk\n    acknowledgeAfter: 4s\n"
                + "    pass: {class: binary-tampering, detectWithin: 5s}\n");
        Run r = run("drill", "--plan", file.toString(), "--json");
        assertEquals(2, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("names attack 'format-disk'; the attacks are [write-passwd, overwrite-binary, setuid,"
                + " delete-history, dropped-binary, attacks]"), r.err());
    }

    @Test
    void aBrokenPlanIsRefusedWithFileAndLine() throws Exception {
        Path file = plan("drills:\n  - name: d\n    attack: setuid\n    pass: {class: no-such-class}\n");
        Run r = run("drill", "--plan", file.toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("error: the plan cannot be used:\n"), r.err());
        int line = Files.readAllLines(file).indexOf("    pass: {class: no-such-class}") + 1;
        assertTrue(line > 0);
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("  " + file + ":" + line + ": ") && l.contains("no-such-class")),
                "the problem with its file and line: " + r.err());
    }

    @Test
    void anUnknownDrillAndAHalfGivenConnectionAreUsageErrors() throws Exception {
        Run none = run("drill", "--plan", Path.of("..", "deploy", "drill-plan.yaml").toString(), "--drill", "nope");
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("has no drill named 'nope'; it has [short-ack, late-ack]"), none.err());
        Run half = run("drill", "--plan", Path.of("..", "deploy", "drill-plan.yaml").toString(), "--bootstrap-servers",
                "localhost:9092");
        assertEquals(2, half.exit());
        assertTrue(half.err().contains("give both --bootstrap-servers and --schema-registry-url"), half.err());
        Run missing = run("drill", "--plan", tmp.resolve("absent.yaml").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains(tmp.resolve("absent.yaml") + ": plan file not found"), missing.err());
    }
}
