package io.driftwatch.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.agent.redteam.DrillAttacks;
import io.driftwatch.agent.redteam.DrillRun;
import io.driftwatch.agent.redteam.DrillSpec;
import io.driftwatch.model.DrillCheck;
import io.driftwatch.model.DrillEscalation;
import io.driftwatch.model.DrillReport;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "drill", mixinStandardHelpOptions = true,
        description = "Runs a drill of the response plan (src/response-plan.md, \"Drills\"): reads the drill from the plan"
                + " through the CLI (plan drill FILE, a JVM of its own); starts the streams app with"
                + " the plan (its own JVM, embedded Kafka and registry) unless --bootstrap-servers names a running one;"
                + " runs the drill's attack in a real runc container watched by the node agent with the responder"
                + " enforcing (root, runc and busybox-static), else (or with --recorded) as recorded file events of a"
                + " synthetic container; measures the time to detect, contain and acknowledge and each escalation tier"
                + " against its timer; acknowledges after the drill's acknowledgeAfter (or waits for a person); writes a"
                + " DrillReport to driftwatch.drills and a JSON file. Progress on stderr. Exit 0 passed, 1 failed, 2 a"
                + " usage or plan error.")
final class DrillCommand implements Callable<Integer> {
    @Option(names = "--plan", paramLabel = "FILE", defaultValue = "deploy/response-plan.yaml",
            description = "The response plan (default: ${DEFAULT-VALUE}).")
    Path plan;

    @Option(names = "--drill", paramLabel = "NAME", description = "Which of the plan's drills (default: the first).")
    String drillName;

    @Option(names = "--json", description = "Print exactly one JSON object on stdout: the report.")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Where to write the report as JSON (default: drills/DRILLID.json in the state directory).")
    Path out;

    @Option(names = {"--bootstrap-servers", "--bootstrap-server"}, paramLabel = "HOST:PORT",
            description = "A running Driftwatch's Kafka (its app loaded the same plan) instead of the embedded stack.")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "The schema registry that goes with --bootstrap-servers.")
    String registryUrl;

    @Option(names = "--signing-key-file", paramLabel = "FILE",
            description = "With --bootstrap-servers, in a real container: the key the running app signs commands with.")
    Path signingKeyFile;

    @Option(names = "--recorded", description = "Produce the recorded attack's events even where a real container could run.")
    boolean recorded;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".driftwatch/drill",
            description = "Work directory: the container bundle and the stack's state; removed at the end (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--node", paramLabel = "NAME", defaultValue = "drill-node", description = "The node name the agent reports (default: ${DEFAULT-VALUE}).")
    String node;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        if ((bootstrapServers == null) != (registryUrl == null)) {
            err.println("error: give both --bootstrap-servers and --schema-registry-url, or neither");
            return 2;
        }
        // The plan is read by the CLI (`plan drill`) in a JVM of its own: the rules' plan reader is not the agent's.
        DrillSpec drill;
        try {
            drill = DrillSpec.ask(plan, drillName, err);
        } catch (DrillSpec.Refused e) {
            // What the CLI said (every problem as file:line: message, or the drills there are) is on stderr already;
            // its usage and plan errors are exit 2, anything else a failure of that JVM, said here too.
            if (e.exitCode() != 2) {
                err.println("error: " + e.getMessage());
            }
            return 2;
        } catch (IOException e) {
            err.println("error: cannot read the plan " + plan + " (driftwatch plan drill): " + e.getMessage());
            return 2;
        }
        if (DrillAttacks.steps(drill.attack()) == null) {
            err.println("error: drill " + drill.name() + " names attack '" + drill.attack() + "'; the attacks are "
                    + DrillAttacks.CATALOGUE.keySet());
            return 2;
        }
        DrillReport report;
        long started = System.currentTimeMillis();
        try {
            report = new DrillRun(new DrillRun.Config(plan, drill, bootstrapServers, registryUrl,
                    signingKeyFile, dir.toAbsolutePath(), recorded, node, "driftwatch."), err).run();
        } catch (Exception e) {
            // The drill could not run to its end: a failed report (not written to the topic), the reason in error.
            err.println("error: the drill could not run: " + e);
            report = DrillReport.newBuilder().setDrillId(drill.name() + "-" + Long.toString(started, 36))
                    .setDrill(drill.name()).setPlanName(drill.planName()).setPlanVersion(drill.planVersion())
                    .setAttack(drill.attack()).setMode(recorded || DrillRun.whyNoContainer() != null ? "recorded" : "runc")
                    .setStartedAt(started).setFinishedAt(System.currentTimeMillis()).setPassed(false)
                    .setError(String.valueOf(e.getMessage())).build();
        }
        ObjectNode node = JsonRecords.toNode(report);
        Path file = out != null ? out : Path.of(System.getProperty("driftwatch.home", ".driftwatch"), "drills",
                report.getDrillId() + ".json");
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
        node.put("reportFile", file.toAbsolutePath().toString());
        if (json) {
            stdout.println(node.toString());
        } else {
            summary(stdout, report, file);
        }
        stdout.flush();
        return report.getPassed() ? 0 : 1;
    }

    static void summary(PrintWriter out, DrillReport r, Path file) {
        out.printf("%ndrill %s (plan %s %s): attack %s, %s mode, incident %s, class %s%n", r.getDrill(), r.getPlanName(),
                r.getPlanVersion(), r.getAttack(), r.getMode(), r.getIncidentId(), r.getClassName());
        out.printf("  time to detect       %s%n", ms(r.getTimeToDetectMs()));
        out.printf("  time to contain      %s%n", ms(r.getTimeToContainMs()));
        out.printf("  time to acknowledge  %s%n", ms(r.getTimeToAcknowledgeMs()));
        for (DrillEscalation e : r.getEscalations()) {
            out.printf("  escalation tier %d   due +%d ms, %s, %s%n", e.getTier(), e.getExpectedMs(),
                    e.getFiredMs() == null ? "not fired" : "fired +" + e.getFiredMs() + " ms",
                    (e.getShouldFire() ? "should fire" : "should not fire") + (e.getOnTime() ? ": on time" : ": WRONG"));
        }
        out.println();
        for (DrillCheck c : r.getChecks()) {
            out.printf("  %-4s %s: %s%n", c.getPassed() ? "ok" : "FAIL", c.getName(), c.getDetail());
        }
        out.printf("%ndrill %s: %s (report %s)%n", r.getDrill(), r.getPassed() ? "PASSED" : "FAILED", file.toAbsolutePath());
    }

    private static String ms(Long value) {
        return value == null ? "-" : value + " ms";
    }
}
