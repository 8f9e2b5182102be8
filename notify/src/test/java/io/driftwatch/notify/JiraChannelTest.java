package io.driftwatch.notify;

import static io.driftwatch.notify.TestNotifications.EVIL_POD;
import static io.driftwatch.notify.TestNotifications.INCIDENT;
import static io.driftwatch.notify.TestNotifications.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.PlanDelivery;
import io.driftwatch.model.PlanNotice;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The jira channel against a local stand-in for Jira's REST API v3 (a JDK HttpServer written for this test, NOT
 * Jira): it keeps the issues it created, answers a JQL label search from them, and records every request, which the
 * test then checks field by field. An issue is created once per incident, commented on later, transitioned when the
 * incident closes, and found again after a restart (from the plan notices, or by its label) instead of created twice.
 */
class JiraChannelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String AUTH = "Basic " + Base64.getEncoder().encodeToString(
            "bot@example.com:tok-123".getBytes(StandardCharsets.UTF_8));

    record Req(String method, String path, String query, String authorization, String contentType, JsonNode body) {
    }

    /** Jira as far as this channel uses it: search, create, comment, transitions. */
    static final class JiraStandIn implements AutoCloseable {
        final HttpServer server;
        final List<Req> requests = new ArrayList<>();
        final Map<String, List<String>> labelsByKey = new LinkedHashMap<>();
        final List<String> transitioned = new ArrayList<>();
        final Map<String, String> priorityByKey = new LinkedHashMap<>();
        int next = 1;

        JiraStandIn() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", this::handle);
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        synchronized List<Req> requests() {
            return List.copyOf(requests);
        }

        private synchronized void handle(HttpExchange x) throws IOException {
            String path = x.getRequestURI().getPath();
            String query = x.getRequestURI().getRawQuery();
            byte[] raw = x.getRequestBody().readAllBytes();
            JsonNode body = raw.length == 0 ? null : JSON.readTree(raw);
            requests.add(new Req(x.getRequestMethod(), path, query, x.getRequestHeaders().getFirst("Authorization"),
                    x.getRequestHeaders().getFirst("Content-Type"), body));
            if (!AUTH.equals(x.getRequestHeaders().getFirst("Authorization"))) {
                answer(x, 401, "{\"errorMessages\":[\"You are not authenticated.\"]}");
                return;
            }
            Matcher issue = Pattern.compile("/rest/api/3/issue/([A-Z]+-\\d+)(/comment|/transitions)").matcher(path);
            Matcher edit = Pattern.compile("/rest/api/3/issue/([A-Z]+-\\d+)").matcher(path);
            if (x.getRequestMethod().equals("PUT") && edit.matches() && labelsByKey.containsKey(edit.group(1))) {
                priorityByKey.put(edit.group(1), body.path("fields").path("priority").path("name").asText());
                x.sendResponseHeaders(204, -1);
                x.close();
                return;
            }
            if (x.getRequestMethod().equals("GET") && path.equals("/rest/api/3/search/jql")) {
                String jql = URLDecoder.decode(query.replaceAll(".*jql=([^&]*).*", "$1"), StandardCharsets.UTF_8);
                Matcher label = Pattern.compile("labels = \"([^\"]+)\"").matcher(jql);
                StringBuilder found = new StringBuilder();
                if (label.find()) {
                    labelsByKey.forEach((key, labels) -> {
                        if (labels.contains(label.group(1)) && found.length() == 0) {
                            found.append("{\"id\":\"1000").append(key.substring(4)).append("\",\"key\":\"").append(key).append("\"}");
                        }
                    });
                }
                answer(x, 200, "{\"issues\":[" + found + "],\"isLast\":true}");
            } else if (x.getRequestMethod().equals("POST") && path.equals("/rest/api/3/issue")) {
                String key = "SEC-" + next++;
                List<String> labels = new ArrayList<>();
                body.path("fields").path("labels").forEach(l -> labels.add(l.asText()));
                labelsByKey.put(key, labels);
                answer(x, 201, "{\"id\":\"1000" + key.substring(4) + "\",\"key\":\"" + key + "\",\"self\":\"" + url()
                        + "/rest/api/3/issue/1000" + key.substring(4) + "\"}");
            } else if (issue.matches() && labelsByKey.containsKey(issue.group(1))) {
                if (issue.group(2).equals("/comment") && x.getRequestMethod().equals("POST")) {
                    answer(x, 201, "{\"id\":\"" + (20000 + requests.size()) + "\"}");
                } else if (x.getRequestMethod().equals("GET")) {
                    answer(x, 200, "{\"transitions\":[{\"id\":\"11\",\"name\":\"Start progress\",\"to\":{\"name\":\"In Progress\"}},"
                            + "{\"id\":\"31\",\"name\":\"Resolve\",\"to\":{\"name\":\"Done\"}}]}");
                } else {
                    transitioned.add(issue.group(1) + ":" + body.path("transition").path("id").asText());
                    x.sendResponseHeaders(204, -1);
                    x.close();
                }
            } else {
                answer(x, 404, "{\"errorMessages\":[\"Issue does not exist or you do not have permission to see it.\"]}");
            }
        }

        private static void answer(HttpExchange x, int status, String json) throws IOException {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json;charset=UTF-8");
            x.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(bytes);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private JiraStandIn jira;
    private NotifyEngine engine;

    @BeforeEach
    void start() throws IOException {
        jira = new JiraStandIn();
    }

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close(Duration.ofMillis(500));
        }
        jira.close();
    }

    private NotifyEngine engine(TestNotifications.Recorder reports) throws Exception {
        return NotifyEngine.start(TestAlerts.parse("""
                notifiers:
                  - type: jira
                    name: security-jira
                    url: %s
                    project: SEC
                    issueType: Incident
                    userEnv: JIRA_USER
                    tokenEnv: JIRA_TOKEN
                    priorities: {CRITICAL: Highest, HIGH: High}
                    labels: [security, driftwatch]
                    closeTransition: Done
                    retries: 0
                """.formatted(jira.url()), Map.of("JIRA_USER", "bot@example.com", "JIRA_TOKEN", "tok-123")), reports);
    }

    @Test
    void oneIssuePerIncidentCommentedTransitionedAndFoundAgainAfterARestart() throws Exception {
        TestNotifications.Recorder reports = new TestNotifications.Recorder();
        engine = engine(reports);
        engine.dispatch(notification("OPENED", null, List.of("security-jira")));
        PlanDelivery opened = reports.await(1, WAIT).get(0);
        assertEquals("delivered", opened.getOutcome(), opened.getDetail());
        assertEquals("SEC-1", opened.getReference());
        assertEquals("created SEC-1", opened.getDetail());

        List<Req> r = jira.requests();
        assertEquals(2, r.size(), r.toString());
        Req search = r.get(0);
        assertEquals("GET", search.method());
        assertEquals("/rest/api/3/search/jql", search.path());
        assertEquals(AUTH, search.authorization());
        String jql = URLDecoder.decode(search.query().replaceAll(".*jql=([^&]*).*", "$1"), StandardCharsets.UTF_8);
        assertEquals("project = \"SEC\" AND labels = \"driftwatch-" + INCIDENT + "\" ORDER BY created ASC", jql);
        assertTrue(search.query().contains("maxResults=1"), search.query());

        Req create = r.get(1);
        assertEquals("POST", create.method());
        assertEquals("/rest/api/3/issue", create.path());
        assertEquals(AUTH, create.authorization());
        assertEquals("application/json", create.contentType());
        JsonNode fields = create.body().path("fields");
        assertEquals(List.of("fields"), iterable(create.body().fieldNames()));
        assertEquals("SEC", fields.path("project").path("key").asText());
        assertEquals("Incident", fields.path("issuetype").path("name").asText());
        assertEquals("[HIGH] OPENED: credential-tampering in payments/" + EVIL_POD, fields.path("summary").asText());
        assertEquals("High", fields.path("priority").path("name").asText());
        assertEquals(List.of("security", "driftwatch", "driftwatch-" + INCIDENT), texts(fields.path("labels")));
        JsonNode description = fields.path("description");
        assertEquals("doc", description.path("type").asText());
        assertEquals(1, description.path("version").asInt());
        String text = adfText(description);
        assertTrue(text.contains("\nIncident: " + INCIDENT + "\n"), text);
        assertTrue(text.contains("\nClass: credential-tampering (Credentials or accounts changed in a container)\n"), text);
        assertTrue(text.contains("\nLead: secops-oncall (Alice Ng <alice@example.com>)\n"), text);
        assertTrue(text.contains("\nPod: " + EVIL_POD + "\n"), "ADF text nodes carry the value as it is: " + text);
        description.path("content").forEach(p -> p.path("content").forEach(t -> {
            assertEquals("text", t.path("type").asText());
            assertTrue(t.path("marks").isMissingNode(), "no marks: nothing is interpreted");
        }));

        // A later notification: a comment on the same issue, no search (the key is known), no second issue.
        engine.dispatch(notification("ESCALATION", 1, List.of("security-jira")));
        PlanDelivery escalated = reports.await(2, WAIT).get(1);
        assertEquals("commented on SEC-1", escalated.getDetail());
        assertEquals("SEC-1", escalated.getReference());
        r = jira.requests();
        assertEquals(3, r.size(), r.toString());
        Req comment = r.get(2);
        assertEquals("POST", comment.method());
        assertEquals("/rest/api/3/issue/SEC-1/comment", comment.path());
        assertEquals(AUTH, comment.authorization());
        assertTrue(adfText(comment.body().path("body")).startsWith("[HIGH] ESCALATION tier 1: credential-tampering"),
                comment.body().toString());
        assertTrue(adfText(comment.body().path("body")).contains("\nEscalation tier: 1\n"));

        // "Restart": a new engine knows no key; the notification's notices carry none either: found by its label.
        engine.close(Duration.ofSeconds(2));
        engine = engine(reports);
        IncidentNotification closing = notification("STATUS_CHANGED", null, List.of("security-jira"), IncidentStatus.RESOLVED, List.of());
        closing.getIncident().setSeverity(io.driftwatch.model.Severity.CRITICAL);
        engine.dispatch(closing);
        PlanDelivery resolved = reports.await(3, WAIT).get(2);
        assertEquals("delivered", resolved.getOutcome(), resolved.getDetail());
        assertEquals("commented on SEC-1, priority Highest, moved to Done", resolved.getDetail());
        assertEquals("SEC-1", resolved.getReference());
        r = jira.requests();
        assertEquals(List.of("GET /rest/api/3/search/jql", "POST /rest/api/3/issue/SEC-1/comment",
                "PUT /rest/api/3/issue/SEC-1", "GET /rest/api/3/issue/SEC-1/transitions",
                "POST /rest/api/3/issue/SEC-1/transitions"),
                r.subList(3, r.size()).stream().map(q -> q.method() + " " + q.path()).toList());
        assertEquals("{\"fields\":{\"priority\":{\"name\":\"Highest\"}}}", r.get(5).body().toString(),
                "the incident became CRITICAL: its priority follows");
        assertEquals(AUTH, r.get(5).authorization());
        assertEquals(Map.of("SEC-1", "Highest"), jira.priorityByKey);
        assertEquals("31", r.get(7).body().path("transition").path("id").asText(), "the transition to Done");
        assertEquals(List.of("SEC-1:31"), jira.transitioned);

        // Another restart, the notices carry the key the channel reported: no search, straight to the issue.
        engine.close(Duration.ofSeconds(2));
        engine = engine(reports);
        PlanNotice notice = PlanNotice.newBuilder().setNotificationId(INCIDENT + "/OPENED/0").setKind("OPENED")
                .setChannel("security-jira").setAt(1L).setOutcome("delivered").setReference("SEC-1").build();
        engine.dispatch(notification("REMINDER", null, List.of("security-jira"), IncidentStatus.RESOLVED, List.of(notice)));
        assertEquals("commented on SEC-1, priority High", reports.await(4, WAIT).get(3).getDetail());
        r = jira.requests();
        assertEquals(List.of("POST /rest/api/3/issue/SEC-1/comment", "PUT /rest/api/3/issue/SEC-1"),
                r.subList(r.size() - 2, r.size()).stream().map(q -> q.method() + " " + q.path()).toList());
        assertEquals(10, r.size(), "no search this time");
        assertEquals(1, r.stream().filter(q -> q.path().equals("/rest/api/3/issue")).count(), "one issue, ever");
    }

    @Test
    void aRefusalIsAFailedDeliveryWithJirasAnswer() throws Exception {
        TestNotifications.Recorder reports = new TestNotifications.Recorder();
        engine = NotifyEngine.start(TestAlerts.parse("""
                notifiers:
                  - {type: jira, name: j, url: "%s", project: SEC, userEnv: U, tokenEnv: T, retries: 3}
                """.formatted(jira.url()), Map.of("U", "bot@example.com", "T", "wrong")), reports);
        engine.dispatch(notification("OPENED", null, List.of("j")));
        PlanDelivery d = reports.await(1, WAIT).get(0);
        assertEquals("failed", d.getOutcome());
        assertTrue(d.getDetail().startsWith("searching for the incident's issue: HTTP 401 from 127.0.0.1"), d.getDetail());
        assertTrue(d.getDetail().contains("You are not authenticated."), d.getDetail());
        assertNull(d.getReference());
        assertEquals(1, jira.requests().size(), "a 401 is final: not retried");
    }

    @Test
    void alertsNeverReachJira() throws Exception {
        engine = engine(new TestNotifications.Recorder());
        assertEquals(0, engine.dispatch(TestAlerts.alert("a", io.driftwatch.model.Severity.CRITICAL)));
        Thread.sleep(200);
        assertEquals(0, jira.requests().size());
    }

    @Test
    void wikiMarkupIsEscapedForApiVersion2() {
        assertEquals("\\{noformat\\}\\|\\!img.png\\! \\[x\\](http://e) \\*b\\*", JiraTransport.escapeWiki("{noformat}|!img.png! [x](http://e) *b*"));
        assertEquals("driftwatch-ns-pod-1", JiraTransport.label("ns/pod 1"));
    }

    private static String adfText(JsonNode doc) {
        StringBuilder b = new StringBuilder();
        doc.path("content").forEach(p -> {
            assertEquals("paragraph", p.path("type").asText());
            p.path("content").forEach(t -> b.append(t.path("text").asText()));
            b.append('\n');
        });
        return b.toString();
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
