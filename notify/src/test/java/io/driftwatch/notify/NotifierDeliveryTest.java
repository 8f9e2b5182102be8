package io.driftwatch.notify;

import static io.driftwatch.notify.TestAlerts.alert;
import static io.driftwatch.notify.TestAlerts.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.driftwatch.model.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each notifier against a local HTTP server that records the requests and checks what was sent. */
class NotifierDeliveryTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private RecordingServer server;
    private NotifyEngine engine;

    @BeforeEach
    void startServer() throws Exception {
        server = RecordingServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close(Duration.ofMillis(200));
        }
        server.close();
    }

    private NotifyEngine engine(String yaml, Map<String, String> env) throws Exception {
        engine = NotifyEngine.start(parse(yaml, env));
        return engine;
    }

    private Notifier.Stats stats(String name) {
        return engine.stats().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    /** Waits until a notifier has settled this many alerts (sent or failed). */
    private void awaitSettled(String name, long count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (stats(name).sent() + stats(name).failed() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not settled: " + stats(name));
            }
            Thread.sleep(10);
        }
    }

    @Test
    void pagerDutyEventHasRoutingKeyDedupKeyMappedSeverityAndABoundedSummary() throws Exception {
        engine("""
                notifiers:
                  - type: pagerduty
                    name: on-call
                    url: %s
                    routingKeyEnv: PD_ROUTING_KEY
                    minSeverity: INFO
                """.formatted(server.url("/v2/enqueue")), Map.of("PD_ROUTING_KEY", "R0UT1NGKEY0123456789012345678901"));
        Severity[] severities = Severity.values();
        for (Severity severity : severities) {
            engine.dispatch(alert("id-" + severity, severity));
        }
        engine.dispatch(alert("id-long", Severity.HIGH, "x".repeat(5000)));
        List<RecordingServer.Request> requests = server.await("/v2/enqueue", severities.length + 1, WAIT);

        Map<String, String> expected = Map.of("CRITICAL", "critical", "HIGH", "error", "MEDIUM", "warning",
                "LOW", "info", "INFO", "info");
        Set<String> seen = new HashSet<>();
        for (RecordingServer.Request request : requests) {
            assertEquals("POST", request.method());
            assertTrue(request.header("Content-Type").startsWith("application/json"));
            JsonNode event = request.json();
            assertEquals("R0UT1NGKEY0123456789012345678901", event.path("routing_key").asText());
            assertEquals("trigger", event.path("event_action").asText());
            String id = event.path("dedup_key").asText();
            seen.add(id);
            JsonNode payload = event.path("payload");
            assertTrue(payload.path("summary").asText().length() <= PagerDutyFormat.SUMMARY_MAX, "summary bound");
            assertEquals("node-a", payload.path("source").asText());
            assertEquals(Instant.ofEpochMilli(TestAlerts.TIME).toString(), payload.path("timestamp").asText());
            assertEquals("2023-11-14T22:13:20.123Z", payload.path("timestamp").asText());
            assertEquals("ledger", payload.path("component").asText());
            assertEquals("payments", payload.path("group").asText());
            assertEquals("DW-FIM-001", payload.path("class").asText());
            assertEquals("/usr/bin/dpkg", payload.path("custom_details").path("path").asText());
            assertEquals("alice@example.com", payload.path("custom_details").path("users").get(0).asText());
            if (id.equals("id-long")) {
                assertEquals(PagerDutyFormat.SUMMARY_MAX, payload.path("summary").asText().length());
                assertTrue(payload.path("summary").asText().endsWith("\u2026"));
            } else {
                String severity = id.substring(3);
                assertEquals(expected.get(severity), payload.path("severity").asText(), id);
                assertEquals("DW-FIM-001 System binary /usr/bin/dpkg written by cp, payments/ledger-7d9f8-abcde on node-a",
                        payload.path("summary").asText());
            }
        }
        assertEquals(severities.length + 1, seen.size(), "dedup_key is the alert id: " + seen);
        awaitSettled("on-call", severities.length + 1);
        assertEquals(severities.length + 1, stats("on-call").sent());
    }

    @Test
    void slackMessageHasTextAndBlocks() throws Exception {
        engine("""
                notifiers:
                  - type: slack
                    name: chat
                    urlEnv: SLACK_URL
                    channel: "#security"
                """, Map.of("SLACK_URL", server.url("/services/T000/B000/XXXX")));
        engine.dispatch(alert("a1", Severity.HIGH, "System binary /usr/bin/<dpkg> & co written by cp"));
        JsonNode message = server.await("/services/T000/B000/XXXX", 1, WAIT).get(0).json();

        assertEquals("[HIGH] DW-FIM-001 System binary /usr/bin/<dpkg> & co written by cp, payments/ledger-7d9f8-abcde on node-a",
                message.path("text").asText());
        assertEquals("#security", message.path("channel").asText());
        JsonNode blocks = message.path("blocks");
        assertEquals("header", blocks.get(0).path("type").asText());
        assertEquals("plain_text", blocks.get(0).path("text").path("type").asText());
        assertEquals("HIGH \u00b7 DW-FIM-001 \u00b7 System binary written", blocks.get(0).path("text").path("text").asText());
        assertEquals("section", blocks.get(1).path("type").asText());
        assertEquals("System binary /usr/bin/&lt;dpkg&gt; &amp; co written by cp",
                blocks.get(1).path("text").path("text").asText(), "mrkdwn escaped");
        List<String> fields = new ArrayList<>();
        blocks.get(2).path("fields").forEach(f -> fields.add(f.path("text").asText()));
        assertEquals(List.of("*Container*\nledger (c0ffee01dead)", "*Pod*\nledger-7d9f8-abcde", "*Namespace*\npayments",
                "*Image*\nregistry.example/ledger:1.4.2", "*Node*\nnode-a", "*Users*\nalice@example.com, bob",
                "*Path*\n/usr/bin/dpkg", "*Process*\ncp"), fields);
        String context = blocks.get(3).path("elements").get(0).path("text").asText();
        assertTrue(context.contains("T1554, T1036.005") && context.contains("alert a1"), context);
    }

    @Test
    void webhookTemplateSubstitutesEscapedValuesAndKeepsTypesOfWholeValuePlaceholders() throws Exception {
        engine("""
                notifiers:
                  - type: webhook
                    name: siem
                    url: %s
                    method: PUT
                    minSeverity: info
                    headers:
                      Authorization: "Bearer ${env:SIEM_TOKEN}"
                      X-Driftwatch-Rule: "${alert.ruleId}"
                    body:
                      source: driftwatch
                      text: "[${alert.severity}] ${alert.message} by ${alert.users}"
                      users: "${alert.users}"
                      count: "${alert.count}"
                      time: "${alert.time}"
                      sha256: "${alert.evidence.sha256}"
                      absent: "${alert.evidence.nope}"
                      nested: {mitre: ["${alert.mitre}", "fixed"], ns: "ns=${alert.namespace}"}
                      literal: "$${alert.ruleId}"
                      number: 7
                """.formatted(server.url("/hook")), Map.of("SIEM_TOKEN", "s3cr3t"));
        String tricky = "quote \" backslash \\ newline\nand tab\t and unicode \u00e9\u2603 and ${alert.ruleId}";
        engine.dispatch(alert("w1", Severity.MEDIUM, tricky));
        RecordingServer.Request request = server.await("/hook", 1, WAIT).get(0);

        assertEquals("PUT", request.method());
        assertEquals("Bearer s3cr3t", request.header("Authorization"));
        assertEquals("DW-FIM-001", request.header("X-Driftwatch-Rule"));
        assertFalse(request.body().contains("\n"), "newlines escaped: " + request.body());
        JsonNode body = request.json();
        assertEquals("driftwatch", body.path("source").asText());
        assertEquals("[MEDIUM] " + tricky + " by alice@example.com, bob", body.path("text").asText(),
                "substituted, escaped, and an alert's own ${...} is not expanded");
        assertTrue(body.path("users").isArray());
        assertEquals(List.of("alice@example.com", "bob"), List.of(body.path("users").get(0).asText(), body.path("users").get(1).asText()));
        assertTrue(body.path("count").isInt());
        assertEquals(1, body.path("count").asInt());
        assertEquals("2023-11-14T22:13:20.123Z", body.path("time").asText());
        assertEquals("9f86d081884c7d65", body.path("sha256").asText());
        assertTrue(body.path("absent").isNull());
        assertEquals("[[\"T1554\",\"T1036.005\"],\"fixed\"]", body.path("nested").path("mitre").toString());
        assertEquals("ns=payments", body.path("nested").path("ns").asText());
        assertEquals("${alert.ruleId}", body.path("literal").asText());
        assertEquals(7, body.path("number").asInt());
    }

    @Test
    void webhookWithoutBodySendsTheWholeAlertAndAJsonStringBodyWorksToo() throws Exception {
        engine("""
                notifiers:
                  - type: webhook
                    name: raw
                    url: %s
                  - type: webhook
                    name: text-body
                    url: %s
                    body: '{"id": "${alert.alertId}", "tags": "${alert.tags}"}'
                """.formatted(server.url("/raw"), server.url("/text")), Map.of());
        engine.dispatch(alert("r1", Severity.LOW));
        JsonNode raw = server.await("/raw", 1, WAIT).get(0).json();
        assertEquals("r1", raw.path("alertId").asText());
        assertEquals("payments", raw.path("namespace").asText());
        assertEquals("0755", raw.path("evidence").path("previousMode").asText());
        JsonNode text = server.await("/text", 1, WAIT).get(0).json();
        assertEquals("{\"id\":\"r1\",\"tags\":[\"maturity:stable\"]}", text.toString());
    }

    @Test
    void severityNamespaceAndRuleFiltersChooseWhatIsSent() throws Exception {
        engine("""
                notifiers:
                  - {type: webhook, name: high, url: "%s", minSeverity: HIGH}
                  - {type: webhook, name: default, url: "%s"}
                  - {type: webhook, name: scoped, url: "%s", minSeverity: INFO, namespaces: ["pay*"], rules: [DW-FIM-001]}
                """.formatted(server.url("/high"), server.url("/default"), server.url("/scoped")), Map.of());
        for (Severity severity : Severity.values()) {
            engine.dispatch(alert("s-" + severity, severity));
        }
        var other = alert("other-ns", Severity.CRITICAL);
        other.setNamespace("ci");
        engine.dispatch(other);
        var otherRule = alert("other-rule", Severity.CRITICAL);
        otherRule.setRuleId("DW-FIM-010");
        engine.dispatch(otherRule);
        var noNamespace = alert("no-ns", Severity.CRITICAL);
        noNamespace.setNamespace(null);
        engine.dispatch(noNamespace);

        awaitSettled("high", 5);
        awaitSettled("default", 7);
        awaitSettled("scoped", 5);
        assertEquals(Set.of("s-HIGH", "s-CRITICAL", "other-ns", "other-rule", "no-ns"), ids("/high"));
        assertEquals(Set.of("s-LOW", "s-MEDIUM", "s-HIGH", "s-CRITICAL", "other-ns", "other-rule", "no-ns"), ids("/default"),
                "the default minimum is LOW");
        assertEquals(Set.of("s-INFO", "s-LOW", "s-MEDIUM", "s-HIGH", "s-CRITICAL"), ids("/scoped"));
    }

    private Set<String> ids(String path) {
        Set<String> ids = new HashSet<>();
        server.requests(path).forEach(r -> ids.add(r.json().path("alertId").asText()));
        return ids;
    }

    @Test
    void retriesOn500And429And503ThenSucceeds() throws Exception {
        server.answer("/flaky", 500, 429, 503);
        engine("""
                notifiers:
                  - {type: pagerduty, name: pd, url: "%s", routingKeyEnv: K, backoffMs: 20, maxBackoffMs: 80}
                """.formatted(server.url("/flaky")), Map.of("K", "key"));
        engine.dispatch(alert("f1", Severity.HIGH));
        List<RecordingServer.Request> requests = server.await("/flaky", 4, WAIT);
        awaitSettled("pd", 1);
        assertEquals(4, requests.size());
        assertTrue(requests.stream().allMatch(r -> r.json().path("dedup_key").asText().equals("f1")));
        Notifier.Stats stats = stats("pd");
        assertEquals(1, stats.sent());
        assertEquals(3, stats.retried());
        assertEquals(0, stats.failed());
    }

    @Test
    void a400IsNotRetriedAndCountsAsFailed() throws Exception {
        server.otherwise("/bad", 400);
        engine("""
                notifiers:
                  - {type: pagerduty, name: pd, url: "%s", routingKeyEnv: K, backoffMs: 10}
                """.formatted(server.url("/bad")), Map.of("K", "wrong-key"));
        engine.dispatch(alert("b1", Severity.CRITICAL));
        server.await("/bad", 1, WAIT);
        awaitSettled("pd", 1);
        Thread.sleep(300);
        assertEquals(1, server.requests("/bad").size(), "no retry");
        assertEquals(new Notifier.Stats("pd", 0, 0, 1, 0, 0, 0), stats("pd"));
    }

    @Test
    void givesUpAfterTheLastRetry() throws Exception {
        server.otherwise("/down", 502);
        engine("""
                notifiers:
                  - {type: slack, name: chat, url: "%s", retries: 2, backoffMs: 10, maxBackoffMs: 20}
                """.formatted(server.url("/down")), Map.of());
        engine.dispatch(alert("d1", Severity.CRITICAL));
        awaitSettled("chat", 1);
        assertEquals(3, server.requests("/down").size(), "the first attempt and two retries");
        assertEquals(new Notifier.Stats("chat", 0, 2, 1, 0, 0, 0), stats("chat"));
        // Not delivered, so not remembered: the same alert redelivered is tried again.
        server.otherwise("/down", 200);
        engine.dispatch(alert("d1", Severity.CRITICAL));
        awaitSettled("chat", 2);
        assertEquals(1, stats("chat").sent());
    }

    @Test
    void aHangingEndpointDoesNotDelayAnotherNotifier() throws Exception {
        server.hang("/hangs");
        engine("""
                notifiers:
                  - {type: webhook, name: stuck, url: "%s", timeoutMs: 20000, retries: 0}
                  - {type: webhook, name: healthy, url: "%s"}
                """.formatted(server.url("/hangs"), server.url("/ok")), Map.of());
        engine.dispatch(alert("h1", Severity.HIGH));
        server.await("/hangs", 1, WAIT); // the stuck notifier's request is now in flight, unanswered
        long start = System.nanoTime();
        engine.dispatch(alert("h2", Severity.HIGH));
        engine.dispatch(alert("h3", Severity.HIGH));
        List<RecordingServer.Request> healthy = server.await("/ok", 3, Duration.ofSeconds(1));
        long last = healthy.stream().mapToLong(RecordingServer.Request::atNanos).max().orElseThrow();
        assertTrue(last - start < Duration.ofSeconds(1).toNanos(), "healthy notifier delivered within 1 s");
        assertEquals(1, server.requests("/hangs").size(), "still stuck on the first");
        assertEquals(2, stats("stuck").queued());
        // Stopping gives up on the hung send after the drain time and counts what it held as not delivered.
        long stopStart = System.nanoTime();
        assertFalse(engine.close(Duration.ofMillis(300)));
        assertTrue(System.nanoTime() - stopStart < Duration.ofSeconds(5).toNanos(), "bounded drain");
        assertEquals(3, stats("stuck").failed());
        assertEquals(3, stats("healthy").sent());
    }

    @Test
    void aFullQueueDropsTheAlertForThatNotifierOnlyAndCountsIt() throws Exception {
        server.hang("/slow");
        engine("""
                notifiers:
                  - {type: webhook, name: slow, url: "%s", queueSize: 2, retries: 0}
                  - {type: webhook, name: fast, url: "%s"}
                """.formatted(server.url("/slow"), server.url("/fast")), Map.of());
        engine.dispatch(alert("q0", Severity.HIGH));
        server.await("/slow", 1, WAIT); // q0 in flight; the queue is empty again
        for (int i = 1; i <= 5; i++) {
            engine.dispatch(alert("q" + i, Severity.HIGH));
        }
        Notifier.Stats slow = stats("slow");
        assertEquals(2, slow.queued());
        assertEquals(3, slow.dropped());
        server.await("/fast", 6, WAIT);
        awaitSettled("fast", 6);
        assertEquals(0, stats("fast").dropped());
    }

    @Test
    void theSameAlertIdIsSentOnce() throws Exception {
        engine("""
                notifiers:
                  - {type: webhook, name: hook, url: "%s"}
                """.formatted(server.url("/once")), Map.of());
        engine.dispatch(alert("same", Severity.HIGH));
        engine.dispatch(alert("same", Severity.HIGH));
        engine.dispatch(alert("other", Severity.HIGH));
        awaitSettled("hook", 2);
        Thread.sleep(200);
        assertEquals(2, server.requests("/once").size());
        assertEquals(1, stats("hook").duplicates());
    }

    @Test
    void backoffDoublesWithJitterUpToTheCapAndHonoursRetryAfter() throws Exception {
        NotifierSpec spec = parse("""
                notifiers: [{type: webhook, name: b, url: "http://127.0.0.1:1/", backoffMs: 100, maxBackoffMs: 1000}]
                """).get(0);
        Notifier notifier = new Notifier(spec);
        for (int i = 0; i < 50; i++) {
            long first = notifier.backoff(0, 0);
            assertTrue(first >= 50 && first <= 100, "first: " + first);
            long third = notifier.backoff(2, 0);
            assertTrue(third >= 200 && third <= 400, "third: " + third);
            long capped = notifier.backoff(40, 0);
            assertTrue(capped >= 500 && capped <= 1000, "capped: " + capped);
            assertEquals(1000, notifier.backoff(0, 5000), "Retry-After, capped");
        }
    }
}
