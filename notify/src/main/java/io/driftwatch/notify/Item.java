package io.driftwatch.notify;

import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.PlanRecipient;
import java.util.List;

/**
 * What a notifier's queue holds: an alert (from the alerts topic) or an incident notification of the response plan
 * (from driftwatch.incident-notifications), exactly one of them.
 */
public record Item(Alert alert, IncidentNotification notification) {
    public Item {
        if ((alert == null) == (notification == null)) {
            throw new IllegalArgumentException("an item is an alert or a notification");
        }
    }

    public static Item of(Alert alert) {
        return new Item(alert, null);
    }

    public static Item of(IncidentNotification notification) {
        return new Item(null, notification);
    }

    public boolean isAlert() {
        return alert != null;
    }

    /** The de-duplication key within one notifier (so for a notification: notificationId + this channel). */
    String key() {
        return alert != null ? "a:" + alert.getAlertId() : "n:" + notification.getNotificationId();
    }

    /** For logs: {@code alert ID (RULE)} or {@code notification ID}. */
    String describe() {
        return alert != null ? "alert " + alert.getAlertId() + " (" + alert.getRuleId() + ")"
                : "notification " + notification.getNotificationId();
    }

    List<PlanRecipient> recipients() {
        return notification == null ? List.of() : notification.getRecipients();
    }
}
