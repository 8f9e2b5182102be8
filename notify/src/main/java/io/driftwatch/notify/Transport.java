package io.driftwatch.notify;

/**
 * How a notifier's items leave the process, one attempt at a time: HTTP (Slack, PagerDuty, webhooks, Teams, Jira),
 * SMTP (e-mail) or the AWS SDK (SNS). The {@link Notifier} around it does the queueing, retries with backoff,
 * de-duplication and reporting; a transport only tries once. An exception counts as a retryable failure
 * (a connection error or a timeout).
 */
interface Transport extends AutoCloseable {
    Attempt attempt(Item item) throws Exception;

    @Override
    default void close() {
    }
}
