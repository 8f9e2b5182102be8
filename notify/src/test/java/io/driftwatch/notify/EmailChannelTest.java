package io.driftwatch.notify;

import static io.driftwatch.notify.TestNotifications.EVIL_POD;
import static io.driftwatch.notify.TestNotifications.EVIL_TITLE;
import static io.driftwatch.notify.TestNotifications.INCIDENT;
import static io.driftwatch.notify.TestNotifications.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.driftwatch.model.PlanDelivery;
import io.driftwatch.model.Severity;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The email channel against a real SMTP server in the test (GreenMail: SMTP with AUTH; STARTTLS through
 * {@link StartTlsFront}, since GreenMail 2.1.5 has none of its own): the mail arrives, plain text, with the
 * incident's details and the attacker's values as they were; a wrong password is a failed delivery with the reason.
 */
class EmailChannelTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private GreenMail mail;
    private StartTlsFront front;
    private NotifyEngine engine;

    @BeforeEach
    void start() throws Exception {
        mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort())
                .withConfiguration(GreenMailConfiguration.aConfig().withUser("driftwatch@example.com", "driftwatch", "s3cret"));
        mail.start();
        front = new StartTlsFront(mail.getSmtp().getPort());
    }

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close(Duration.ofMillis(500));
        }
        front.close();
        mail.stop();
    }

    private String yaml(String extra) {
        return """
                notifiers:
                  - type: email
                    name: security-email
                    host: 127.0.0.1
                    port: %d
                    starttls: required
                    sslTrust: 127.0.0.1
                    username: driftwatch
                    passwordEnv: SMTP_PASSWORD
                    from: "Driftwatch <driftwatch@example.com>"
                    to: [soc@example.com]
                    replyTo: soc-desk@example.com
                    retries: 1
                    backoffMs: 50
                %s""".formatted(front.port(), extra);
    }

    @Test
    void aPlanNotificationArrivesOverStartTlsWithAuthAsPlainTextWithTheIncidentsDetails() throws Exception {
        TestNotifications.Recorder reports = new TestNotifications.Recorder();
        engine = NotifyEngine.start(TestAlerts.parse(yaml(""), Map.of("SMTP_PASSWORD", "s3cret")), reports);
        engine.dispatch(notification("ESCALATION", 2, List.of("security-email")));

        PlanDelivery delivery = reports.await(1, WAIT).get(0);
        assertEquals("delivered", delivery.getOutcome(), String.valueOf(delivery.getDetail()));
        assertEquals("security-email", delivery.getChannel());
        assertEquals(INCIDENT + "/ESCALATION/2", delivery.getNotificationId());
        assertEquals(List.of("alice@example.com"), delivery.getRecipients().stream().map(r -> r.getEmail()).toList(),
                "the recipients reached: those with an e-mail address");
        assertTrue(delivery.getDetail().startsWith("SMTP 250"), delivery.getDetail());
        assertEquals(1, front.handshakes(), "the session went through STARTTLS");
        assertTrue(front.protocols().get(0).startsWith("TLSv1."), front.protocols().toString());

        assertTrue(mail.waitForIncomingEmail(WAIT.toMillis(), 2));
        MimeMessage[] received = mail.getReceivedMessages();
        assertEquals(2, received.length, "one copy per recipient: soc@ and alice@");
        MimeMessage m = received[0];
        assertEquals(delivery.getReference(), m.getMessageID(), "the reference reported is the Message-ID");
        assertTrue(m.getMessageID().matches("<.+@.+>"), m.getMessageID());
        assertTrue(m.getContentType().startsWith("text/plain"), m.getContentType());
        assertTrue(m.getContentType().toLowerCase().contains("charset=utf-8"), m.getContentType());
        assertEquals(Set.of("soc@example.com", "alice@example.com"), addresses(m.getRecipients(Message.RecipientType.TO)));
        assertEquals("Alice Ng", ((InternetAddress) Arrays.stream(m.getRecipients(Message.RecipientType.TO))
                .filter(a -> ((InternetAddress) a).getAddress().equals("alice@example.com")).findFirst().orElseThrow()).getPersonal());
        assertNull(m.getRecipients(Message.RecipientType.BCC), "a CR LF in a value never makes a header");
        assertNull(m.getHeader("Bcc"));
        assertTrue(Arrays.stream(received).flatMap(r -> {
            try {
                return Arrays.stream(r.getAllRecipients());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).noneMatch(a -> a.toString().contains("victim")), "nobody else got it");
        assertEquals("driftwatch@example.com", ((InternetAddress) m.getFrom()[0]).getAddress());
        assertEquals("soc-desk@example.com", ((InternetAddress) m.getReplyTo()[0]).getAddress());
        assertEquals("auto-generated", m.getHeader("Auto-Submitted")[0]);

        String subject = m.getSubject();
        assertEquals("[HIGH] ESCALATION tier 2: credential-tampering in payments/" + EVIL_POD, subject);

        String body = ((String) m.getContent()).replace("\r\n", "\n");
        assertTrue(body.startsWith("Incident " + INCIDENT + " (Shadow file written"), body);
        for (String line : List.of(
                "Incident: " + INCIDENT,
                "Notification: ESCALATION (escalation tier 2)",
                "Escalation tier: 2",
                "Severity: HIGH",
                "Status: OPEN",
                "Class: credential-tampering (Credentials or accounts changed in a container)",
                "Lead: secops-oncall (Alice Ng <alice@example.com>)",
                "Title: " + EVIL_TITLE.replaceAll("[\r\n]+", " "),
                "Pod: " + EVIL_POD,
                "Namespace: payments",
                "Container: ledger (c0ffee01dead)",
                "Image: registry.example/ledger:1.4.2",
                "Node: node-a",
                "Rules: DW-FIM-020",
                "MITRE ATT&CK: T1098",
                "Alerts: 3",
                "Recipients: Alice Ng <alice@example.com>, Pat Pager")) {
            assertTrue(body.contains("\n" + line + "\n"), "missing line \"" + line + "\" in:\n" + body);
        }
        assertTrue(body.contains("<script>alert(1)</script>"), "values are text, kept as they are, never escaped into entities");
        assertTrue(body.contains("notification " + INCIDENT + "/ESCALATION/2"), body);
        assertEquals(1, engine.stats().get(0).sent());
    }

    @Test
    void anAlertGoesToTheConfiguredAddresses() throws Exception {
        engine = NotifyEngine.start(TestAlerts.parse(yaml("    minSeverity: HIGH\n"), Map.of("SMTP_PASSWORD", "s3cret")));
        engine.dispatch(TestAlerts.alert("mail-1", Severity.CRITICAL, "System binary /usr/bin/<dpkg> & co\r\nTo: x@evil.example"));
        engine.dispatch(TestAlerts.alert("mail-2", Severity.LOW));
        assertTrue(mail.waitForIncomingEmail(WAIT.toMillis(), 1));
        MimeMessage m = mail.getReceivedMessages()[0];
        assertEquals(Set.of("soc@example.com"), addresses(m.getAllRecipients()));
        assertTrue(m.getSubject().startsWith("[CRITICAL] DW-FIM-001 System binary /usr/bin/<dpkg> & co To: x@evil.example"), m.getSubject());
        String body = ((String) m.getContent()).replace("\r\n", "\n");
        assertTrue(body.contains("\nAlert: mail-1\n") && body.contains("\nPod: ledger-7d9f8-abcde\n"), body);
        Thread.sleep(300);
        assertEquals(1, mail.getReceivedMessages().length, "LOW is below minSeverity");
    }

    @Test
    void aWrongPasswordIsAFailedDeliveryWithTheReasonAndIsNotRetried() throws Exception {
        TestNotifications.Recorder reports = new TestNotifications.Recorder();
        engine = NotifyEngine.start(TestAlerts.parse(yaml(""), Map.of("SMTP_PASSWORD", "wrong")), reports);
        engine.dispatch(notification("OPENED", null, List.of("security-email")));
        PlanDelivery delivery = reports.await(1, WAIT).get(0);
        assertEquals("failed", delivery.getOutcome());
        assertTrue(delivery.getDetail().startsWith("SMTP authentication failed at 127.0.0.1"), delivery.getDetail());
        assertTrue(delivery.getDetail().contains("535"), delivery.getDetail());
        assertNull(delivery.getReference());
        assertEquals(new Notifier.Stats("security-email", 0, 0, 1, 0, 0, 0), engine.stats().get(0), "final: not retried");
        assertEquals(0, mail.getReceivedMessages().length);
    }

    @Test
    void starttlsRequiredRefusesAServerWithoutIt() throws Exception {
        TestNotifications.Recorder reports = new TestNotifications.Recorder();
        String plain = yaml("").replace("port: " + front.port(), "port: " + mail.getSmtp().getPort());
        engine = NotifyEngine.start(TestAlerts.parse(plain, Map.of("SMTP_PASSWORD", "s3cret")), reports);
        engine.dispatch(notification("OPENED", null, List.of("security-email")));
        PlanDelivery delivery = reports.await(1, WAIT).get(0);
        assertEquals("failed", delivery.getOutcome());
        assertTrue(delivery.getDetail().contains("STARTTLS is required"), delivery.getDetail());
        assertEquals(0, mail.getReceivedMessages().length, "no password went over the plain connection, no mail");
    }

    @Test
    void withoutTrustingTheSelfSignedCertificateTheHandshakeFails() throws Exception {
        TestNotifications.Recorder reports = new TestNotifications.Recorder();
        String untrusted = yaml("").replace("    sslTrust: 127.0.0.1\n", "");
        engine = NotifyEngine.start(TestAlerts.parse(untrusted, Map.of("SMTP_PASSWORD", "s3cret")), reports);
        engine.dispatch(notification("OPENED", null, List.of("security-email")));
        PlanDelivery delivery = reports.await(1, WAIT).get(0);
        assertEquals("failed", delivery.getOutcome());
        assertTrue(delivery.getDetail().contains("not delivered after 2 attempt(s)"), delivery.getDetail());
        assertTrue(delivery.getDetail().toLowerCase().contains("certificat") || delivery.getDetail().contains("PKIX"),
                delivery.getDetail());
        assertEquals(0, mail.getReceivedMessages().length);
    }

    private static Set<String> addresses(Address[] list) {
        return Arrays.stream(list).map(a -> ((InternetAddress) a).getAddress()).collect(Collectors.toSet());
    }
}
