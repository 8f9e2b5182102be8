package io.driftwatch.notify;

import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentNotification;
import java.util.LinkedHashMap;
import java.util.Map;

/** Any HTTP endpoint: POST or PUT, headers, and a JSON body from a template in the notifiers file. */
final class WebhookFormat implements PayloadFormat {
    private final String method;
    private final Map<String, TextTemplate> headers;
    private final JsonTemplate body;

    WebhookFormat(String method, Map<String, TextTemplate> headers, JsonTemplate body) {
        this.method = method;
        this.headers = Map.copyOf(headers);
        this.body = body;
    }

    @Override
    public Payload build(Alert alert) {
        AlertView view = new AlertView(alert);
        Map<String, String> values = new LinkedHashMap<>();
        headers.forEach((name, value) -> values.put(name, value.render(view).replaceAll("\\p{Cntrl}+", " ")));
        // (a newline from an alert must not end the header)
        return new Payload(method, values, body.render(view).toString());
    }

    /**
     * A plan notification: the notification itself as JSON (the same field names as the topic's JSON, the incident
     * inside), whatever the body template says; headers without alert placeholders (an Authorization header) kept.
     */
    @Override
    public Payload build(IncidentNotification notification) {
        Map<String, String> values = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (value.isConstant()) {
                values.put(name, value.render(null));
            }
        });
        return new Payload(method, values, io.driftwatch.schemas.json.JsonRecords.write(notification));
    }
}
