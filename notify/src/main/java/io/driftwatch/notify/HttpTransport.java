package io.driftwatch.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** One POST or PUT per attempt, with the JDK's HTTP client: Slack, PagerDuty, webhooks and Teams. */
final class HttpTransport implements Transport {
    static final int BODY_IN_LOG = 500;

    private final URI url;
    private final Duration timeout;
    private final PayloadFormat format;
    private final HttpClient client;

    HttpTransport(URI url, Duration timeout, PayloadFormat format) {
        this.url = url;
        this.timeout = timeout;
        this.format = format;
        this.client = client(timeout);
    }

    static HttpClient client(Duration timeout) {
        return HttpClient.newBuilder()
                .connectTimeout(timeout)
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public Attempt attempt(Item item) throws IOException, InterruptedException {
        HttpRequest request;
        try {
            PayloadFormat.Payload payload = item.isAlert() ? format.build(item.alert()) : format.build(item.notification());
            HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "Driftwatch-notify");
            payload.headers().forEach(builder::setHeader);
            request = builder.method(payload.method(), HttpRequest.BodyPublishers.ofString(payload.body())).build();
        } catch (RuntimeException e) {
            return Attempt.refused("cannot build the request: " + e);
        }
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        return answer(response, url.getHost());
    }

    /** 2xx delivered; 408, 429 and 5xx retried (Retry-After honoured); anything else final. */
    static Attempt answer(HttpResponse<String> response, String host) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return Attempt.delivered(null, "HTTP " + status);
        }
        String detail = "HTTP " + status + " from " + host + bodyForLog(response.body());
        if (status == 408 || status == 429 || status >= 500) {
            return Attempt.retry(detail, retryAfter(response));
        }
        return Attempt.refused(detail);
    }

    static long retryAfter(HttpResponse<?> response) {
        Optional<String> value = response.headers().firstValue("Retry-After");
        if (value.isPresent()) {
            try {
                return Math.max(0, Long.parseLong(value.get().trim())) * 1000;
            } catch (NumberFormatException ignored) {
                // an HTTP date: the exponential backoff stands
            }
        }
        return 0;
    }

    static String bodyForLog(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String oneLine = body.strip().replaceAll("\\s+", " ");
        return ": " + (oneLine.length() > BODY_IN_LOG ? oneLine.substring(0, BODY_IN_LOG) + "..." : oneLine);
    }
}
