package io.driftwatch.agent.cli;

import io.driftwatch.agent.redteam.RedTeam;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "redteam", mixinStandardHelpOptions = true,
        description = "A real red-team run (root; runc and busybox-static installed): starts the streams app with its"
                + " embedded Kafka and schema registry, the node agent, and a busybox container under runc; then, inside"
                + " the container through runc exec: overwrites a binary in /usr/bin, sets setuid, deletes the shell"
                + " history, writes /etc/passwd, and drops, chmods and runs a binary. Prints each step's alert (rule,"
                + " severity, container id, latency from action to alert). Exit 0 only if every step was alerted for the"
                + " right container within --bound. Removes its container, mounts and processes.")
final class RedteamCommand implements Callable<Integer> {
    @Option(names = "--bound", paramLabel = "MS", defaultValue = "5000",
            description = "How long each step may wait for its alert (default: ${DEFAULT-VALUE} ms).")
    long boundMs;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".driftwatch/redteam",
            description = "Work directory: the container bundle and the stack's state; removed at the end (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
            description = "Use this Kafka (with a streams app already running on it) instead of starting the embedded stack.")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "The schema registry that goes with --bootstrap-server.")
    String registryUrl;

    @Option(names = "--respond", description = "Also run the responder, enforcing: the container must end up paused, with an"
            + " evidence bundle holding the dropped binary (hashes checked), and a forged command and one for a protected"
            + " namespace must be refused. The attacks then run as one script. See src/responder.md.")
    boolean respond;

    @Option(names = "--signing-key-file", paramLabel = "FILE",
            description = "With --bootstrap-server and --respond: the key the running streams app signs commands with.")
    Path signingKeyFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if ((bootstrapServers == null) != (registryUrl == null)) {
            spec.commandLine().getErr().println("error: give both --bootstrap-server and --schema-registry-url, or neither");
            return 2;
        }
        out.println("Driftwatch red team: a real container, the node agent, the streams app and the built-in rules");
        out.flush();
        if (respond && bootstrapServers != null && signingKeyFile == null) {
            spec.commandLine().getErr().println("error: --respond with --bootstrap-server needs --signing-key-file");
            return 2;
        }
        RedTeam.Report report = new RedTeam(new RedTeam.Config(bootstrapServers, registryUrl, dir.toAbsolutePath(),
                Duration.ofMillis(boundMs), "redteam-node", respond, signingKeyFile), out).run();
        List<RedTeam.Outcome> outcomes = report.steps();
        long passed = outcomes.stream().filter(RedTeam.Outcome::passed).count();
        out.printf("%nredteam: %d of %d steps alerted within %d ms", passed, outcomes.size(), boundMs);
        if (respond) {
            out.printf("; responder checks %d of %d", report.checks().stream().filter(RedTeam.Check::passed).count(),
                    report.checks().size());
        }
        out.printf(": %s%n", report.passed() ? "PASS" : "FAIL");
        out.flush();
        return report.passed() ? 0 : 1;
    }
}
