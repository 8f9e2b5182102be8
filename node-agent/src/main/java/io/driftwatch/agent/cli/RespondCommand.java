package io.driftwatch.agent.cli;

import io.driftwatch.agent.respond.NodeResponder;
import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.agent.runtime.ContainerListener;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The responder without the sensor: a subcommand of its own rather than {@code agent --respond --no-sensor}, so that
 * its help lists only what a responder reads, and it needs neither fanotify nor root (in dry run) nor a publisher
 * of file events. Containers are still looked up through the runtime watcher (runc and containerd state, read only):
 * the safety rules need their names and labels, and enforced actions their root filesystems.
 */
@Command(name = "respond", mixinStandardHelpOptions = true, versionProvider = AgentMain.Version.class,
        description = {"The responder alone, without the sensor: reads this node's commands from <prefix>response-commands"
                + " (or, with --per-node-commands, from its own <prefix>response-commands.<node>),"
                + " checks their signature and the safety rules, carries them out and reports every outcome to"
                + " <prefix>response-results. A dry run unless --enforce: each command is logged (audit.jsonl under"
                + " --responder-dir) and reported as SKIPPED_DRY_RUN, or REFUSED when a safety rule says no; that needs no"
                + " root. With --enforce it pauses, kills and takes evidence through runc (root), and isolates and labels"
                + " pods through the Kubernetes API.",
                "Prints a status line every --status-interval. Ctrl-C stops it. See src/responder.md."})
final class RespondCommand implements Callable<Integer> {
    private static final ContainerListener LOOKUP_ONLY = new ContainerListener() {
        @Override
        public void started(ContainerInfo container) {
        }

        @Override
        public void stopped(ContainerInfo container) {
        }
    };

    @Mixin
    NodeOptions node;

    @Mixin
    RespondOptions respond;

    @Mixin
    MetricsOptions metricsOptions;

    @Option(names = "--status-interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds between status lines (default: ${DEFAULT-VALUE}; 0: none).")
    int statusInterval;

    @Option(names = "--stop-with", paramLabel = "PID",
            description = "Also stop when the process PID ends (how `demo` makes sure the responder it starts never outlives it).")
    Long stopWith;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String name = node.node();
        node.bootstrapServers(); // both addresses checked before anything starts
        node.registryUrl();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        if (stopWith != null) {
            Optional<ProcessHandle> parent = ProcessHandle.of(stopWith);
            if (parent.isEmpty()) {
                spec.commandLine().getErr().println("error: --stop-with " + stopWith + ": no such process");
                return 2;
            }
            parent.get().onExit().thenRun(() -> {
                out.println("process " + stopWith + " ended: stopping");
                out.flush();
                stop.countDown();
            });
        }
        try (RuntimeWatcher watcher = new RuntimeWatcher(node.watcher(), LOOKUP_ONLY)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    stopped.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "respond-stop"));
            watcher.start();
            NodeResponder responder = respond.start(name, node, watcher, node.runcRoots(), out);
            io.driftwatch.metrics.ProcessMetrics metrics = io.driftwatch.metrics.ProcessMetrics.start();
            io.driftwatch.metrics.MetricsServer server = null;
            try {
                responder.bindTo(metrics);
                server = MetricsOptions.serve(metricsOptions.endpoint("respond",
                                io.driftwatch.metrics.MetricsEndpoint.RESPONDER_PORT), metrics,
                        () -> responder.responder().live(), () -> responder.responder().ready(), out);
                out.printf("driftwatch respond on node %s: the responder only, no sensor; %d containers known here;"
                        + " Ctrl-C to stop%n", name, watcher.running().size());
                out.flush();
                while (!stop.await(statusInterval <= 0 ? 3600 : statusInterval, TimeUnit.SECONDS)) {
                    if (statusInterval > 0) {
                        out.println("status: responder: " + responder.responder().status());
                        out.flush();
                    }
                }
                out.println("stopping: finishing the command in hand");
                out.flush();
            } finally {
                try {
                    responder.close();
                } finally {
                    if (server != null) {
                        server.close();
                    }
                    metrics.close();
                }
            }
            out.println("stopped: " + responder.responder().status());
            out.flush();
        } finally {
            stopped.countDown();
        }
        return 0;
    }
}
