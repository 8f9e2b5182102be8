package io.driftwatch.cli;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ResponseCommand;
import java.time.Instant;

/** Alerts and commands as one readable line each, for people watching a terminal. */
final class AlertPrinter {
    private AlertPrinter() {
    }

    static String alert(Alert a) {
        String where = (a.getNamespace() == null ? "?" : a.getNamespace()) + "/" + (a.getPodName() == null ? a.getContainerId()
                : a.getPodName()) + (a.getImage() == null ? "" : " (" + a.getImage() + ")");
        String who = a.getUsers().isEmpty() ? "workload" : "user " + String.join(",", a.getUsers());
        return String.format("ALERT   %-8s %-14s %s%n        %s | %s | %s %s | MITRE %s | %s",
                a.getSeverity(), a.getRuleId(), a.getMessage() == null ? a.getRuleName() : a.getMessage(),
                where, who, a.getProcessName() == null ? "?" : a.getProcessName(), a.getPath(),
                String.join(",", a.getMitre()), Instant.ofEpochMilli(a.getTimestamp()));
    }

    static String command(ResponseCommand c) {
        return String.format("COMMAND %-17s node %s, container %s (%s/%s), for alert %s",
                c.getAction(), c.getNode(), c.getContainerId(), c.getNamespace(), c.getPodName(), c.getAlertId());
    }
}
