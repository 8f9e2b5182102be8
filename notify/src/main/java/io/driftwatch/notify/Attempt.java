package io.driftwatch.notify;

import java.util.List;
import io.driftwatch.model.PlanRecipient;

/**
 * What one attempt of a transport came to: delivered (with what the channel answered: a Jira key, an SNS MessageId,
 * an SMTP Message-ID), or not, and then whether another attempt may help (connection errors, timeouts, 408, 429, 5xx,
 * SMTP 4xx) or the answer is final (a refusal, bad credentials, a 4xx).
 *
 * @param recipients who it reached, when the channel knows (an e-mail's plan recipients); null: the notification's
 */
record Attempt(boolean delivered, boolean retryable, String detail, String reference, long retryAfterMs,
               List<io.driftwatch.model.PlanRecipient> recipients) {
    static Attempt delivered(String reference, String detail) {
        return new Attempt(true, false, detail, reference, 0, null);
    }

    static Attempt delivered(String reference, String detail, List<PlanRecipient> recipients) {
        return new Attempt(true, false, detail, reference, 0, recipients);
    }

    static Attempt retry(String detail, long retryAfterMs) {
        return new Attempt(false, true, detail, null, retryAfterMs, null);
    }

    static Attempt refused(String detail) {
        return new Attempt(false, false, detail, null, 0, null);
    }
}
