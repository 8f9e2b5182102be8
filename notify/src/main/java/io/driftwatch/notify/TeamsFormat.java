package io.driftwatch.notify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentNotification;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Microsoft Teams: a message with one Adaptive Card (version 1.4) attachment, what both a Workflows webhook ("Post to
 * a channel when a webhook request is received") and a classic Incoming Webhook accept: a bold title, the text, and
 * a FactSet of the details. Teams renders a subset of Markdown in TextBlocks and facts, so every value from an event
 * has its Markdown and HTML characters backslash-escaped: it shows as the text it is and never becomes a link,
 * emphasis, a mention or a tag.
 */
final class TeamsFormat implements PayloadFormat {
    private static final int TEXT_MAX = 4000;
    private static final String MARKUP = "\\`*_{}[]()<>#+-.!|~&@=";

    @Override
    public Payload build(Alert a) {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("Severity", String.valueOf(a.getSeverity()));
        facts.put("Rule", a.getRuleId() + (a.getRuleName() == null ? "" : " (" + a.getRuleName() + ")"));
        facts.put("Pod", a.getPodName());
        facts.put("Namespace", a.getNamespace());
        facts.put("Container", a.getContainerName() == null ? a.getContainerId() : a.getContainerName());
        facts.put("Image", a.getImage());
        facts.put("Node", a.getNode());
        facts.put("Users", String.join(", ", a.getUsers()));
        facts.put("Path", a.getPath());
        facts.put("Process", a.getProcessName());
        facts.put("MITRE ATT&CK", String.join(", ", a.getMitre()));
        facts.put("Alert", a.getAlertId() + " at " + Instant.ofEpochMilli(a.getTimestamp()));
        return card("[" + a.getSeverity() + "] " + a.getRuleId(), AlertText.what(a), facts);
    }

    @Override
    public Payload build(IncidentNotification n) {
        return card(IncidentText.subject(n), n.getText(), IncidentText.details(n));
    }

    private static Payload card(String title, String text, Map<String, String> facts) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode root = json.objectNode().put("type", "message");
        ObjectNode attachment = root.putArray("attachments").addObject()
                .put("contentType", "application/vnd.microsoft.card.adaptive");
        attachment.putNull("contentUrl");
        ObjectNode card = attachment.putObject("content");
        card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
        card.put("type", "AdaptiveCard");
        card.put("version", "1.4");
        ArrayNode body = card.putArray("body");
        body.addObject().put("type", "TextBlock").put("size", "Medium").put("weight", "Bolder").put("wrap", true)
                .put("text", escape(AlertText.truncate(title, 300)));
        if (text != null && !text.isBlank()) {
            body.addObject().put("type", "TextBlock").put("wrap", true).put("text", escape(AlertText.truncate(text, TEXT_MAX)));
        }
        ArrayNode factList = body.addObject().put("type", "FactSet").putArray("facts");
        facts.forEach((k, v) -> {
            if (v != null && !v.isBlank()) {
                factList.addObject().put("title", escape(k)).put("value", escape(AlertText.truncate(v, TEXT_MAX)));
            }
        });
        return new Payload("POST", Map.of(), root.toString());
    }

    /** Every Markdown and HTML character preceded by a backslash; line breaks kept as text breaks. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (MARKUP.indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
