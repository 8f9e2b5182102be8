package io.driftwatch.app.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.app.query.CaptureLines;
import io.driftwatch.app.query.InvestigationService.AlertFilter;
import io.driftwatch.app.query.InvestigationService.IncidentFilter;
import io.driftwatch.app.query.StoreUnavailableException;
import io.driftwatch.app.query.TrailQuery;
import io.driftwatch.model.Capture;
import io.driftwatch.model.EventType;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.Severity;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API on loopback without a token (src/api.md) over {@link FixtureInvestigation}: parameters reach the
 * service as they should, answers and status codes, the state-change rules, scope routing, security headers.
 */
class ConsoleApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final FixtureInvestigation CLUSTER = new FixtureInvestigation("cluster");
    static final FixtureInvestigation LOCAL = new FixtureInvestigation("local");
    static final AtomicBoolean READY = new AtomicBoolean(false);
    static ConsoleServer server;

    @BeforeAll
    static void start() {
        server = ConsoleServer.start(ConsoleSettings.loopback(0), CLUSTER, LOCAL, READY::get);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        CLUSTER.reset();
        LOCAL.reset();
    }

    static HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + pathAndQuery)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String contentType, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void trailPassesEveryFilterToTheServiceAndAnswersEventsWithTheirAlertIds() throws Exception {
        String query = "?from=" + CLUSTER.t(-300) + "&to=" + CLUSTER.t(300) + "&containerId=" + FixtureInvestigation.CONTAINER_ID
                + "&pod=web-7d9f&namespace=shop&node=node-a&image=" + enc("registry.example/shop/web:1.4")
                + "&user=JohnDoe&session=" + FixtureInvestigation.SESSION + "&process=sh&cmdline=sh&pathPrefix=%2Ftmp%2F"
                + "&type=CREATE&type=exec,chmod&ruleId=exec-from-tmp&alertId=" + FixtureInvestigation.ALERT_EXEC_TMP
                + "&limit=5";
        HttpResponse<String> response = get("/api/v1/trail" + query);
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        TrailQuery asked = CLUSTER.trailQueries().get(0);
        assertEquals(CLUSTER.t(-300), asked.from());
        assertEquals(CLUSTER.t(300), asked.to());
        assertEquals(FixtureInvestigation.CONTAINER_ID, asked.containerId());
        assertEquals("web-7d9f", asked.pod());
        assertEquals("shop", asked.namespace());
        assertEquals("node-a", asked.node());
        assertEquals("registry.example/shop/web:1.4", asked.image());
        assertEquals("JohnDoe", asked.user());
        assertEquals(FixtureInvestigation.SESSION, asked.session());
        assertEquals("sh", asked.process());
        assertEquals("sh", asked.cmdline());
        assertEquals("/tmp/", asked.pathPrefix());
        assertEquals(Set.of(EventType.CREATE, EventType.EXEC, EventType.CHMOD), asked.types());
        assertEquals("exec-from-tmp", asked.ruleId());
        assertEquals(FixtureInvestigation.ALERT_EXEC_TMP, asked.alertId());
        assertEquals(5, asked.limit());

        JsonNode events = json(response).get("events");
        assertEquals(1, events.size(), response.body());
        JsonNode only = events.get(0);
        assertEquals("ev-05", only.at("/event/eventId").asText());
        assertEquals(FixtureInvestigation.HOSTILE_PATH, only.at("/event/path").asText());
        assertEquals("shop", only.at("/container/namespace").asText());
        assertEquals("JohnDoe", only.at("/users/0").asText());
        assertEquals("COMPLETE", only.get("enrichment").asText());
        assertEquals(FixtureInvestigation.ALERT_EXEC_TMP, only.at("/alertIds/0").asText());
        assertTrue(json(response).get("next").isNull());
    }

    @Test
    void trailPagesFollowTheCursorTheApiReturned() throws Exception {
        String range = "from=" + CLUSTER.t(-300) + "&to=" + CLUSTER.t(300);
        JsonNode first = json(get("/api/v1/trail?" + range + "&containerId=" + FixtureInvestigation.CONTAINER_ID + "&limit=4"));
        assertEquals(4, first.get("events").size());
        String next = first.get("next").asText();
        assertFalse(next.isEmpty());
        JsonNode second = json(get("/api/v1/trail?" + range + "&containerId=" + FixtureInvestigation.CONTAINER_ID
                + "&limit=4&cursor=" + enc(next)));
        assertEquals(3, second.get("events").size());
        assertEquals("ev-05", second.at("/events/0/event/eventId").asText());
        assertTrue(second.get("next").isNull());
    }

    @Test
    void badTrailParametersAre400WithTheParsersMessage() throws Exception {
        HttpResponse<String> limit = get("/api/v1/trail?limit=lots");
        assertEquals(400, limit.statusCode());
        assertEquals("'limit' must be a number", json(limit).get("error").asText());
        HttpResponse<String> unknown = get("/api/v1/trail?usr=JohnDoe");
        assertEquals(400, unknown.statusCode());
        assertTrue(json(unknown).get("error").asText().startsWith("unknown parameter 'usr'"), unknown.body());
        assertEquals(400, get("/api/v1/trail?type=EXECUTE").statusCode());
        assertEquals(400, get("/api/v1/trail?from=yesterday").statusCode());
        assertEquals(List.of(), CLUSTER.trailQueries());
    }

    @Test
    void incidentsAreFilteredByTheServiceAndCountedBySeverity() throws Exception {
        HttpResponse<String> all = get("/api/v1/incidents");
        assertEquals(200, all.statusCode(), all.body());
        JsonNode answer = json(all);
        assertEquals(2, answer.get("incidents").size());
        assertEquals(FixtureInvestigation.INCIDENT_ID, answer.at("/incidents/0/incidentId").asText());
        assertEquals(1, answer.at("/counts/CRITICAL").asLong());
        assertEquals(1, answer.at("/counts/HIGH").asLong());
        assertEquals(0, answer.at("/counts/INFO").asLong());
        assertEquals(List.of("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"), iterable(answer.get("counts").fieldNames()));

        HttpResponse<String> filtered = get("/api/v1/incidents?status=open,acknowledged&status=CONTAINED"
                + "&severity=CRITICAL&namespace=shop&limit=10");
        assertEquals(200, filtered.statusCode(), filtered.body());
        IncidentFilter asked = CLUSTER.incidentFilters().get(1);
        assertEquals(List.of(IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED, IncidentStatus.CONTAINED), asked.statuses());
        assertEquals(List.of(Severity.CRITICAL), asked.severities());
        assertEquals("shop", asked.namespace());
        assertEquals(1, json(filtered).get("incidents").size());

        JsonNode one = json(get("/api/v1/incidents?limit=1"));
        assertEquals(1, one.get("incidents").size());
        assertEquals(2, one.at("/counts/CRITICAL").asLong() + one.at("/counts/HIGH").asLong(), "counts cover every match");
        HttpResponse<String> bad = get("/api/v1/incidents?status=SOLVED");
        assertEquals(400, bad.statusCode());
        assertTrue(json(bad).get("error").asText().contains("SOLVED"), bad.body());
        assertEquals(400, get("/api/v1/incidents?limit=0").statusCode());
        assertEquals(400, get("/api/v1/incidents?owner=me").statusCode());
    }

    @Test
    void oneIncidentByIdAndAnUnknownOneIs404() throws Exception {
        HttpResponse<String> found = get("/api/v1/incidents/" + FixtureInvestigation.INCIDENT_ID);
        assertEquals(200, found.statusCode());
        JsonNode incident = json(found);
        assertEquals("CRITICAL", incident.get("severity").asText());
        assertEquals("PAUSE_CONTAINER", incident.at("/responses/0/action").asText());
        assertEquals("DONE", incident.at("/responses/0/status").asText());
        assertTrue(incident.at("/responses/2/status").isNull());
        HttpResponse<String> missing = get("/api/v1/incidents/no-such-incident");
        assertEquals(404, missing.statusCode());
        assertEquals("no incident 'no-such-incident'", json(missing).get("error").asText());
    }

    @Test
    void aStatusChangeOnLoopbackIsMadeByTheNamedLocalUser() throws Exception {
        HttpResponse<String> response = post("/api/v1/incidents/" + FixtureInvestigation.INCIDENT_ID + "/status",
                "application/json", "{\"status\": \"ACKNOWLEDGED\", \"note\": \"looking into it\"}",
                "X-Driftwatch-User", "alice");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("ACKNOWLEDGED", json(response).get("status").asText());
        assertEquals("local:alice", json(response).at("/history/0/user").asText());
        assertEquals(List.of(new FixtureInvestigation.StatusChange(FixtureInvestigation.INCIDENT_ID,
                IncidentStatus.ACKNOWLEDGED, "local:alice", "looking into it")), CLUSTER.statusChanges());
    }

    @Test
    void aStatusChangeNeedsAUserJsonAndANote() throws Exception {
        String path = "/api/v1/incidents/" + FixtureInvestigation.INCIDENT_ID + "/status";
        String body = "{\"status\": \"RESOLVED\", \"note\": \"done\"}";
        HttpResponse<String> anonymous = post(path, "application/json", body);
        assertEquals(401, anonymous.statusCode());
        assertTrue(json(anonymous).get("error").asText().contains("X-Driftwatch-User"), anonymous.body());
        // A cross-site HTML form can only send form or text content types.
        HttpResponse<String> form = post(path, "application/x-www-form-urlencoded", "status=RESOLVED&note=x",
                "X-Driftwatch-User", "alice");
        assertEquals(415, form.statusCode());
        assertEquals(415, post(path, "text/plain", body, "X-Driftwatch-User", "alice").statusCode());
        assertEquals(415, post(path, null, body, "X-Driftwatch-User", "alice").statusCode());
        assertEquals(400, post(path, "application/json", "{\"status\": \"RESOLVED\"}", "X-Driftwatch-User", "alice")
                .statusCode());
        assertEquals(400, post(path, "application/json", "{\"status\": \"DONE\", \"note\": \"x\"}",
                "X-Driftwatch-User", "alice").statusCode());
        assertEquals(400, post(path, "application/json", "{\"status\": \"RESOLVED\", \"note\": \"x\", \"by\": \"root\"}",
                "X-Driftwatch-User", "alice").statusCode());
        assertEquals(400, post(path, "application/json", "not json", "X-Driftwatch-User", "alice").statusCode());
        assertEquals(400, post(path, "application/json", body, "X-Driftwatch-User", "alice smith").statusCode());
        assertEquals(200, get("/api/v1/incidents", "X-Driftwatch-User", "alice smith").statusCode(),
                "a read does not care about the name");
        assertEquals(List.of(), CLUSTER.statusChanges(), "nothing reached the service");
    }

    @Test
    void planStepsAndObligationsAreUpdatedByTheNamedUserAndBadUpdatesRefused() throws Exception {
        String steps = "/api/v1/incidents/" + FixtureInvestigation.INCIDENT_ID + "/plan/steps/";
        HttpResponse<String> done = post(steps + "rotate", "application/json",
                "{\"status\": \"Done\", \"note\": \"keys rotated\"}", "X-Driftwatch-User", "alice");
        assertEquals(200, done.statusCode(), done.body());
        assertEquals("done", json(done).at("/plan/steps/1/status").asText());
        assertEquals("local:alice", json(done).at("/plan/steps/1/by").asText());
        HttpResponse<String> met = post("/api/v1/incidents/" + FixtureInvestigation.INCIDENT_ID
                + "/plan/obligations/breach-72h", "application/json", "{\"status\": \"met\"}", "X-Driftwatch-User", "bob");
        assertEquals(200, met.statusCode(), met.body());
        assertEquals(List.of(
                new FixtureInvestigation.PlanChange(FixtureInvestigation.INCIDENT_ID, "step", "rotate", "done",
                        "local:alice", "keys rotated"),
                new FixtureInvestigation.PlanChange(FixtureInvestigation.INCIDENT_ID, "obligation", "breach-72h", "met",
                        "local:bob", null)), CLUSTER.planChanges());

        assertEquals(401, post(steps + "rotate", "application/json", "{\"status\": \"done\"}").statusCode());
        assertEquals(415, post(steps + "rotate", "text/plain", "{\"status\": \"done\"}", "X-Driftwatch-User", "alice")
                .statusCode());
        assertEquals(400, post(steps + "rotate", "application/json", "{\"note\": \"x\"}", "X-Driftwatch-User", "alice")
                .statusCode());
        assertEquals(400, post(steps + "rotate", "application/json", "{\"status\": \"done\", \"by\": \"root\"}",
                "X-Driftwatch-User", "alice").statusCode());
        assertEquals(2, CLUSTER.planChanges().size(), "nothing more reached the service");
        HttpResponse<String> unknown = post(steps + "nope", "application/json", "{\"status\": \"done\"}",
                "X-Driftwatch-User", "alice");
        assertEquals(404, unknown.statusCode());
        assertEquals("no step 'nope'", json(unknown).get("error").asText());
    }

    @Test
    void aRefusedTransitionIs400WithTheServicesMessageAndAnUnknownIncident404() throws Exception {
        String path = "/api/v1/incidents/" + FixtureInvestigation.INCIDENT_ID + "/status";
        assertEquals(200, post(path, "application/json", "{\"status\": \"RESOLVED\", \"note\": \"fixed\"}",
                "X-Driftwatch-User", "alice").statusCode());
        HttpResponse<String> again = post(path, "application/json; charset=utf-8",
                "{\"status\": \"CONTAINED\", \"note\": \"late\"}", "X-Driftwatch-User", "alice");
        assertEquals(400, again.statusCode());
        assertEquals("incident " + FixtureInvestigation.INCIDENT_ID + " is closed (RESOLVED)", json(again).get("error").asText());
        assertEquals(404, post("/api/v1/incidents/nope/status", "application/json",
                "{\"status\": \"CONTAINED\", \"note\": \"x\"}", "X-Driftwatch-User", "alice").statusCode());
    }

    @Test
    void aCaptureDownloadsAsJsonLinesThatReadBack() throws Exception {
        HttpResponse<String> response = get("/api/v1/captures/" + FixtureInvestigation.CAPTURE_ID);
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
        assertEquals("attachment; filename=\"" + FixtureInvestigation.CAPTURE_ID + ".jsonl\"",
                response.headers().firstValue("Content-Disposition").orElse(""));
        Capture capture = CaptureLines.read(new BufferedReader(new StringReader(response.body())), "download");
        assertEquals(FixtureInvestigation.ALERT_PASSWD, capture.getAlertId());
        assertEquals(7, capture.getEvents().size());
        assertEquals(404, get("/api/v1/captures/unknown").statusCode());
        assertEquals("a_b_.._c", InvestigationApi.fileName("a\"b/../c"));
    }

    @Test
    void alertsByIdOrByContainerAndTime() throws Exception {
        HttpResponse<String> byId = get("/api/v1/alerts?alertId=" + FixtureInvestigation.ALERT_PASSWD + "&alertId="
                + FixtureInvestigation.ALERT_EXEC_TMP);
        assertEquals(200, byId.statusCode(), byId.body());
        assertEquals(2, json(byId).get("alerts").size());
        AlertFilter ids = CLUSTER.alertFilters().get(0);
        assertEquals(List.of(FixtureInvestigation.ALERT_PASSWD, FixtureInvestigation.ALERT_EXEC_TMP), ids.alertIds());
        assertEquals(0, ids.from());
        assertEquals(Long.MAX_VALUE, ids.to());

        HttpResponse<String> byContainer = get("/api/v1/alerts?containerId=" + FixtureInvestigation.OTHER_CONTAINER_ID
                + "&from=" + CLUSTER.t(-600) + "&to=" + CLUSTER.t(600) + "&limit=5");
        assertEquals(1, json(byContainer).get("alerts").size());
        assertEquals("config-edited-in-exec", json(byContainer).at("/alerts/0/ruleId").asText());
        AlertFilter container = CLUSTER.alertFilters().get(1);
        assertEquals(List.of(FixtureInvestigation.OTHER_CONTAINER_ID), container.containerIds());
        assertEquals(CLUSTER.t(-600), container.from());
        assertEquals(5, container.limit());

        assertEquals(400, get("/api/v1/alerts").statusCode());
        assertEquals(400, get("/api/v1/alerts?alertId=a&from=10&to=5").statusCode());
    }

    @Test
    void theHistogramCountsAlertsPerBucketAndSeverity() throws Exception {
        long from = CLUSTER.t(-600);
        HttpResponse<String> response = get("/api/v1/alerts/histogram?from=" + from + "&to=" + CLUSTER.t(600)
                + "&bucket=60000");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(60000, CLUSTER.histogramCalls().get(0)[2]);
        JsonNode buckets = json(response).get("buckets");
        long alerts = 0;
        for (JsonNode bucket : buckets) {
            assertEquals(0, (bucket.get("start").asLong() - from) % 60000);
            alerts += bucket.get("counts").path("HIGH").asLong() + bucket.get("counts").path("CRITICAL").asLong();
        }
        assertEquals(3, alerts);
        JsonNode defaults = json(get("/api/v1/alerts/histogram"));
        assertEquals(30 * 60_000, defaults.get("bucket").asLong(), "24 hours in about 48 whole-minute buckets");
        assertEquals(24 * 3_600_000L, defaults.get("to").asLong() - defaults.get("from").asLong());
        assertEquals(400, get("/api/v1/alerts/histogram?bucket=10").statusCode());
        assertEquals(400, get("/api/v1/alerts/histogram?from=0&to=86400000000&bucket=1000").statusCode());
    }

    @Test
    void serviceFailuresBecomeStatuses() throws Exception {
        CLUSTER.failNextWith(new StoreUnavailableException("incidents store is rebalancing"));
        HttpResponse<String> unavailable = get("/api/v1/incidents");
        assertEquals(503, unavailable.statusCode());
        assertEquals("1", unavailable.headers().firstValue("Retry-After").orElse(""));
        assertEquals("incidents store is rebalancing", json(unavailable).get("error").asText());

        CLUSTER.failNextWith(new NoSuchElementException("gone"));
        assertEquals(404, get("/api/v1/incidents").statusCode());
        CLUSTER.failNextWith(new IllegalArgumentException("not like that"));
        HttpResponse<String> bad = get("/api/v1/incidents");
        assertEquals(400, bad.statusCode());
        assertEquals("not like that", json(bad).get("error").asText());

        CLUSTER.failNextWith(new IllegalStateException("secret internals /var/lib/x"));
        HttpResponse<String> broken = get("/api/v1/trail");
        assertEquals(500, broken.statusCode());
        assertEquals("internal error (IllegalStateException); the server logged it", json(broken).get("error").asText());
        assertEquals(200, get("/api/v1/incidents").statusCode(), "one failure does not stop the server");
    }

    @Test
    void aPeerAskingForTheLocalScopeIsAnsweredByTheLocalService() throws Exception {
        assertEquals(200, get("/api/v1/incidents", "X-Driftwatch-Scope", "local").statusCode());
        assertEquals(200, get("/api/v1/trail?limit=3", "X-Driftwatch-Scope", "local").statusCode());
        assertEquals(2, LOCAL.calls());
        assertEquals(0, CLUSTER.calls());
        assertEquals(200, get("/api/v1/incidents").statusCode());
        assertEquals(200, get("/api/v1/incidents", "X-Driftwatch-Scope", "cluster").statusCode());
        assertEquals(2, CLUSTER.calls());
        assertEquals(2, LOCAL.calls());
    }

    @Test
    void pagesCarryTheSecurityHeadersAndLoadTheirScriptsFromHere() throws Exception {
        for (String page : List.of("/", "/incident.html", "/trail.html")) {
            HttpResponse<String> response = get(page);
            assertEquals(200, response.statusCode(), page);
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page);
            String csp = response.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
                    csp);
            assertTrue(csp.contains("frame-ancestors 'none'"), csp);
            assertEquals("nosniff", response.headers().firstValue("X-Content-Type-Options").orElse(""), page);
            assertFalse(response.body().contains("<script>") || response.body().matches("(?s).*\\son[a-z]+=.*"),
                    page + " has inline script");
        }
        assertTrue(get("/api/v1/incidents").headers().firstValue("Content-Security-Policy").isPresent());
        HttpResponse<String> echarts = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build()
                .send(HttpRequest.newBuilder(URI.create(server.url() + ConsoleServer.ECHARTS_PATH)).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, echarts.statusCode());
        assertTrue(echarts.headers().firstValue("Content-Type").orElse("").contains("javascript"));
        assertTrue(echarts.body().length() > 500_000, "the ECharts WebJar's minified build");
        assertEquals(200, get("/console.js").statusCode());
    }

    @Test
    void healthLiveAndReady() throws Exception {
        assertEquals(200, get("/health/live").statusCode());
        READY.set(false);
        assertEquals(503, get("/health/ready").statusCode());
        READY.set(true);
        assertEquals(200, get("/health/ready").statusCode());
        assertEquals("UP", json(get("/health/ready")).get("status").asText());
    }

    @Test
    void openLoopbackReadsAnswerLoopbackHostNamesOnly() throws Exception {
        // A page on another site that rebinds its name to 127.0.0.1 sends its own name as Host.
        assertEquals(403, rawStatus("GET /api/v1/incidents HTTP/1.1\r\nHost: evil.example:" + server.port()
                + "\r\nConnection: close\r\n\r\n"));
        assertEquals(200, rawStatus("GET /api/v1/incidents HTTP/1.1\r\nHost: localhost:" + server.port()
                + "\r\nConnection: close\r\n\r\n"));
        assertEquals(1, CLUSTER.incidentFilters().size(), "only the loopback request reached the service");
    }

    @Test
    void settingsFromConfigurationNameTheirKeys() {
        ConsoleSettings defaults = ConsoleSettings.from(io.driftwatch.app.config.DriftwatchConfig.of(java.util.Map.of()));
        assertEquals(8470, defaults.port());
        assertEquals("127.0.0.1", defaults.host());
        assertNull(defaults.tokenFile());
        assertNull(defaults.proxyHeader());
        assertTrue(defaults.enabled());
        assertFalse(ConsoleSettings.from(io.driftwatch.app.config.DriftwatchConfig.of(java.util.Map.of(
                ConsoleSettings.PORT, "0"))).enabled());
        IllegalArgumentException port = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ConsoleSettings.from(io.driftwatch.app.config.DriftwatchConfig.of(java.util.Map.of(
                        ConsoleSettings.PORT, "http"))));
        assertTrue(port.getMessage().contains("driftwatch.http.port"), port.getMessage());
        IllegalArgumentException header = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ConsoleSettings.from(io.driftwatch.app.config.DriftwatchConfig.of(java.util.Map.of(
                        ConsoleSettings.PROXY_HEADER, "X Forwarded: User"))));
        assertTrue(header.getMessage().contains("driftwatch.http.auth.proxy.header"), header.getMessage());
    }

    private static int rawStatus(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String statusLine = new BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.US_ASCII)).readLine();
            assertNotNull(statusLine);
            return Integer.parseInt(statusLine.split(" ")[1]);
        }
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> out = new ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }
}
