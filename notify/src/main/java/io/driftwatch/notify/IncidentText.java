package io.driftwatch.notify;

import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.IncidentPlan;
import io.driftwatch.model.PlanRecipient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The words every channel uses about an incident notification, as plain text: the app's subject and text, then the
 * incident's details as label/value pairs. Every value may come from an event; each channel escapes them for its own
 * markup (or, for e-mail, SNS and Jira's plain fields, sends them as text).
 */
final class IncidentText {
    private IncidentText() {
    }

    /** The subject on one line (a newline from an event must not end a mail header). */
    static String subject(IncidentNotification n) {
        String s = n.getSubject() == null || n.getSubject().isBlank()
                ? "[" + n.getIncident().getSeverity() + "] " + n.getKind() + " incident " + n.getIncidentId()
                : n.getSubject();
        return s.replaceAll("\\p{Cntrl}+", " ").strip();
    }

    /** Label to value, in order; empty values left out. */
    static Map<String, String> details(IncidentNotification n) {
        Incident i = n.getIncident();
        IncidentPlan plan = i.getPlan();
        Map<String, String> d = new LinkedHashMap<>();
        d.put("Incident", n.getIncidentId());
        d.put("Notification", n.getKind() + (n.getTier() == null ? "" : " (escalation tier " + n.getTier() + ")"));
        if (n.getTier() != null) {
            d.put("Escalation tier", String.valueOf(n.getTier()));
        }
        d.put("Severity", String.valueOf(i.getSeverity()));
        d.put("Status", String.valueOf(i.getStatus()));
        if (plan != null) {
            d.put("Class", plan.getClassName() + (plan.getClassTitle() == null ? "" : " (" + plan.getClassTitle() + ")"));
            d.put("Lead", plan.getLead() == null ? null : plan.getLead() + (plan.getLeadRecipients().isEmpty() ? ""
                    : " (" + people(plan.getLeadRecipients()) + ")"));
        }
        d.put("Title", i.getTitle());
        d.put("Pod", i.getPodName());
        d.put("Namespace", i.getNamespace());
        d.put("Container", i.getContainerName() == null ? i.getContainerId()
                : i.getContainerName() + (i.getContainerId() == null ? "" : " (" + AlertText.shortId(i.getContainerId()) + ")"));
        d.put("Image", i.getImage());
        d.put("Node", i.getNode());
        d.put("Rules", String.join(", ", i.getRuleIds()));
        d.put("MITRE ATT&CK", String.join(", ", i.getMitre()));
        d.put("Alerts", String.valueOf(i.getAlertCount()));
        d.put("First seen", Instant.ofEpochMilli(i.getFirstSeen()).toString());
        d.put("Recipients", people(n.getRecipients()));
        d.values().removeIf(v -> v == null || v.isBlank());
        return d;
    }

    /** {@code Alice Ng <alice@example.com>, Bob Ode} */
    static String people(List<PlanRecipient> recipients) {
        return recipients.stream().map(r -> (r.getName() != null ? r.getName() : r.getContact())
                + (r.getEmail() == null ? "" : " <" + r.getEmail() + ">")).collect(Collectors.joining(", "));
    }

    /** The whole plain-text body: the app's text, a blank line, then {@code Label: value} lines. */
    static String body(IncidentNotification n) {
        StringBuilder b = new StringBuilder();
        if (n.getText() != null && !n.getText().isBlank()) {
            b.append(n.getText().strip()).append("\n\n");
        }
        details(n).forEach((k, v) -> b.append(k).append(": ").append(v.replaceAll("[\\r\\n]+", " ")).append('\n'));
        return b.toString();
    }

    /** The incident's status ends it (RESOLVED or FALSE_POSITIVE). */
    static boolean closed(IncidentNotification n) {
        String s = String.valueOf(n.getIncident().getStatus());
        return s.equals("RESOLVED") || s.equals("FALSE_POSITIVE");
    }

    static List<String> lines(IncidentNotification n) {
        List<String> out = new ArrayList<>();
        details(n).forEach((k, v) -> out.add(k + ": " + v));
        return out;
    }
}
