package io.driftwatch.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.Alert;
import io.driftwatch.schemas.json.JsonRecords;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.avro.Schema;

/** An alert as the values of template placeholders ({@code alert}, {@code alert.ruleId}, {@code alert.evidence.sha256}, ...). */
final class AlertView {
    /** Every Alert field, then the derived ones. */
    static final Set<String> FIELDS;
    static final String KNOWN;

    static {
        Set<String> fields = new LinkedHashSet<>();
        for (Schema.Field field : Alert.getClassSchema().getFields()) {
            fields.add(field.name());
        }
        fields.add("time");
        fields.add("summary");
        FIELDS = Set.copyOf(fields);
        KNOWN = "${alert} (the whole alert), ${alert.<field>} with <field> one of " + String.join(", ", fields)
                + "; ${alert.evidence.<key>}; ${env:NAME}; ${file:PATH}";
    }

    private final Alert alert;
    private ObjectNode node;

    AlertView(Alert alert) {
        this.alert = alert;
    }

    static boolean known(String ref) {
        if (ref.equals("alert")) {
            return true;
        }
        if (!ref.startsWith("alert.")) {
            return false;
        }
        String field = ref.substring(6);
        return FIELDS.contains(field) || field.startsWith("evidence.") && field.length() > 9;
    }

    /** The whole alert as plain JSON (the same field names and forms as the alerts topic's JSON). */
    ObjectNode json() {
        if (node == null) {
            node = JsonRecords.toNode(alert);
        }
        return node;
    }

    /** A placeholder's JSON value: text, number, array, object or null. */
    JsonNode value(String ref) {
        if (ref.equals("alert")) {
            return json().deepCopy();
        }
        String field = ref.substring(6);
        switch (field) {
            case "time":
                return JsonNodeFactory.instance.textNode(Instant.ofEpochMilli(alert.getTimestamp()).toString());
            case "summary":
                return JsonNodeFactory.instance.textNode(AlertText.summary(alert));
            default:
                if (field.startsWith("evidence.") && !FIELDS.contains(field)) {
                    String value = alert.getEvidence() == null ? null : alert.getEvidence().get(field.substring(9));
                    return value == null ? JsonNodeFactory.instance.nullNode() : JsonNodeFactory.instance.textNode(value);
                }
                JsonNode value = json().get(field);
                return value == null ? JsonNodeFactory.instance.nullNode() : value.deepCopy();
        }
    }

    /** A placeholder as text inside a longer string: arrays joined with ", ", objects as JSON, null as nothing. */
    String text(String ref) {
        JsonNode value = value(ref);
        if (value.isNull()) {
            return "";
        }
        if (value.isArray()) {
            StringBuilder joined = new StringBuilder();
            for (JsonNode item : value) {
                if (joined.length() > 0) {
                    joined.append(", ");
                }
                joined.append(item.isValueNode() ? item.asText() : item.toString());
            }
            return joined.toString();
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }
}
