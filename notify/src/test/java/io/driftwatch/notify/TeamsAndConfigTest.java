package io.driftwatch.notify;

import static io.driftwatch.notify.TestNotifications.EVIL_POD;
import static io.driftwatch.notify.TestNotifications.INCIDENT;
import static io.driftwatch.notify.TestNotifications.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.driftwatch.model.PlanDelivery;
import io.driftwatch.model.Severity;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The teams channel against the recording HTTP server (the card checked), plan notifications on the HTTP channels of
 * before (Slack, PagerDuty, webhook), unknown channel names, and the new types' configuration errors with file:line.
 */
class TeamsAndConfigTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void teamsGetsAnAdaptiveCardWithEveryValueEscapedAsText() throws Exception {
        try (RecordingServer server = RecordingServer.start()) {
            TestNotifications.Recorder reports = new TestNotifications.Recorder();
            NotifyEngine engine = NotifyEngine.start(TestAlerts.parse("""
                    notifiers:
                      - {type: teams, name: security-chat, urlEnv: TEAMS_URL}
                    """, Map.of("TEAMS_URL", server.url("/workflows/abc"))), reports);
            try {
                engine.dispatch(notification("OPENED", null, List.of("security-chat")));
                JsonNode card = server.await("/workflows/abc", 1, WAIT).get(0).json();
                assertEquals("delivered", reports.await(1, WAIT).get(0).getOutcome());
                assertEquals("message", card.path("type").asText());
                JsonNode attachment = card.path("attachments").get(0);
                assertEquals("application/vnd.microsoft.card.adaptive", attachment.path("contentType").asText());
                JsonNode content = attachment.path("content");
                assertEquals("AdaptiveCard", content.path("type").asText());
                assertEquals("1.4", content.path("version").asText());
                JsonNode body = content.path("body");
                assertEquals("TextBlock", body.get(0).path("type").asText());
                String title = body.get(0).path("text").asText();
                assertEquals(TeamsFormat.escape("[HIGH] OPENED: credential-tampering in payments/" + EVIL_POD), title);
                assertTrue(title.contains("\\<script\\>alert\\(1\\)\\</script\\>\\*bold\\*\\_\\[x\\]\\(http://evil\\.example\\)"), title);
                Map<String, String> facts = new LinkedHashMap<>();
                body.get(2).path("facts").forEach(f -> facts.put(f.path("title").asText(), f.path("value").asText()));
                assertEquals("FactSet", body.get(2).path("type").asText());
                assertEquals(TeamsFormat.escape(INCIDENT), facts.get("Incident"));
                assertEquals("HIGH", facts.get("Severity"));
                assertEquals(TeamsFormat.escape(EVIL_POD), facts.get("Pod"));
                assertEquals(EVIL_POD, unescape(facts.get("Pod")), "escaping loses nothing");
                assertEquals("credential\\-tampering \\(Credentials or accounts changed in a container\\)", facts.get("Class"));
                List<String> texts = new java.util.ArrayList<>();
                for (JsonNode block : body) {
                    texts.add(block.path("text").asText());
                    block.path("facts").forEach(f -> texts.add(f.path("value").asText()));
                }
                for (String text : texts) {
                    assertFalse(text.matches("(?s).*(?<!\\\\)[<>*_\\[\\]()].*"), "an unescaped markup character in " + text);
                }
            } finally {
                engine.close(Duration.ofMillis(200));
            }
        }
    }

    @Test
    void teamsTakesAlertsToo() throws Exception {
        try (RecordingServer server = RecordingServer.start()) {
            NotifyEngine engine = NotifyEngine.start(TestAlerts.parse("""
                    notifiers:
                      - {type: teams, name: chat, url: "%s", minSeverity: HIGH}
                    """.formatted(server.url("/t"))));
            try {
                engine.dispatch(TestAlerts.alert("t-1", Severity.CRITICAL, "written by <b>cp</b>"));
                JsonNode card = server.await("/t", 1, WAIT).get(0).json();
                JsonNode body = card.path("attachments").get(0).path("content").path("body");
                assertEquals("\\[CRITICAL\\] DW\\-FIM\\-001", body.get(0).path("text").asText());
                assertEquals("written by \\<b\\>cp\\</b\\>", body.get(1).path("text").asText());
            } finally {
                engine.close(Duration.ofMillis(200));
            }
        }
    }

    @Test
    void planNotificationsOnSlackPagerDutyAndWebhookAndUnknownNames() throws Exception {
        try (RecordingServer server = RecordingServer.start()) {
            TestNotifications.Recorder reports = new TestNotifications.Recorder();
            NotifyEngine engine = NotifyEngine.start(TestAlerts.parse("""
                    notifiers:
                      - {type: slack, name: chat, url: "%s", alerts: false}
                      - {type: pagerduty, name: pager, url: "%s", routingKeyEnv: PD}
                      - {type: webhook, name: hook, url: "%s", headers: {Authorization: "Bearer t0k", X-Rule: "${alert.ruleId}"}}
                    """.formatted(server.url("/slack"), server.url("/pd"), server.url("/hook")), Map.of("PD", "rk")), reports);
            try {
                assertEquals(3, engine.dispatch(notification("ESCALATION", 1, List.of("chat", "pager", "hook", "ghost", "chat"))));
                List<PlanDelivery> all = reports.await(4, WAIT);
                assertEquals("failed", all.get(0).getOutcome(), "the unknown name is reported at once");
                assertEquals("ghost", all.get(0).getChannel());
                assertEquals("no notifier named ghost", all.get(0).getDetail());
                assertEquals(List.of("chat", "hook", "pager"), all.subList(1, 4).stream().map(PlanDelivery::getChannel).sorted().toList());
                assertTrue(all.subList(1, 4).stream().allMatch(d -> d.getOutcome().equals("delivered")), all.toString());

                JsonNode slack = server.await("/slack", 1, WAIT).get(0).json();
                assertTrue(slack.toString().contains(SlackFormat.escape(EVIL_POD)), slack.toString());
                assertEquals(SlackFormat.escape("[HIGH] ESCALATION tier 1: credential-tampering in payments/" + EVIL_POD),
                        slack.path("text").asText(), "the fallback text is mrkdwn too");
                for (JsonNode block : slack.path("blocks")) {
                    String mrkdwn = block.path("text").path("type").asText().equals("mrkdwn") ? block.path("text").path("text").asText()
                            : block.path("fields").toString();
                    assertFalse(mrkdwn.contains("<script>"), "Slack mrkdwn escaped: " + mrkdwn);
                }
                JsonNode pd = server.await("/pd", 1, WAIT).get(0).json();
                assertEquals("trigger", pd.path("event_action").asText());
                assertEquals(INCIDENT, pd.path("dedup_key").asText(), "one PagerDuty incident per Driftwatch incident");
                assertEquals("error", pd.path("payload").path("severity").asText());
                assertEquals(EVIL_POD, pd.path("payload").path("custom_details").path("Pod").asText());
                RecordingServer.Request hook = server.await("/hook", 1, WAIT).get(0);
                assertEquals("Bearer t0k", hook.header("Authorization"));
                assertEquals(null, hook.header("X-Rule"), "a header with alert placeholders has no value for a notification");
                assertEquals(INCIDENT + "/ESCALATION/1", hook.json().path("notificationId").asText());
                assertEquals(EVIL_POD, hook.json().path("incident").path("podName").asText());

                // the same notification again (a redelivery): de-duplicated per channel, nothing sent or reported
                engine.dispatch(notification("ESCALATION", 1, List.of("chat", "pager", "hook")));
                Thread.sleep(300);
                assertEquals(1, server.requests("/slack").size());
                assertEquals(4, reports.all().size());
                // alerts: false keeps alerts off the chat notifier; the others take them
                assertEquals(2, engine.dispatch(TestAlerts.alert("x", Severity.CRITICAL)));
            } finally {
                engine.close(Duration.ofMillis(500));
            }
        }
    }

    @Test
    void aFullQueueIsReportedAsDropped() throws Exception {
        try (RecordingServer server = RecordingServer.start()) {
            server.hang("/slow");
            TestNotifications.Recorder reports = new TestNotifications.Recorder();
            NotifyEngine engine = NotifyEngine.start(TestAlerts.parse("""
                    notifiers:
                      - {type: teams, name: slow, url: "%s", queueSize: 1, timeoutMs: 5000, retries: 0}
                    """.formatted(server.url("/slow"))), reports);
            try {
                engine.dispatch(notification("ESCALATION", 1, List.of("slow")));
                server.await("/slow", 1, WAIT); // the first one is being sent (and hangs)
                engine.dispatch(notification("ESCALATION", 2, List.of("slow"))); // queued
                engine.dispatch(notification("ESCALATION", 3, List.of("slow"))); // no room
                PlanDelivery dropped = reports.await(1, WAIT).get(0);
                assertEquals("dropped", dropped.getOutcome());
                assertEquals(INCIDENT + "/ESCALATION/3", dropped.getNotificationId());
                assertEquals("queue full (1 items)", dropped.getDetail());
            } finally {
                engine.close(Duration.ofMillis(200));
            }
        }
    }

    static Stream<Arguments> badFiles() {
        return Stream.of(
                Arguments.of("email without host", """
                        notifiers:
                          - type: email
                            name: mail
                            from: dw@example.com
                            to: [soc@example.com]
                        """, 2, "missing \"host\": the SMTP server"),
                Arguments.of("bad starttls", """
                        notifiers:
                          - type: email
                            name: mail
                            host: smtp.example.com
                            starttls: sometimes
                            from: dw@example.com
                            to: [soc@example.com]
                        """, 5, "starttls must be required, optional or off, not \"sometimes\""),
                Arguments.of("auth without starttls", """
                        notifiers:
                          - type: email
                            name: mail
                            host: smtp.example.com
                            starttls: off
                            username: dw
                            passwordEnv: SMTP_PASSWORD
                            from: dw@example.com
                            to: [soc@example.com]
                        """, 5, "SMTP AUTH over a connection without STARTTLS would send the password in clear"),
                Arguments.of("bad address", """
                        notifiers:
                          - type: email
                            name: mail
                            host: smtp.example.com
                            from: dw@example.com
                            to:
                              - soc@example.com
                              - "not an address"
                        """, 8, "not an e-mail address: \"not an address\""),
                Arguments.of("email for alerts without to", """
                        notifiers:
                          - type: email
                            name: mail
                            host: smtp.example.com
                            from: dw@example.com
                        """, 2, "an email notifier that takes alerts needs \"to\""),
                Arguments.of("jira alerts true", """
                        notifiers:
                          - type: jira
                            name: tickets
                            url: https://acme.atlassian.net
                            project: SEC
                            userEnv: U
                            tokenEnv: T
                            alerts: true
                        """, 8, "a jira notifier takes the response plan's incident notifications only"),
                Arguments.of("jira without credentials", """
                        notifiers:
                          - {type: jira, name: tickets, url: "https://acme.atlassian.net", project: SEC}
                        """, 2, "missing credentials: userEnv (or user) with tokenEnv or tokenFile (Basic), or bearerEnv"),
                Arguments.of("jira bad project", """
                        notifiers:
                          - type: jira
                            name: tickets
                            url: https://acme.atlassian.net
                            project: sec team
                        """, 5, "\"sec team\" is not a Jira project key"),
                Arguments.of("jira bad priority severity", """
                        notifiers:
                          - type: jira
                            name: tickets
                            url: https://acme.atlassian.net
                            project: SEC
                            bearerEnv: T
                            priorities:
                              URGENT: Highest
                        """, 8, "unknown severity \"URGENT\""),
                Arguments.of("bad ARN", """
                        notifiers:
                          - type: sns
                            name: topic
                            topicArn: arn:aws:sqs:eu-west-1:123456789012:queue
                        """, 4, "\"arn:aws:sqs:eu-west-1:123456789012:queue\" is not an SNS topic ARN"),
                Arguments.of("sns one key only", """
                        notifiers:
                          - type: sns
                            name: topic
                            topicArn: arn:aws:sns:eu-west-1:123456789012:t
                            accessKeyIdEnv: K
                        """, 2, "give both accessKeyIdEnv and secretAccessKeyEnv, or neither"),
                Arguments.of("sns url key", """
                        notifiers:
                          - type: sns
                            name: topic
                            topicArn: arn:aws:sns:eu-west-1:123456789012:t
                            url: https://sns.eu-west-1.amazonaws.com
                        """, 5, "unknown key \"url\""),
                Arguments.of("sns bad endpoint", """
                        notifiers:
                          - type: sns
                            name: topic
                            topicArn: arn:aws:sns:eu-west-1:123456789012:t
                            endpoint: localhost:4566
                        """, 5, "\"endpoint\" must be an http:// or https:// URL"),
                Arguments.of("teams without url", """
                        notifiers:
                          - {type: teams, name: chat}
                        """, 2, "missing url: give url, urlEnv or urlFile"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void aBadChannelIsRefusedWithFileLineAndMessage(String name, String yaml, int line, String message) {
        NotifierConfigException e = assertThrows(NotifierConfigException.class,
                () -> TestAlerts.parse(yaml, Map.of("U", "u", "T", "t", "SMTP_PASSWORD", "p", "K", "k")));
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.problem().startsWith(message), e.getMessage());
        assertTrue(e.getMessage().startsWith("notifiers.yaml:" + line + ": "), e.getMessage());
    }

    @Test
    void theNewTypesListWithoutSecrets() throws Exception {
        List<NotifierSpec> specs = TestAlerts.parse("""
                notifiers:
                  - {type: email, name: mail, host: smtp.example.com, username: dw, passwordEnv: P, from: dw@example.com, alerts: false, starttls: off}
                """.replace("starttls: off", "starttls: optional") + """
                  - {type: jira, name: tickets, url: "https://acme.atlassian.net", project: SEC, bearerEnv: P}
                  - {type: sns, name: topic, topicArn: "arn:aws:sns:us-east-1:123456789012:dw.fifo", profile: security}
                  - {type: teams, name: chat, url: "https://prod-00.westeurope.logic.azure.com/workflows/x?sig=SECRET"}
                """, Map.of("P", "hunter2"));
        assertEquals("mail (email to smtp.example.com:587 (STARTTLS optional), plan notifications only, 5 retries, timeout 10000 ms)",
                specs.get(0).toString());
        assertEquals("tickets (jira to acme.atlassian.net project SEC, plan notifications only, 5 retries, timeout 10000 ms)",
                specs.get(1).toString());
        assertTrue(specs.get(2).toString().startsWith("topic (sns to arn:aws:sns:us-east-1:123456789012:dw.fifo, LOW and above"),
                specs.get(2).toString());
        assertFalse(specs.toString().contains("hunter2") || specs.toString().contains("SECRET"), specs.toString());
        assertFalse(specs.get(1).alerts());
        assertTrue(specs.get(3).alerts());
    }

    private static String unescape(String escaped) {
        return escaped.replaceAll("\\\\(.)", "$1");
    }
}
