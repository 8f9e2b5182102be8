package io.driftwatch.notify;

import static io.driftwatch.notify.TestAlerts.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The notifiers file: what it means, and every way it is refused, with file:line. */
class NotifiersFileTest {
    @TempDir
    Path dir;

    @Test
    void theExampleFileLoads() throws Exception {
        Path example = Path.of("..", "deploy", "notifiers.example.yaml");
        Files.writeString(dir.resolve("pd-routing-key"), "R0UT1NG\n");
        Path copy = dir.resolve("notifiers.yaml");
        Files.writeString(copy, Files.readString(example).replace("/run/secrets/pagerduty-routing-key", "pd-routing-key"));
        List<NotifierSpec> specs = NotifiersFile.load(copy, Map.of(
                "SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/XXXX",
                "PD_ROUTING_KEY", "R0UT1NGKEY",
                "SIEM_TOKEN", "token",
                "TEAMS_WEBHOOK_URL", "https://prod-00.westeurope.logic.azure.com/workflows/XXXX",
                "SMTP_PASSWORD", "XXXX", "JIRA_USER", "bot@example.com", "JIRA_API_TOKEN", "XXXX"));
        assertEquals(List.of("security-chat", "on-call", "on-call-payments", "siem", "security-teams", "security-email",
                        "security-jira", "sms"),
                specs.stream().map(NotifierSpec::name).toList(), "the disabled one is left out");
        assertEquals(List.of("slack", "pagerduty", "pagerduty", "webhook", "teams", "email", "jira", "sns"),
                specs.stream().map(NotifierSpec::type).toList());
        assertEquals(List.of(true, true, true, true, true, true, false, false), specs.stream().map(NotifierSpec::alerts).toList());
        specs.forEach(spec -> assertTrue(!spec.toString().contains("XXXX"), "no secret in " + spec));
    }

