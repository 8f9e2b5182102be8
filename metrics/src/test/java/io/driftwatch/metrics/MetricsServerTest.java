package io.driftwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesTheRegistryAndTheHealthChecksAsTheyChange() throws Exception {
        AtomicReference<Health> ready = new AtomicReference<>(Health.down("not started"));
        try (ProcessMetrics metrics = ProcessMetrics.start();
             MetricsServer server = MetricsServer.start("127.0.0.1", 0, metrics, () -> Health.up("serving"), ready::get)) {
            Counter counter = Counter.builder("driftwatch.test.things").register(metrics.registry());
            counter.increment(3);

            HttpResponse<String> scrape = get(server, "/metrics", "text/plain");
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.body().contains("driftwatch_test_things_total 3.0"), scrape.body());
            assertTrue(scrape.body().contains("jvm_memory_used_bytes"), "JVM binders are bound");
            assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            HttpResponse<String> open = get(server, "/metrics", "application/openmetrics-text; version=1.0.0");
            assertTrue(open.body().contains("driftwatch_test_things_total 3.0"), open.body());
            assertTrue(open.body().endsWith("# EOF\n"), "OpenMetrics when Prometheus asks for it");

            HttpResponse<String> notReady = get(server, "/health/ready", null);
            assertEquals(503, notReady.statusCode());
            assertEquals("{\"status\": \"DOWN\", \"reason\": \"not started\"}\n", notReady.body());
            ready.set(Health.up("running \"now\""));
            HttpResponse<String> isReady = get(server, "/health/ready", null);
            assertEquals(200, isReady.statusCode());
            assertEquals("{\"status\": \"UP\", \"reason\": \"running \\\"now\\\"\"}\n", isReady.body());
            assertEquals(200, get(server, "/health/live", null).statusCode());
            assertEquals(404, get(server, "/nothing", null).statusCode());
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
        }
    }

    @Test
    void aFailingCheckAnswers500AndTheServerGoesOn() throws Exception {
        try (ProcessMetrics metrics = ProcessMetrics.start();
             MetricsServer server = MetricsServer.start("127.0.0.1", 0, metrics, () -> {
                 throw new IllegalStateException("boom");
             }, () -> Health.up("fine"))) {
            assertEquals(500, get(server, "/health/live", null).statusCode());
            assertEquals(200, get(server, "/health/ready", null).statusCode());
        }
    }

    @Test
    void endpointsComeFromFlagsThenConfigurationThenDefaults() {
        Map<String, String> env = Map.of("DRIFTWATCH_AGENT_METRICS_PORT", "9100", "DRIFTWATCH_AGENT_METRICS_ADDRESS", "0.0.0.0");
        var fromEnv = MetricsEndpoint.environment(env::get);
        assertEquals(new MetricsEndpoint("0.0.0.0", 9100), MetricsEndpoint.resolve(null, null, fromEnv, "agent", 8471));
        assertEquals(new MetricsEndpoint("0.0.0.0", 0), MetricsEndpoint.resolve(0, null, fromEnv, "agent", 8471));
        assertEquals(new MetricsEndpoint("127.0.0.1", 8472), MetricsEndpoint.resolve(null, null, fromEnv, "respond", 8472));
        assertFalse(MetricsEndpoint.resolve(0, null, k -> null, "notify", 8473).enabled());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> MetricsEndpoint.resolve(null, null, k -> "eighty", "notify", 8473));
        assertTrue(bad.getMessage().contains("driftwatch.notify.metrics.port"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.resolve(70000, null, k -> null, "agent", 8471));
    }

    private HttpResponse<String> get(MetricsServer server, String path, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path)).GET();
        if (accept != null) {
            request.header("Accept", accept);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
