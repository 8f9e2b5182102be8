package io.driftwatch.notify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentNotification;
import java.time.Instant;
import java.util.Map;

/**
 * Slack incoming webhooks (and the Slack-compatible ones of Mattermost, Rocket.Chat, ...): a
 * {@code text} for notifications and clients without blocks, and Block Kit {@code blocks}: a header
 * (severity and rule), the message, the where/who/what fields, and MITRE ids with the alert id.
 */
final class SlackFormat implements PayloadFormat {
    /** Slack's limits: header text 150 characters, section text 3000, a field 2000, ten fields. */
    private static final int HEADER_MAX = 150;
    private static final int SECTION_MAX = 3000;
    private static final int FIELD_MAX = 2000;

    private final String channel;
    private final String username;
    private final String iconEmoji;

    SlackFormat(String channel, String username, String iconEmoji) {
        this.channel = channel;
        this.username = username;
        this.iconEmoji = iconEmoji;
    }

    @Override
    public Payload build(Alert a) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode root = json.objectNode();
        root.put("text", AlertText.truncate("[" + a.getSeverity() + "] " + AlertText.summary(a), SECTION_MAX));
        if (channel != null) {
            root.put("channel", channel);
        }
        if (username != null) {
            root.put("username", username);
        }
        if (iconEmoji != null) {
            root.put("icon_emoji", iconEmoji);
        }
        ArrayNode blocks = root.putArray("blocks");

        ObjectNode header = blocks.addObject().put("type", "header");
        header.putObject("text").put("type", "plain_text").put("text", AlertText.truncate(a.getSeverity() + " \u00b7 "
                + a.getRuleId() + (a.getRuleName() == null ? "" : " \u00b7 " + a.getRuleName()), HEADER_MAX));

        ObjectNode message = blocks.addObject().put("type", "section");
        message.putObject("text").put("type", "mrkdwn").put("text", AlertText.truncate(escape(AlertText.what(a)), SECTION_MAX));

        ObjectNode details = blocks.addObject().put("type", "section");
        ArrayNode fields = details.putArray("fields");
        field(fields, "Container", a.getContainerName() == null ? a.getContainerId()
                : a.getContainerName() + " (" + AlertText.shortId(a.getContainerId()) + ")");
        field(fields, "Pod", a.getPodName());
        field(fields, "Namespace", a.getNamespace());
        field(fields, "Image", a.getImage());
        field(fields, "Node", a.getNode());
        field(fields, "Users", a.getUsers().isEmpty() ? "none (the workload itself)" : String.join(", ", a.getUsers()));
        field(fields, "Path", a.getPath());
        field(fields, "Process", a.getProcessName());

        String context = (a.getMitre().isEmpty() ? "" : "MITRE ATT&CK " + String.join(", ", a.getMitre()) + " \u00b7 ")
                + "alert " + a.getAlertId() + " \u00b7 " + Instant.ofEpochMilli(a.getTimestamp())
                + (a.getCount() > 1 ? " \u00b7 " + a.getCount() + " firings" : "");
        ObjectNode footer = blocks.addObject().put("type", "context");
        footer.putArray("elements").addObject().put("type", "mrkdwn").put("text", AlertText.truncate(escape(context), SECTION_MAX));
        return new Payload("POST", Map.of(), root.toString());
    }

    /** A plan notification: the subject as header, the app's text, the incident's details as fields (all escaped). */
    @Override
    public Payload build(IncidentNotification n) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode root = json.objectNode();
        root.put("text", AlertText.truncate(escape(IncidentText.subject(n)), SECTION_MAX));
        if (channel != null) {
            root.put("channel", channel);
        }
        if (username != null) {
            root.put("username", username);
        }
        if (iconEmoji != null) {
            root.put("icon_emoji", iconEmoji);
        }
        ArrayNode blocks = root.putArray("blocks");
        ObjectNode header = blocks.addObject().put("type", "header");
        header.putObject("text").put("type", "plain_text").put("text", AlertText.truncate(IncidentText.subject(n), HEADER_MAX));
        if (n.getText() != null && !n.getText().isBlank()) {
            ObjectNode message = blocks.addObject().put("type", "section");
            message.putObject("text").put("type", "mrkdwn").put("text", AlertText.truncate(escape(n.getText()), SECTION_MAX));
        }
        ArrayNode fields = blocks.addObject().put("type", "section").putArray("fields");
        int count = 0;
        for (Map.Entry<String, String> d : IncidentText.details(n).entrySet()) {
            if (count++ < 10) { // Slack takes ten fields
                field(fields, d.getKey(), d.getValue());
            }
        }
        return new Payload("POST", Map.of(), root.toString());
    }

    private static void field(ArrayNode fields, String label, String value) {
        if (value != null && !value.isBlank()) {
            fields.addObject().put("type", "mrkdwn").put("text", AlertText.truncate("*" + label + "*\n" + escape(value), FIELD_MAX));
        }
    }

    /** Slack's mrkdwn needs only these three escaped. */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
