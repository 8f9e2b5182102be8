package io.driftwatch.notify;

import static io.driftwatch.notify.TestNotifications.INCIDENT;
import static io.driftwatch.notify.TestNotifications.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.driftwatch.model.PlanDelivery;
import io.driftwatch.model.Severity;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sns channel: the AWS SDK's real Publish request (Query protocol, form-encoded, SigV4-signed) against a local
 * endpoint stand-in (a JDK HttpServer written for this test, NOT Amazon SNS). The stand-in parses the form, recomputes
 * the SigV4 signature with the configured secret key and answers with SNS's XML (a MessageId) or its error XML; the
 * test checks every field.
 */
class SnsChannelTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String KEY_ID = "AKIDEXAMPLE0000TEST";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final String ARN = "arn:aws:sns:eu-west-1:123456789012:driftwatch-incidents";

    record Publish(Map<String, String> form, Map<String, String> headers, String authorization, boolean signatureValid) {
    }

    private HttpServer server;
    private final List<Publish> received = new ArrayList<>();
    private volatile int status = 200;
    private NotifyEngine engine;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close(Duration.ofMillis(500));
        }
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        byte[] raw = x.getRequestBody().readAllBytes();
        String body = new String(raw, StandardCharsets.UTF_8);
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        Map<String, String> headers = new TreeMap<>();
        x.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        String authorization = headers.get("authorization");
        boolean valid = verify(x.getRequestMethod(), x.getRequestURI().getRawPath(), headers, raw)
                // and the check itself can fail: one byte of the body changed, the signature no longer holds
                && !verify(x.getRequestMethod(), x.getRequestURI().getRawPath(), headers, (body + " ").getBytes(StandardCharsets.UTF_8));
        synchronized (received) {
            received.add(new Publish(form, headers, authorization, valid));
            received.notifyAll();
        }
        String xml = status == 200
                ? "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n  <PublishResult>\n"
                + "    <MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId>\n  </PublishResult>\n"
                + "  <ResponseMetadata>\n    <RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId>\n"
                + "  </ResponseMetadata>\n</PublishResponse>\n"
                : "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n  <Error>\n    <Type>Sender</Type>\n"
                + "    <Code>AuthorizationError</Code>\n    <Message>User: arn:aws:iam::123456789012:user/notify is not"
                + " authorized to perform: SNS:Publish on resource: " + ARN + "</Message>\n  </Error>\n"
                + "  <RequestId>9dd01905-5012-5f99-8663-4b3ecd0dfaef</RequestId>\n</ErrorResponse>\n";
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "text/xml");
        x.getResponseHeaders().add("x-amzn-RequestId", "f187a3c1-376f-11df-8963-01868b7c937a");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** AWS Signature Version 4, recomputed from the request as received and the configured secret key. */
    private static boolean verify(String method, String path, Map<String, String> headers, byte[] body) {
        Matcher m = Pattern.compile("AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, "
                + "SignedHeaders=([^,]+), Signature=([0-9a-f]{64})").matcher(String.valueOf(headers.get("authorization")));
        if (!m.matches() || !m.group(1).equals(KEY_ID)) {
            return false;
        }
        try {
            StringBuilder canonical = new StringBuilder(method).append('\n').append(path.isEmpty() ? "/" : path).append("\n\n");
            for (String name : m.group(5).split(";")) {
                canonical.append(name).append(':').append(headers.get(name).trim().replaceAll(" +", " ")).append('\n');
            }
            canonical.append('\n').append(m.group(5)).append('\n').append(hex(sha256(body)));
            String scope = m.group(2) + "/" + m.group(3) + "/" + m.group(4) + "/aws4_request";
            String toSign = "AWS4-HMAC-SHA256\n" + headers.get("x-amz-date") + "\n" + scope + "\n"
                    + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
            byte[] key = hmac(("AWS4" + SECRET).getBytes(StandardCharsets.UTF_8), m.group(2));
            key = hmac(key, m.group(3));
            key = hmac(key, m.group(4));
            key = hmac(key, "aws4_request");
            return hex(hmac(key, toSign)).equals(m.group(6));
        } catch (Exception e) {
            return false;
        }
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private NotifyEngine engine(TestNotifications.Recorder reports, String extra) throws Exception {
        return NotifyEngine.start(TestAlerts.parse("""
                notifiers:
                  - type: sns
                    name: security-sns
                    topicArn: %s
                    endpoint: http://127.0.0.1:%d
                    accessKeyIdEnv: DW_AWS_KEY
                    secretAccessKeyEnv: DW_AWS_SECRET
                    backoffMs: 50
                %s""".formatted(ARN, server.getAddress().getPort(), extra),
                Map.of("DW_AWS_KEY", KEY_ID, "DW_AWS_SECRET", SECRET)), reports);
    }

    private Publish await(int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (received) {
            while (received.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " request(s), got " + received.size());
                }
                received.wait(Math.max(1, left / 1_000_000));
            }
            return received.get(count - 1);
        }
    }

    @Test
    void aPlanNotificationIsPublishedSignedWithAttributesAndTheMessageIdReported() throws Exception {
        TestNotifications.Recorder reports = new TestNotifications.Recorder();
        engine = engine(reports, "");
        engine.dispatch(notification("ESCALATION", 1, List.of("security-sns")));
        Publish p = await(1);
        PlanDelivery d = reports.await(1, WAIT).get(0);
        assertEquals("delivered", d.getOutcome(), d.getDetail());
        assertEquals("94f20ce6-13c5-43a0-9a9e-ca52d816e90b", d.getReference(), "SNS's MessageId");
        assertEquals("published to " + ARN, d.getDetail());

        Map<String, String> f = p.form();
        assertEquals("Publish", f.get("Action"));
        assertEquals("2010-03-31", f.get("Version"));
        assertEquals(ARN, f.get("TopicArn"));
        String subject = f.get("Subject");
        assertTrue(subject.length() <= 100, subject);
        assertTrue(subject.startsWith("[HIGH] ESCALATION tier 1: credential-tampering in payments/ledger<script>"), subject);
        assertTrue(subject.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "SNS subjects are printable ASCII: " + subject);
        String message = f.get("Message");
        assertTrue(message.contains("\nIncident: " + INCIDENT + "\n"), message);
        assertTrue(message.contains("\nEscalation tier: 1\n"), message);
        assertTrue(message.contains("\nPod: " + TestNotifications.EVIL_POD + "\n"), "plain text, as it was: " + message);
        Map<String, String> attributes = new TreeMap<>();
        for (int i = 1; f.containsKey("MessageAttributes.entry." + i + ".Name"); i++) {
            String prefix = "MessageAttributes.entry." + i;
            assertEquals("String", f.get(prefix + ".Value.DataType"));
            attributes.put(f.get(prefix + ".Name"), f.get(prefix + ".Value.StringValue"));
        }
        assertEquals(Map.of("severity", "HIGH", "incidentId", INCIDENT, "kind", "ESCALATION"), attributes);
        assertNull(f.get("MessageGroupId"), "not a FIFO topic");

        assertTrue(p.authorization().startsWith("AWS4-HMAC-SHA256 Credential=" + KEY_ID + "/"), p.authorization());
        assertTrue(p.authorization().matches(".*/eu-west-1/sns/aws4_request, SignedHeaders=[^,]*host[^,]*x-amz-date.*"),
                p.authorization());
        assertTrue(p.signatureValid(), "the SigV4 signature verifies with the configured secret key: " + p.authorization());
        assertTrue(p.headers().get("content-type").startsWith("application/x-www-form-urlencoded"), p.headers().toString());
    }

    @Test
    void anAlertIsPublishedWithItsAttributes() throws Exception {
        engine = engine(new TestNotifications.Recorder(), "");
        engine.dispatch(TestAlerts.alert("sns-1", Severity.CRITICAL));
        Publish p = await(1);
        assertTrue(p.form().get("Message").contains("\nAlert: sns-1\n"), p.form().get("Message"));
        assertTrue(p.form().values().containsAll(List.of("alertId", "sns-1", "ruleId", "DW-FIM-001", "CRITICAL")), p.form().toString());
        assertTrue(p.signatureValid());
    }

    @Test
    void anAuthorizationErrorIsFinal() throws Exception {
        status = 403;
        TestNotifications.Recorder reports = new TestNotifications.Recorder();
        engine = engine(reports, "    retries: 3\n");
        engine.dispatch(notification("OPENED", null, List.of("security-sns")));
        PlanDelivery d = reports.await(1, WAIT).get(0);
        assertEquals("failed", d.getOutcome());
        assertTrue(d.getDetail().startsWith("SNS 403 AuthorizationError: User: arn:aws:iam::123456789012:user/notify is not"
                + " authorized"), d.getDetail());
        assertEquals(1, received.size(), "not retried");
    }

    @Test
    void aServerErrorIsRetried() throws Exception {
        status = 500;
        TestNotifications.Recorder reports = new TestNotifications.Recorder();
        engine = engine(reports, "    retries: 2\n");
        engine.dispatch(notification("OPENED", null, List.of("security-sns")));
        PlanDelivery d = reports.await(1, WAIT).get(0);
        assertEquals("failed", d.getOutcome());
        assertTrue(d.getDetail().startsWith("not delivered after 3 attempt(s): SNS 500"), d.getDetail());
        assertEquals(3, received.size(), "the notifier's retries (the SDK's own are off)");
    }
}