    @Test
    void namesAreListedWithoutReadingSecrets() throws Exception {
        Path example = Path.of("..", "deploy", "notifiers.example.yaml");
        assertEquals(List.of("security-chat", "on-call", "on-call-payments", "siem", "security-teams", "security-email",
                "security-jira", "sms"), NotifiersFile.names(example), "no variable set, no secret file there");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "notifiers:\n  - {type: email, name: mail, from: a@example.com, to: [b@example.com]}\n");
        NotifierConfigException e = org.junit.jupiter.api.Assertions.assertThrows(NotifierConfigException.class,
                () -> NotifiersFile.names(bad));
        assertEquals(bad + ":2: missing \"host\": the SMTP server (e.g. host: smtp.example.com)", e.getMessage());
    }

    @Test
    void defaults() throws Exception {
        NotifierSpec pd = parse("""
                notifiers:
                  - type: pagerduty
                    name: pd
                    routingKeyEnv: KEY
                """, Map.of("KEY", "k")).get(0);
        assertEquals(NotifiersFile.PAGERDUTY_EVENTS_URL, pd.url());
        assertEquals("https://events.pagerduty.com/v2/enqueue", pd.url().toString());
        assertEquals(Severity.LOW, pd.filter().minSeverity());
        assertEquals(5, pd.retries());
        assertEquals(1000, pd.backoffMs());
        assertEquals(60_000, pd.maxBackoffMs());
        assertEquals(Duration.ofSeconds(10), pd.timeout());
        assertEquals(1000, pd.queueSize());
        assertTrue(pd.filter().namespaces().isEmpty() && pd.filter().rules().isEmpty());
    }

    @Test
    void secretsComeFromFilesNextToTheNotifiersFile() throws Exception {
        Files.writeString(dir.resolve("slack-url"), "  https://hooks.slack.com/services/T1/B1/YYYY\n");
        Files.createDirectories(dir.resolve("keys"));
        Files.writeString(dir.resolve("keys/pd"), "FILEKEY\n");
        Path file = dir.resolve("n.yaml");
        Files.writeString(file, """
                - {type: slack, name: chat, urlFile: slack-url}
                - {type: pagerduty, name: pd, routingKeyFile: keys/pd}
                """);
        List<NotifierSpec> specs = NotifiersFile.load(file, Map.of());
        assertEquals("https://hooks.slack.com/services/T1/B1/YYYY", specs.get(0).url().toString());
        String body = specs.get(1).format().build(TestAlerts.alert("x", Severity.HIGH)).body();
        assertTrue(body.contains("\"routing_key\":\"FILEKEY\""), body);
    }

    @Test
    void aDisabledNotifierNeedsNoSecrets() throws Exception {
        List<NotifierSpec> specs = parse("""
                notifiers:
                  - {type: pagerduty, name: paused, routingKeyEnv: NOT_SET, enabled: false}
                  - {type: webhook, name: "on", url: "http://127.0.0.1:9/x"}
                """);
        assertEquals(List.of("on"), specs.stream().map(NotifierSpec::name).toList());
    }

    static Stream<Arguments> badFiles() {
        return Stream.of(
                Arguments.of("unknown key", """
                        notifiers:
                          - type: slack
                            name: chat
                            urll: https://hooks.slack.com/x
                        """, 4, "unknown key \"urll\"; known for a slack notifier: alerts, backoffMs, channel,"),
                Arguments.of("unknown severity", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/x
                            minSeverity: URGENT
                        """, 5, "unknown severity \"URGENT\": INFO, LOW, MEDIUM, HIGH or CRITICAL"),
                Arguments.of("missing type", """
                        notifiers:
                          - name: w
                            url: http://h/x
                          - type: nope
                            name: n
                        """, 2, "missing \"type\": slack, pagerduty, webhook, teams, email, jira or sns"),
                Arguments.of("unknown type", """
                        notifiers:
                          - type: fax
                            name: n
                        """, 2, "unknown type \"fax\""),
                Arguments.of("YAML syntax", """
                        notifiers:
                          - type: webhook
                            name: w
                           url: http://h/x
                        """, 4, "not valid YAML: expected <block end>, but found '<block mapping start>' (while parsing a block collection that starts at line 2)"),
                Arguments.of("unterminated quote", """
                        notifiers:
                          - type: webhook
                            name: "w
                        """, 4, "not valid YAML: found unexpected end of stream (while scanning a quoted scalar that starts at line 3)"),
                Arguments.of("duplicate key", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/x
                            url: http://h/y
                        """, 5, "Duplicate field 'url'"),
                Arguments.of("routing key in the file", """
                        notifiers:
                          - type: pagerduty
                            name: pd
                            routingKey: abc
                        """, 4, "a routing key is a secret and is not written in this file: use routingKeyEnv or routingKeyFile"),
                Arguments.of("routing key missing", """
                        notifiers:
                          - type: pagerduty
                            name: pd
                        """, 2, "missing routing key: give routingKeyEnv"),
                Arguments.of("routing key variable not set", """
                        notifiers:
                          - type: pagerduty
                            name: pd
                            routingKeyEnv: PD_KEY_NOT_SET
                        """, 4, "environment variable PD_KEY_NOT_SET is not set"),
                Arguments.of("header variable not set", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/x
                            headers:
                              Authorization: "Bearer ${env:TOKEN_NOT_SET}"
                        """, 6, "environment variable TOKEN_NOT_SET is not set"),
                Arguments.of("unknown placeholder", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/x
                            body:
                              rule: "${alert.ruleId}"
                              who: "${alert.user}"
                        """, 7, "unknown placeholder ${alert.user}; known: ${alert} (the whole alert), ${alert.<field>} with <field> one of alertId, ruleId,"),
                Arguments.of("unknown placeholder in a JSON string body", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/x
                            body: '{"who": "${alert.nobody}"}'
                        """, 5, "unknown placeholder ${alert.nobody}"),
                Arguments.of("JSON string body that is not JSON", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/x
                            body: '{"who": }'
                        """, 5, "the body is not valid JSON"),
                Arguments.of("unterminated placeholder", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/x
                            body: {text: "${alert.message"}
                        """, 5, "unterminated placeholder"),
                Arguments.of("alert placeholder in a URL", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/${alert.ruleId}
                        """, 4, "placeholder ${alert.ruleId} cannot be used here"),
                Arguments.of("no url", """
                        notifiers:
                          - type: slack
                            name: chat
                        """, 2, "missing url: give url, urlEnv or urlFile"),
                Arguments.of("not an http URL", """
                        notifiers:
                          - type: slack
                            name: chat
                            urlEnv: SLACK
                        """, 4, "the URL in environment variable SLACK is not an absolute http:// or https:// URL"),
                Arguments.of("GET", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/x
                            method: get
                        """, 5, "method GET is not supported: POST or PUT"),
                Arguments.of("retries not a number", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/x
                            retries: many
                        """, 5, "\"retries\" must be a whole number, not \"many\""),
                Arguments.of("negative retries", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/x
                            retries: -1
                        """, 5, "\"retries\" must be between 0 and 100, not -1"),
                Arguments.of("two with one name", """
                        notifiers:
                          - {type: webhook, name: w, url: "http://h/x"}
                          - {type: webhook, name: w, url: "http://h/y"}
                        """, 3, "a notifier named \"w\" is already defined"),
                Arguments.of("restricted header", """
                        notifiers:
                          - type: webhook
                            name: w
                            url: http://h/x
                            headers: {Host: other}
                        """, 5, "header Host is set by the HTTP client"),
                Arguments.of("a name YAML reads as a boolean", """
                        notifiers:
                          - {type: webhook, name: "w", url: "http://h/x"}
                          - type: webhook
                            name: off
                            url: http://h/y
                        """, 4, "\"name\" must be a string, and YAML reads on/off/yes/no/true/false as true or false: quote it"),
                Arguments.of("unknown top-level key", """
                        notifier:
                          - {type: webhook, name: w, url: "http://h/x"}
                        """, 1, "unknown key \"notifier\" at the top"),
                Arguments.of("empty list", """
                        notifiers: []
                        """, 1, "no notifiers: the list is empty"),
                Arguments.of("empty file", "\n", 1, "no notifiers: the file is empty"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void aBadFileIsRefusedWithFileLineAndMessage(String what, String yaml, int line, String message) {
        NotifierConfigException e = assertThrows(NotifierConfigException.class,
                () -> parse(yaml, Map.of("SLACK", "hooks.slack.com/services/T0/B0/X")));
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith("notifiers.yaml:" + line + ": "), e.getMessage());
        assertTrue(e.problem().contains(message), e.getMessage());
        assertTrue(!e.getMessage().contains("hooks.slack.com"), "a secret URL is not shown: " + e.getMessage());
    }
}
