package io.driftwatch.agent.redteam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a drill needs from the response plan, as the CLI's {@code plan drill FILE [--drill NAME]} prints it (one JSON
 * object). The node agent never reads the plan itself: the plan's reader lives in the rules module, which the agent
 * does not depend on (src/architecture.md, "Modules"). {@link #ask} runs that command in a JVM of its own, the way
 * {@link StackProcess} starts the streams app.
 *
 * @param planName            the plan's name
 * @param planVersion         the first 12 hex digits of the plan file's sha256
 * @param planFile            the file as the CLI read it (for messages)
 * @param drills              every drill's name, in file order
 * @param name                the chosen drill
 * @param attack              its red-team attack (DrillAttacks)
 * @param every               how often it is due (null: not said)
 * @param acknowledgeAfter    when the drill acknowledges on the team's behalf, from detection (null: a person must)
 * @param timeout             how long the drill waits, from the attack
 * @param expectClass         the class the incident must get (null: any)
 * @param detectWithin        the alert must come within this of the attack (null: just come)
 * @param containWithin       a containing response within this (null: not required)
 * @param acknowledgeWithin   the acknowledgement within this (null: not required)
 * @param escalationTolerance how far off its timer an escalation may fire (null: DrillMeasure's default)
 * @param escalation          the escalation tiers of {@code expectClass} in the plan (empty: no class expected)
 */
public record DrillSpec(String planName, String planVersion, String planFile, List<String> drills, String name,
                        String attack, Duration every, Duration acknowledgeAfter, Duration timeout, String expectClass,
                        Duration detectWithin, Duration containWithin, Duration acknowledgeWithin,
                        Duration escalationTolerance, List<Tier> escalation) {
    public DrillSpec {
        drills = drills == null ? List.of() : List.copyOf(drills);
        escalation = escalation == null ? List.of() : List.copyOf(escalation);
    }

    /** One escalation tier of the expected class: tell {@code contacts} through {@code channels} {@code afterMs} after detection. */
    public record Tier(int tier, long afterMs, List<String> contacts, List<String> channels) {
        public Tier {
            contacts = contacts == null ? List.of() : List.copyOf(contacts);
            channels = channels == null ? List.of() : List.copyOf(channels);
        }
    }

    /** The CLI said no (exit {@code exitCode}); what it said is already on the progress writer. */
    public static final class Refused extends Exception {
        private final int exitCode;

        Refused(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /** Parses {@code plan drill}'s JSON. */
    public static DrillSpec parse(String json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        if (root == null || !root.isObject() || !root.path("drill").isObject()) {
            throw new IOException("not the JSON of `plan drill`: " + abbreviate(json));
        }
        JsonNode drill = root.get("drill");
        JsonNode pass = drill.path("pass");
        List<Tier> tiers = new ArrayList<>();
        JsonNode cls = root.path("class");
        for (JsonNode t : cls.path("escalation")) {
            tiers.add(new Tier(t.path("tier").asInt(), t.path("afterMs").asLong(), strings(t.path("contacts")),
                    strings(t.path("channels"))));
        }
        return new DrillSpec(text(root, "plan"), text(root, "version"), text(root, "file"), strings(root.path("drills")),
                text(drill, "name"), text(drill, "attack"), millis(drill, "everyMs"), millis(drill, "acknowledgeAfterMs"),
                millis(drill, "timeoutMs"), text(pass, "class"), millis(pass, "detectWithinMs"),
                millis(pass, "containWithinMs"), millis(pass, "acknowledgeWithinMs"),
                millis(pass, "escalationToleranceMs"), tiers);
    }

    /**
     * Runs {@code java -cp <classpath> io.driftwatch.cli.Main plan drill FILE [--drill NAME]} in a JVM of its own and
     * parses what it prints. The classpath is {@code -Ddriftwatch.streams.classpath} (the launcher sets it to the
     * CLI's), else this JVM's own (tests, where the CLI is on the test classpath), as for {@link StackProcess}. The
     * child's stderr goes to {@code err} line by line as it comes (a bad plan's {@code file:line: message} lines); a
     * non-zero exit is {@link Refused}. The child runs in this JVM's working directory with the file as given, so its
     * messages name the file as the user wrote it.
     */
    public static DrillSpec ask(Path planFile, String drillName, PrintWriter err) throws Refused, IOException,
            InterruptedException {
        String classpath = System.getProperty("driftwatch.streams.classpath", System.getProperty("java.class.path"));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(javaBin, "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", classpath, "io.driftwatch.cli.Main", "plan", "drill",
                planFile.toString()));
        if (drillName != null) {
            command.addAll(List.of("--drill", drillName));
        }
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        Thread errors = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (err) {
                        err.println(line);
                        err.flush();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "plan-drill-stderr");
        errors.setDaemon(true);
        errors.start();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            in.transferTo(stdout);
        }
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("`driftwatch plan drill " + planFile + "` did not end within 120 s");
        }
        errors.join(5_000);
        int exit = process.exitValue();
        String out = stdout.toString(StandardCharsets.UTF_8);
        if (exit != 0) {
            throw new Refused(exit, "`driftwatch plan drill " + planFile + "` exited with code " + exit);
        }
        return parse(out);
    }

    private static String text(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Duration millis(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : Duration.ofMillis(v.asLong());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    private static String abbreviate(String s) {
        String t = s == null ? "" : s.strip();
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }
}
