package io.driftwatch.agent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./driftwatch agent|respond|redteam|sensor-bench}: the node side of the command line. */
@Command(name = "driftwatch",
        mixinStandardHelpOptions = true,
        versionProvider = AgentMain.Version.class,
        description = "Driftwatch on a node: the fanotify sensor and runtime watcher, the responder, and the real-container checks.",
        subcommands = {AgentCommand.class, RespondCommand.class, RedteamCommand.class, DrillCommand.class, SensorBenchCommand.class, CommandLine.HelpCommand.class})
public final class AgentMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new AgentMain());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            StringBuilder text = new StringBuilder(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
                if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                    text.append(": ").append(cause.getMessage());
                }
            }
            commandLine.getErr().println("error: " + text);
            return 1;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * The version the agent's jar was built as (its manifest's Implementation-Version); a checkout runs it from
     * target/classes, which has no manifest.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = AgentMain.class.getPackage().getImplementationVersion();
            return new String[] {"driftwatch node agent " + (version != null ? version : "(built from a checkout)"),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
