package io.driftwatch.agent.cli;

import io.driftwatch.agent.NodeAgent;
import io.driftwatch.agent.respond.NodeResponder;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "agent", mixinStandardHelpOptions = true, versionProvider = AgentMain.Version.class,
        description = "The node agent (run as root, one per node): finds containers (runc and containerd state),"
                + " publishes their ContainerMetadata, watches their root filesystems with fanotify and publishes"
                + " FileEvents keyed by container id; also watches the node's own system files (host FIM, container id"
                + " host; --no-host-fim). Prints a status line every --status-interval. Ctrl-C stops it"
                + " after sending what it holds. What the sensor can and cannot see: src/sensors.md.")
final class AgentCommand implements Callable<Integer> {
    @Mixin
    AgentOptions options;

    @Option(names = "--status-interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds between status lines (default: ${DEFAULT-VALUE}; 0: none).")
    int statusInterval;

    @Option(names = "--respond", description = "Also run the responder: carry out this node's response commands (dry run"
            + " unless --enforce). Without the sensor: ./driftwatch respond.")
    boolean respondToo;

    @Mixin
    RespondOptions respond;

    @Mixin
    MetricsOptions metricsOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        io.driftwatch.metrics.MetricsEndpoint endpoint = metricsOptions.endpoint("agent",
                io.driftwatch.metrics.MetricsEndpoint.AGENT_PORT);
        NodeResponder[] responderRef = {null};
        try (io.driftwatch.metrics.ProcessMetrics metrics = io.driftwatch.metrics.ProcessMetrics.start();
             NodeAgent agent = new NodeAgent(options.node(), options.sensor(), options.watcher(), options.publisher());
             io.driftwatch.metrics.MetricsServer server = MetricsOptions.serve(endpoint, metrics,
                     () -> both(agent.live(), responderRef[0] == null ? null : responderRef[0].responder().live()),
                     () -> both(agent.ready(), responderRef[0] == null ? null : responderRef[0].responder().ready()),
                     out)) {
            agent.bindTo(metrics);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    stopped.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "agent-stop"));
            agent.start();
            NodeResponder responder = respondToo
                    ? respond.start(options.node(), options.connection(), agent.watcher(), options.runcRoots(), out)
                    : null;
            if (responder != null) {
                responder.bindTo(metrics);
                responderRef[0] = responder;
            }
            out.printf("driftwatch agent on node %s: %d containers watched; Ctrl-C to stop%n", options.node(),
                    agent.watcher().running().size());
            agent.failures().forEach((id, why) -> out.printf("  not watched: %s: %s%n", id, why));
            out.flush();
            while (!stop.await(statusInterval <= 0 ? 3600 : statusInterval, TimeUnit.SECONDS)) {
                if (statusInterval > 0) {
                    out.println("status: " + agent.status() + (responder == null ? ""
                            : "; responder: " + responder.responder().status()));
                    out.flush();
                }
            }
            out.println("stopping: sending what is buffered");
            out.flush();
            if (responder != null) {
                responder.close();
            }
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    /** The agent's health, and the responder's when it runs too: down when either is. */
    private static io.driftwatch.metrics.Health both(io.driftwatch.metrics.Health agent,
                                                     io.driftwatch.metrics.Health responder) {
        if (responder == null) {
            return agent;
        }
        boolean up = agent.up() && responder.up();
        return new io.driftwatch.metrics.Health(up, "agent: " + agent.reason() + "; responder: " + responder.reason());
    }
}
