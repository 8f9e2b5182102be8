package io.driftwatch.notify;

import io.driftwatch.model.Alert;

/** The words every notifier uses about an alert. */
final class AlertText {
    private AlertText() {
    }

    /** What happened: the alert's message, else the rule's name, else its id. */
    static String what(Alert a) {
        if (a.getMessage() != null && !a.getMessage().isBlank()) {
            return a.getMessage();
        }
        return a.getRuleName() != null ? a.getRuleName() : a.getRuleId();
    }

    /** Where: namespace/pod (or the container id) and the node. */
    static String where(Alert a) {
        String workload = a.getPodName() != null
                ? (a.getNamespace() == null ? "" : a.getNamespace() + "/") + a.getPodName()
                : a.getContainerName() != null ? a.getContainerName() + " (" + shortId(a.getContainerId()) + ")"
                : "container " + shortId(a.getContainerId());
        return workload + (a.getNode() == null ? "" : " on " + a.getNode());
    }

    /** One line: {@code DW-FIM-001 System binary /usr/bin/dpkg written by cp, payments/ledger-1 on node-a}. */
    static String summary(Alert a) {
        return a.getRuleId() + " " + what(a) + ", " + where(a);
    }

    static String shortId(String id) {
        return id == null ? "?" : id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** At most {@code max} UTF-16 units, ending with an ellipsis when cut, never in the middle of a surrogate pair. */
    static String truncate(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        int end = max - 1;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "\u2026";
    }
}
