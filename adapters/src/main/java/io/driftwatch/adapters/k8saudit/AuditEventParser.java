package io.driftwatch.adapters.k8saudit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Kubernetes audit events ({@code audit.k8s.io/v1}) from one line of JSON, as the API
 * server's backends write them: the log backend writes one {@code Event} per line, the webhook
 * backend posts an {@code EventList} ({@code {"kind":"EventList","items":[...]}}) per batch, which
 * a receiver typically stores as one line. Both are accepted.
 *
 * <p>Only what the exec-session extractor needs is read; unknown fields are ignored. An event needs
 * {@code auditID} and {@code stage}; timestamps, when present, must be RFC 3339. A line that is not
 * JSON, not an object, or of another kind fails as a whole; inside an event list, a bad item is a
 * problem of its own and the good items are still returned.
 */
public final class AuditEventParser {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one line held: the events, and the items of an event list that could not be read. */
    public record Parsed(List<AuditEvent> events, List<String> problems) {
    }

    private AuditEventParser() {
    }

    public static Parsed parse(String line) throws AuditParseException {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new AuditParseException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new AuditParseException("not a JSON object");
        }
        String kind = node.path("kind").textValue();
        boolean list = "EventList".equals(kind) || (kind == null && node.has("items") && !node.has("auditID"));
        if (list) {
            JsonNode items = node.get("items");
            if (items == null || items.isNull()) {
                return new Parsed(List.of(), List.of()); // an empty batch
            }
            if (!items.isArray()) {
                throw new AuditParseException("EventList 'items' is not an array");
            }
            List<AuditEvent> events = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                try {
                    events.add(event(items.get(i)));
                } catch (AuditParseException e) {
                    problems.add("EventList item " + i + ": " + e.getMessage());
                }
            }
            return new Parsed(events, problems);
        }
        if (kind != null && !kind.equals("Event")) {
            throw new AuditParseException("not an audit event (kind '" + kind + "')");
        }
        return new Parsed(List.of(event(node)), List.of());
    }

    /** One {@code Event} object. */
    public static AuditEvent event(JsonNode node) throws AuditParseException {
        if (node == null || !node.isObject()) {
            throw new AuditParseException("an audit event must be a JSON object");
        }
        String auditId = text(node, "auditID");
        if (auditId == null || auditId.isBlank()) {
            throw new AuditParseException("missing 'auditID'");
        }
        String stage = text(node, "stage");
        if (stage == null || stage.isBlank()) {
            throw new AuditParseException("missing 'stage' (audit event " + auditId + ")");
        }
        JsonNode user = node.path("user");
        JsonNode impersonated = node.path("impersonatedUser");
        JsonNode ref = node.path("objectRef");
        JsonNode code = node.path("responseStatus").path("code");
        return new AuditEvent(auditId, stage, text(node, "verb"), text(node, "requestURI"),
                text(user, "username"), strings(user.path("groups")),
                impersonated.isObject() ? text(impersonated, "username") : null,
                impersonated.isObject() ? strings(impersonated.path("groups")) : List.of(),
                strings(node.path("sourceIPs")),
                text(ref, "resource"), text(ref, "subresource"), text(ref, "namespace"), text(ref, "name"),
                code.isIntegralNumber() ? code.intValue() : null,
                time(node, "requestReceivedTimestamp", auditId), time(node, "stageTimestamp", auditId));
    }

    /** RFC 3339 (as the API server writes it, with microseconds) to epoch milliseconds, truncating. */
    public static long epochMillis(String rfc3339) {
        return OffsetDateTime.parse(rfc3339).toInstant().toEpochMilli();
    }

    private static Long time(JsonNode node, String field, String auditId) throws AuditParseException {
        String value = text(node, field);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return epochMillis(value.trim());
        } catch (DateTimeParseException e) {
            throw new AuditParseException("'" + field + "' is not an RFC 3339 time: '" + value + "' (audit event "
                    + auditId + ")", e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    private static List<String> strings(JsonNode array) {
        if (!array.isArray()) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        array.forEach(item -> {
            if (item.isTextual()) {
                values.add(item.textValue());
            }
        });
        return values;
    }
}
