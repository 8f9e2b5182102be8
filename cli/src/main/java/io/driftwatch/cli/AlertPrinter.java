package io.driftwatch.cli;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ResponseCommand;
import java.time.Instant;

/**
 * Alerts and commands as one readable line each, for people watching a terminal. Paths, process names, pods and
 * messages come from events an attacker may have shaped: every value is escaped ({@link ResultPrinter#escape}).
 */
final class AlertPrinter {
    private AlertPrinter() {
    }

    static String alert(Alert a) {
        String where = t(a.getNamespace()) + "/" + t(a.getPodName() == null ? a.getContainerId() : a.getPodName())
                + (a.getImage() == null ? "" : " (" + t(a.getImage()) + ")");
        String who = a.getUsers().isEmpty() ? "workload" : "user " + t(String.join(",", a.getUsers()));
        return String.format("ALERT   %-8s %-14s %s%n        %s | %s | %s %s | MITRE %s | %s",
                a.getSeverity(), t(a.getRuleId()), t(a.getMessage() == null ? a.getRuleName() : a.getMessage()),
                where, who, t(a.getProcessName()), t(a.getPath()), t(String.join(",", a.getMitre())),
                Instant.ofEpochMilli(a.getTimestamp()));
    }

    static String command(ResponseCommand c) {
        return String.format("COMMAND %-17s node %s, container %s (%s/%s), for alert %s",
                c.getAction(), t(c.getNode()), t(c.getContainerId()), t(c.getNamespace()), t(c.getPodName()),
                t(c.getAlertId()));
    }

    private static String t(String value) {
        return value == null ? "?" : ResultPrinter.escape(value);
    }
}
