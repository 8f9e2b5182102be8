package io.driftwatch.agent.cli;

import io.driftwatch.metrics.Health;
import io.driftwatch.metrics.MetricsEndpoint;
import io.driftwatch.metrics.MetricsServer;
import io.driftwatch.metrics.ProcessMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * {@code --metrics-port} and {@code --metrics-address} for {@code agent} and {@code respond}: where {@code /metrics},
 * {@code /health/live} and {@code /health/ready} are served (src/monitoring.md). Else the environment
 * ({@code DRIFTWATCH_AGENT_METRICS_PORT}, {@code DRIFTWATCH_RESPOND_METRICS_PORT}, ...), else the command's default.
 */
final class MetricsOptions {
    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Port of /metrics, /health/live and /health/ready (default: $DRIFTWATCH_<COMMAND>_METRICS_PORT,"
                    + " else 8471 for agent, 8472 for respond; 0: off).")
    Integer port;

    @Option(names = "--metrics-address", paramLabel = "ADDRESS",
            description = "Address the metrics port listens on (default: $DRIFTWATCH_<COMMAND>_METRICS_ADDRESS, else"
                    + " 127.0.0.1; in a pod: 0.0.0.0).")
    String address;

    MetricsEndpoint endpoint(String component, int defaultPort) {
        return MetricsEndpoint.resolve(port, address, MetricsEndpoint.environment(System::getenv), component, defaultPort);
    }

    /** Starts the server when the endpoint is on; null when off. */
    static MetricsServer serve(MetricsEndpoint endpoint, ProcessMetrics metrics, Supplier<Health> live,
                               Supplier<Health> ready, PrintWriter out) throws IOException {
        if (!endpoint.enabled()) {
            return null;
        }
        MetricsServer server;
        try {
            server = MetricsServer.start(endpoint.address(), endpoint.port(), metrics, live, ready);
        } catch (java.net.BindException e) {
            throw new IOException("cannot serve metrics on " + endpoint.address() + ":" + endpoint.port() + " (" + e.getMessage()
                    + "): choose another --metrics-port, or 0 for none", e);
        }
        out.println("metrics and health on " + server.url() + " (/metrics, /health/live, /health/ready)");
        out.flush();
        return server;
    }
}
