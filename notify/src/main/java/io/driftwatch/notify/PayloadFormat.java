package io.driftwatch.notify;

import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentNotification;
import java.util.Map;

/** Turns an alert, or an incident notification of the response plan, into the HTTP request one kind of endpoint expects. */
interface PayloadFormat {
    /** Method, extra headers and body of one request. */
    record Payload(String method, Map<String, String> headers, String body) {
    }

    Payload build(Alert alert);

    Payload build(IncidentNotification notification);
}
