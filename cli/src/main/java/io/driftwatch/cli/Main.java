package io.driftwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./driftwatch}: the one command line. Subcommands load their configuration and do the work. */
@Command(name = "driftwatch",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Container file-integrity monitoring and incident response on Apache Kafka.",
        footer = {"", "On a node (root; the node-agent module, through this same launcher):",
                "  agent         the fanotify sensor and runtime watcher: publishes FileEvents",
                "                and ContainerMetadata; with --respond [--enforce] it also",
                "                carries out this node's response commands",
                "  respond       the responder alone (no sensor; no root in dry run)",
                "  redteam       a real container attacked through runc exec, checked end to",
                "                end against the alerts; with --respond the responder enforces",
                "  drill         a drill of the response plan: its attack (a real container, or",
                "                recorded events), times to detect/contain/acknowledge and the",
                "                escalations checked; --json prints the report",
                "  sensor-bench  a burst of file operations in a container: events/s and CPU",
                "                time per event",
                "", "Configuration: a properties file (--config), then KAFKA_* and DRIFTWATCH_*",
                "environment variables, then flags; see src/configuration.md.",
                "Tests: see README.md."},
        subcommands = {RunCommand.class, DemoCommand.class, ReplayCommand.class, BenchCommand.class, FuzzCommand.class,
                RulesCommand.class, PlanCommand.class,
                IngestCommand.class, TopicsCommand.class, AclsCommand.class,
                ProduceCommand.class,
                SchemasCommand.class,
                NotifyCommand.class,
                TrailCommand.class, IncidentsCommand.class, CaptureCommand.class,
                ScanCommand.class,
                ReportCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by main and the tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // A user error (bad configuration, unreachable broker) is a sentence, not a stack trace.
            commandLine.getErr().println(commandLine.getColorScheme().errorText("error: " + describe(e)));
            return 1;
        });
        return cli;
    }

    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
        }
        return text.toString();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties props = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/io/driftwatch/app/version.properties")) {
                if (in != null) {
                    props.load(in);
                }
            }
            return new String[] {"driftwatch " + props.getProperty("version", "unknown"),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
