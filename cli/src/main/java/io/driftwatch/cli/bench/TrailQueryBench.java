package io.driftwatch.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.cli.embedded.EmbeddedStack;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * Trail queries against the running app's HTTP API once the bench's events are all stored: how
 * long the first page takes (one request, the whole answer over HTTP), for the kinds of query an
 * investigator asks, over the last hour.
 */
final class TrailQueryBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String url;
    private final PrintWriter progress;
    private final int containers;
    private final long events;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TrailQueryBench(String url, PrintWriter progress, int containers, long events) {
        this.url = url;
        this.progress = progress;
        this.containers = containers;
        this.events = events;
    }

    /** Query kind → {p50 ms, p99 ms, rows on the first page}. */
    Map<String, double[]> run() throws Exception {
        EmbeddedStack.step(progress, String.format("trail queries over the last hour, %,d events stored", events));
        long now = System.currentTimeMillis();
        String range = "from=" + (now - 3_600_000) + "&to=" + now;
        SplittableRandom random = new SplittableRandom(7);
        Map<String, double[]> results = new LinkedHashMap<>();
        // Warm-up: the first requests load classes and open iterators for the first time.
        for (int i = 0; i < 20; i++) {
            get(range + "&containerId=" + SyntheticWorkload.containerId(random.nextInt(containers)));
        }
        results.put("one container (limit 100)", time(200, i -> range + "&containerId="
                + SyntheticWorkload.containerId(random.nextInt(containers))));
        results.put("path prefix /tmp/ (limit 100)", time(30, i -> range + "&pathPrefix=" + encode("/tmp/")));
        results.put("exact path, whole fleet", time(30, i -> range + "&path=" + encode("/usr/bin/curl")));
        results.put("process cp, namespace team-3", time(30, i -> range + "&process=cp&namespace=team-3"));
        results.put("one container, cmdline substring", time(100, i -> range + "&containerId="
                + SyntheticWorkload.containerId(random.nextInt(containers)) + "&cmdline=" + encode("app.jar")));
        results.put("no filter (limit 100)", time(30, i -> range));
        results.put("type DELETE, whole fleet", time(30, i -> range + "&type=DELETE"));
        return results;
    }

    private double[] time(int count, IntFunction<String> query) throws Exception {
        List<Double> millis = new ArrayList<>();
        double rows = 0;
        for (int i = 0; i < count; i++) {
            String q = query.apply(i);
            long began = System.nanoTime();
            JsonNode page = get(q);
            millis.add((System.nanoTime() - began) / 1e6);
            rows += page.path("events").size();
        }
        Collections.sort(millis);
        return new double[] {Bench.percentile(millis, 50), Bench.percentile(millis, 99), rows / count};
    }

    private JsonNode get(String query) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/trail?" + query))
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("trail query " + query + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
