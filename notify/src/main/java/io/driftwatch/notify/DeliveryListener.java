package io.driftwatch.notify;

import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.PlanRecipient;
import java.util.List;

/** Told once per notification and channel when the attempt ended: delivered, failed or dropped. */
@FunctionalInterface
public interface DeliveryListener {
    DeliveryListener NONE = (n, c, o, d, r, p) -> { };

    /**
     * @param outcome    delivered, failed or dropped
     * @param detail     the error, or what the channel said (may be null)
     * @param reference  Jira issue key, SNS MessageId, SMTP Message-ID (may be null)
     * @param recipients who it was meant for on this channel
     */
    void outcome(IncidentNotification notification, String channel, String outcome, String detail, String reference,
                 List<PlanRecipient> recipients);
}
