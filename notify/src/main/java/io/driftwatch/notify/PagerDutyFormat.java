package io.driftwatch.notify;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.Severity;
import java.time.Instant;
import java.util.Map;

/**
 * PagerDuty Events API v2, a {@code trigger} per alert with {@code dedup_key} = alertId, so the
 * same alert delivered twice (a redelivery after a restart) stays one incident.
 */
final class PagerDutyFormat implements PayloadFormat {
    static final int SUMMARY_MAX = 1024;

    private final String routingKey;

    PagerDutyFormat(String routingKey) {
        this.routingKey = routingKey;
    }

    /** PagerDuty knows critical, error, warning and info. */
    static String severity(Severity severity) {
        return switch (severity) {
            case CRITICAL -> "critical";
            case HIGH -> "error";
            case MEDIUM -> "warning";
            case LOW, INFO -> "info";
        };
    }

    @Override
    public Payload build(Alert a) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("routing_key", routingKey);
        root.put("event_action", "trigger");
        root.put("dedup_key", a.getAlertId());
        root.put("client", "Driftwatch");
        ObjectNode payload = root.putObject("payload");
        payload.put("summary", AlertText.truncate(AlertText.summary(a), SUMMARY_MAX));
        payload.put("source", a.getNode() != null ? a.getNode() : a.getContainerId());
        payload.put("severity", severity(a.getSeverity()));
        payload.put("timestamp", Instant.ofEpochMilli(a.getTimestamp()).toString());
        String component = a.getContainerName() != null ? a.getContainerName() : a.getPodName();
        if (component != null) {
            payload.put("component", component);
        }
        if (a.getNamespace() != null) {
            payload.put("group", a.getNamespace());
        }
        payload.put("class", a.getRuleId());
        payload.set("custom_details", new AlertView(a).json());
        return new Payload("POST", Map.of(), root.toString());
    }

    /**
     * A plan notification: {@code dedup_key} = incidentId, so every notification of one incident lands on one
     * PagerDuty incident; {@code resolve} once the incident is closed (RESOLVED or FALSE_POSITIVE).
     */
    @Override
    public Payload build(IncidentNotification n) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("routing_key", routingKey);
        root.put("event_action", IncidentText.closed(n) ? "resolve" : "trigger");
        root.put("dedup_key", n.getIncidentId());
        root.put("client", "Driftwatch");
        ObjectNode payload = root.putObject("payload");
        payload.put("summary", AlertText.truncate(IncidentText.subject(n), SUMMARY_MAX));
        payload.put("source", n.getIncident().getNode() != null ? n.getIncident().getNode() : n.getGroupKey());
        payload.put("severity", severity(n.getIncident().getSeverity()));
        payload.put("timestamp", Instant.ofEpochMilli(n.getAt()).toString());
        if (n.getIncident().getNamespace() != null) {
            payload.put("group", n.getIncident().getNamespace());
        }
        payload.put("class", n.getKind());
        ObjectNode details = payload.putObject("custom_details");
        IncidentText.details(n).forEach(details::put);
        return new Payload("POST", Map.of(), root.toString());
    }
}
