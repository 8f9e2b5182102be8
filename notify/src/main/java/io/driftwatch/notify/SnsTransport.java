package io.driftwatch.notify;

import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentNotification;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishRequest;
import software.amazon.awssdk.services.sns.model.PublishResponse;
import software.amazon.awssdk.services.sns.model.SnsException;

/**
 * Amazon SNS with the AWS SDK v2 on the JDK's HttpURLConnection client: one Publish per item to the topic, plain
 * text, with a Subject (for e-mail subscriptions) and message attributes {@code severity}, {@code kind} and
 * {@code incidentId} (or {@code alertId}, {@code ruleId}) that subscriptions can filter on. The SDK's own retries are
 * off: the notifier retries (throttling, 5xx, connection errors); other errors (access denied, a missing topic) are
 * final. The reference reported back is the MessageId. A FIFO topic ({@code .fifo}) gets MessageGroupId = incident
 * (or container) and MessageDeduplicationId = notification (or alert) id.
 */
final class SnsTransport implements Transport {
    /** An SNS subject: ASCII, no line breaks, at most 100 characters. */
    private static final int SUBJECT_MAX = 100;
    private static final int MESSAGE_MAX = 200_000;

    record Settings(String topicArn, String region, URI endpoint, String accessKeyId, String secretAccessKey,
                    String profile) {
    }

    private final Settings s;
    private final SnsClient client;

    SnsTransport(Settings settings, Duration timeout) {
        this.s = settings;
        AwsCredentialsProvider credentials;
        if (settings.accessKeyId() != null) {
            credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
        } else if (settings.profile() != null) {
            credentials = ProfileCredentialsProvider.create(settings.profile());
        } else {
            credentials = DefaultCredentialsProvider.builder().build();
        }
        var builder = SnsClient.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(timeout).socketTimeout(timeout).build())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()).apiCallTimeout(timeout.multipliedBy(2)));
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        this.client = builder.build();
    }

    /** The region of an SNS topic ARN: {@code arn:aws:sns:REGION:ACCOUNT:NAME}. */
    static String regionOf(String arn) {
        return arn.split(":")[3];
    }

    @Override
    public Attempt attempt(Item item) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        String subject;
        String message;
        String group;
        String dedup;
        if (item.isAlert()) {
            Alert a = item.alert();
            subject = EmailTransport.alertSubject(a);
            message = EmailTransport.alertBody(a);
            attribute(attributes, "severity", String.valueOf(a.getSeverity()));
            attribute(attributes, "alertId", a.getAlertId());
            attribute(attributes, "ruleId", a.getRuleId());
            group = a.getContainerId();
            dedup = a.getAlertId();
        } else {
            IncidentNotification n = item.notification();
            subject = IncidentText.subject(n);
            message = IncidentText.body(n);
            attribute(attributes, "severity", String.valueOf(n.getIncident().getSeverity()));
            attribute(attributes, "incidentId", n.getIncidentId());
            attribute(attributes, "kind", n.getKind());
            group = n.getIncidentId();
            dedup = n.getNotificationId();
        }
        PublishRequest.Builder request = PublishRequest.builder()
                .topicArn(s.topicArn())
                .subject(snsSubject(subject))
                .message(AlertText.truncate(message, MESSAGE_MAX))
                .messageAttributes(attributes);
        if (s.topicArn().endsWith(".fifo")) {
            request.messageGroupId(AlertText.truncate(group == null ? "driftwatch" : group, 128))
                    .messageDeduplicationId(sha256(dedup));
        }
        try {
            PublishResponse response = client.publish(request.build());
            return Attempt.delivered(response.messageId(), "published to " + s.topicArn());
        } catch (SnsException e) {
            String detail = "SNS " + e.statusCode() + " " + (e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode())
                    + ": " + (e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage());
            return e.isThrottlingException() || e.statusCode() >= 500 || e.statusCode() == 408
                    ? Attempt.retry(detail, 0) : Attempt.refused(detail);
        } catch (SdkClientException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("Unable to load credentials")) {
                return Attempt.refused("SNS: no AWS credentials: " + e.getMessage()); // a retry would not find any either
            }
            return Attempt.retry("SNS " + s.region() + ": " + e.getMessage(), 0);
        }
    }

    private static void attribute(Map<String, MessageAttributeValue> attributes, String name, String value) {
        if (value != null && !value.isBlank()) {
            attributes.put(name, MessageAttributeValue.builder().dataType("String").stringValue(value).build());
        }
    }

    /** Printable ASCII only (others become '?'), one line, at most 100 characters. */
    static String snsSubject(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7f ? c : c == '\t' || c == '\n' || c == '\r' ? ' ' : '?');
        }
        String t = out.toString().strip();
        return t.length() > SUBJECT_MAX ? t.substring(0, SUBJECT_MAX - 3) + "..." : t.isEmpty() ? "Driftwatch" : t;
    }

    private static String sha256(String text) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
