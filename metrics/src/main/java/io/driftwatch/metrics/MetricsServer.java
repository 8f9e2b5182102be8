package io.driftwatch.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /metrics}, {@code /health/live} and {@code /health/ready} for a process without a console (node agent,
 * responder, notifier), on the JDK's own HTTP server ({@code jdk.httpserver}): nothing to add to the agent's image for
 * three GET routes. The app serves the same paths from its console (streams-app's ConsoleServer).
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    /** The flag value that turns the server off. */
    public static final int OFF = 0;

    private final HttpServer server;
    private final ExecutorService threads;
    private final String url;

    private MetricsServer(HttpServer server, ExecutorService threads, String url) {
        this.server = server;
        this.threads = threads;
        this.url = url;
    }

    /**
     * Starts serving on {@code address:port} (port 0 in tests: a free one; callers treat a configured 0 as off and do
     * not call this).
     */
    public static MetricsServer start(String address, int port, ProcessMetrics metrics, Supplier<Health> live,
                                      Supplier<Health> ready) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 16);
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "driftwatch-metrics-http");
            t.setDaemon(true);
            return t;
        });
        PrometheusMeterRegistry registry = metrics.registry();
        server.createContext("/metrics", exchange -> answer(exchange, () -> {
            String accept = exchange.getRequestHeaders().getFirst("Accept");
            String body = metrics.scrape(accept);
            String type = accept != null && accept.contains("application/openmetrics-text")
                    ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                    : "text/plain; version=0.0.4; charset=utf-8";
            return new Answer(200, type, body);
        }));
        server.createContext("/health/live", exchange -> answer(exchange, () -> health(live.get())));
        server.createContext("/health/ready", exchange -> answer(exchange, () -> health(ready.get())));
        server.createContext("/", exchange -> answer(exchange, () -> new Answer(404, "text/plain; charset=utf-8",
                "not found: /metrics, /health/live, /health/ready\n")));
        server.setExecutor(threads);
        server.start();
        String host = address.contains(":") ? "[" + address + "]" : address;
        MetricsServer started = new MetricsServer(server, threads, "http://" + host + ":" + server.getAddress().getPort());
        LOG.info("Metrics and health on {} (/metrics, /health/live, /health/ready); {} meters so far", started.url,
                registry.getMeters().size());
        return started;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** e.g. {@code http://127.0.0.1:8471}. */
    public String url() {
        return url;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private record Answer(int status, String contentType, String body) {
    }

    private static Answer health(Health health) {
        return new Answer(health.httpStatus(), "application/json", health.json() + "\n");
    }

    private static void answer(HttpExchange exchange, Supplier<Answer> handler) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Answer answer;
            try {
                answer = handler.get();
            } catch (RuntimeException e) {
                LOG.warn("{} failed: {}", exchange.getRequestURI().getPath(), e.toString());
                answer = new Answer(500, "text/plain; charset=utf-8", "internal error (" + e.getClass().getSimpleName()
                        + "); the process logged it\n");
            }
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(answer.status(), head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }
}
