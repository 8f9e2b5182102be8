package io.driftwatch.app.incidents;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What the incident sub-topology did with its inputs, across its tasks and threads. */
public final class IncidentCounters {
    private final LongAdder opened = new LongAdder();
    private final LongAdder alertsFolded = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder unknownIncident = new LongAdder();
    private final LongAdder refusedTransitions = new LongAdder();
    private final LongAdder statusChanges = new LongAdder();
    private final LongAdder autoContained = new LongAdder();
    private final LongAdder waitingForAlert = new LongAdder();
    private final LongAdder expiredWaiting = new LongAdder();
    private final LongAdder responsesDropped = new LongAdder();
    private final LongAdder joinExpired = new LongAdder();
    private final LongAdder planNotifications = new LongAdder();
    private final LongAdder planCommands = new LongAdder();
    private final LongAdder planUpdates = new LongAdder();
    private final LongAdder planRefused = new LongAdder();
    private final LongAdder planDeliveries = new LongAdder();

    void opened() {
        opened.increment();
    }

    void alertFolded() {
        alertsFolded.increment();
    }

    void duplicate() {
        duplicates.increment();
    }

    void malformed() {
        malformed.increment();
    }

    void unknownIncident() {
        unknownIncident.increment();
    }

    void refusedTransition() {
        refusedTransitions.increment();
    }

    void statusChanged() {
        statusChanges.increment();
    }

    void autoContained() {
        autoContained.increment();
    }

    void waitingForAlert() {
        waitingForAlert.increment();
    }

    void expiredWaiting() {
        expiredWaiting.increment();
    }

    void responseDropped() {
        responsesDropped.increment();
    }

    void joinExpired() {
        joinExpired.increment();
    }

    void planCommand() {
        planCommands.increment();
    }

    /** Commands the plan issued for automated steps the response policy had not carried out. */
    public long planCommandCount() {
        return planCommands.sum();
    }

    void planNotification() {
        planNotifications.increment();
    }

    void planUpdate() {
        planUpdates.increment();
    }

    void planRefused() {
        planRefused.increment();
    }

    void planDelivery() {
        planDeliveries.increment();
    }

    /** Notifications the response plan sent (OPENED, ESCALATION, REMINDER, OVERDUE, STATUS_CHANGED). */
    public long planNotificationCount() {
        return planNotifications.sum();
    }

    /** Playbook steps and obligations changed by a person (PlanUpdate inputs applied). */
    public long planUpdateCount() {
        return planUpdates.sum();
    }

    /** PlanUpdate inputs refused: no plan on the incident, an unknown step or obligation, a status it does not take. */
    public long planRefusedCount() {
        return planRefused.sum();
    }

    /** Delivery reports of the notifier recorded on incidents. */
    public long planDeliveryCount() {
        return planDeliveries.sum();
    }

    /** Incidents started. */
    public long openedCount() {
        return opened.sum();
    }

    /** Alerts folded into an incident (new or existing). */
    public long alertsFoldedCount() {
        return alertsFolded.sum();
    }

    /** Inputs seen before (an alert, command, result or capture already on its incident): nothing changed. */
    public long duplicateCount() {
        return duplicates.sum();
    }

    /** Inputs that are not as IncidentInput documents them (none or several of its parts, required fields missing). */
    public long malformedCount() {
        return malformed.sum();
    }

    /** Status changes for an incident id this task does not have. */
    public long unknownIncidentCount() {
        return unknownIncident.sum();
    }

    /** Status changes the lifecycle refused (the incident had moved on since the change was checked). */
    public long refusedTransitionCount() {
        return refusedTransitions.sum();
    }

    /** Status changes applied, by people and by the app. */
    public long statusChangeCount() {
        return statusChanges.sum();
    }

    /** Incidents moved to CONTAINED by a containing response that was done. */
    public long autoContainedCount() {
        return autoContained.sum();
    }

    /** Commands and captures that came before their alert and waited for it. */
    public long waitingForAlertCount() {
        return waitingForAlert.sum();
    }

    /** Of those, the ones whose alert never came within the wait. */
    public long expiredWaitingCount() {
        return expiredWaiting.sum();
    }

    /** Commands not kept on an incident that already had its maximum of responses. */
    public long responsesDroppedCount() {
        return responsesDropped.sum();
    }

    /** Commands whose result, and results whose command, did not come within the wait. */
    public long joinExpiredCount() {
        return joinExpired.sum();
    }

    /** Every counter by name. */
    public Map<String, Long> asMap() {
        Map<String, Long> all = new LinkedHashMap<>();
        all.put("incidents.opened", openedCount());
        all.put("incidents.alerts-folded", alertsFoldedCount());
        all.put("incidents.status-changes", statusChangeCount());
        all.put("incidents.auto-contained", autoContainedCount());
        all.put("incidents.inputs.duplicate", duplicateCount());
        all.put("incidents.inputs.malformed", malformedCount());
        all.put("incidents.inputs.unknown-incident", unknownIncidentCount());
        all.put("incidents.inputs.refused-transition", refusedTransitionCount());
        all.put("incidents.inputs.waiting-for-alert", waitingForAlertCount());
        all.put("incidents.inputs.expired-waiting", expiredWaitingCount());
        all.put("incidents.responses-dropped", responsesDroppedCount());
        all.put("incidents.join.expired", joinExpiredCount());
        all.put("incidents.plan.notifications", planNotificationCount());
        all.put("incidents.plan.commands", planCommandCount());
        all.put("incidents.plan.updates", planUpdateCount());
        all.put("incidents.plan.refused", planRefusedCount());
        all.put("incidents.plan.deliveries", planDeliveryCount());
        return all;
    }
}
