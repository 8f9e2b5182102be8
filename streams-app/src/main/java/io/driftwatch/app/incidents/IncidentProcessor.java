package io.driftwatch.app.incidents;

import io.driftwatch.model.Alert;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.PlanDelivery;
import io.driftwatch.model.PlanUpdate;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds the incident inputs of a group key into incidents and sends every changed incident on, keyed by its id.
 *
 * <ul>
 * <li>An alert joins its group's latest incident when {@link IncidentFold#joins} says so, else starts a new one
 * (which becomes the group's latest unless it lies before it in event time). An alert seen before changes nothing.
 * <li>A command (with its result, once there is one) goes to the incident of its alert; a capture to the incident of
 * its alert. One that comes before its alert (the alert takes another path to this topic) waits for it, up to
 * {@code driftwatch.incidents.response.wait.ms}.
 * <li>A status change applies when the lifecycle allows it from the incident's status now; otherwise it is ignored,
 * logged and counted. So is one for an incident this task does not have.
 * <li>A containing response that was done moves an OPEN or ACKNOWLEDGED incident to CONTAINED (when
 * {@code driftwatch.incidents.auto.contain} is on), as user {@code driftwatch} at the result's finishedAt.
 * <li>With a response plan ({@link IncidentPlans}, see {@link PlanFold}): a new incident gets its plan, timers in
 * {@code incident-plan-timers} fire escalations, reminders and deadlines on a wall-clock punctuation, a person's first
 * status change acknowledges (stops the escalation), plan updates tick steps and settle obligations, delivery reports
 * are recorded; notifications go to {@code incident-notifications} from this same task, so the timer, the incident and
 * the notification commit together (exactly-once).
 * </ul>
 *
 * Without a plan nothing here reads a clock: times come from the records. With one, the plan's times are the app's
 * wall clock ({@code context.currentSystemTimeMs()}).
 */
final class IncidentProcessor implements Processor<String, IncidentInput, String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(IncidentProcessor.class);
    private static final String SEPARATOR = "\u0000";
    private static final StringSerializer KEYS = new StringSerializer();
    /** Timers applied per punctuation at most; the rest wait for the next tick. */
    static final int MAX_TIMERS_PER_TICK = 10_000;

    private final IncidentSettings settings;
    private final IncidentCounters counters;
    private final IncidentFold fold;
    private final PlanFold planFold;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, String> timers;
    private KeyValueStore<String, Incident> incidents;
    private KeyValueStore<String, String> groups;
    private KeyValueStore<String, String> byAlert;
    private KeyValueStore<String, IncidentInput> waiting;
    private KeyValueStore<String, String> waitingExpiry;
    private String forgottenBelow;

    IncidentProcessor(IncidentSettings settings, IncidentCounters counters, IncidentPlans plans) {
        this(settings, counters, plans, null);
    }

    /** {@code commandsChild}: where the commands of automated steps go (null: the plan does not issue them). */
    IncidentProcessor(IncidentSettings settings, IncidentCounters counters, IncidentPlans plans, String commandsChild) {
        this.commandsChild = commandsChild;
        this.settings = settings;
        this.counters = counters;
        this.fold = new IncidentFold(settings, AttackTactics.builtIn());
        this.planFold = plans == null ? null : new PlanFold(plans);
        this.tick = plans == null ? null : plans.tick();
    }

    private final java.time.Duration tick;
    private final String commandsChild;

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.incidents = context.getStateStore(IncidentTopology.INCIDENTS_STORE);
        this.groups = context.getStateStore(IncidentTopology.GROUPS_STORE);
        this.byAlert = context.getStateStore(IncidentTopology.ALERTS_STORE);
        this.waiting = context.getStateStore(IncidentTopology.WAITING_STORE);
        this.waitingExpiry = context.getStateStore(IncidentTopology.WAITING_EXPIRY_STORE);
        context.schedule(IncidentTopology.expiryInterval(settings), PunctuationType.STREAM_TIME, this::forgetOldWaiting);
        if (planFold != null) {
            this.timers = context.getStateStore(IncidentTopology.PLAN_TIMERS_STORE);
            context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::fireDue);
        }
    }

    @Override
    public void process(Record<String, IncidentInput> record) {
        // What an earlier input left when it failed half-way (an error handler that continues) is not this one's.
        effects = new PlanFold.Effects();
        IncidentInput input = record.value();
        String malformed = malformed(input);
        if (malformed != null) {
            counters.malformed();
            LOG.warn("incidents: ignored an input under key {}: {}", record.key(), malformed);
            return;
        }
        if (input.getAlert() != null) {
            alert(input.getAlert(), record.timestamp());
        } else if (input.getCommand() != null) {
            response(input, record.timestamp());
        } else if (input.getStatusChange() != null) {
            statusChange(input.getIncidentId(), input.getStatusChange(), record.timestamp());
        } else if (input.getPlanUpdate() != null) {
            planUpdate(input.getIncidentId(), input.getPlanUpdate(), record.timestamp());
        } else if (input.getDelivery() != null) {
            delivery(input.getIncidentId(), input.getDelivery(), record.timestamp());
        } else {
            capture(input, record.timestamp());
        }
    }

    /** Why {@code input} is not as IncidentInput documents it, or null when it is. */
    static String malformed(IncidentInput input) {
        if (input == null) {
            return "no value";
        }
        if (input.getResult() != null && input.getCommand() == null) {
            return "a result without its command";
        }
        int withId = (input.getStatusChange() != null ? 1 : 0) + (input.getPlanUpdate() != null ? 1 : 0)
                + (input.getDelivery() != null ? 1 : 0);
        int parts = (input.getAlert() != null ? 1 : 0) + (input.getCommand() != null ? 1 : 0)
                + (withId > 0 ? withId : input.getIncidentId() != null ? 1 : 0)
                + (input.getCaptureId() != null || input.getCaptureAlertId() != null ? 1 : 0);
        if (parts != 1) {
            return "expected exactly one of alert, command, statusChange, planUpdate or delivery (with incidentId) or "
                    + "captureId (with captureAlertId), found " + parts;
        }
        if (input.getAlert() != null) {
            return blank(input.getAlert().getAlertId()) ? "an alert without an alertId" : null;
        }
        if (input.getCommand() != null) {
            if (blank(input.getCommand().getCommandId())) {
                return "a command without a commandId";
            }
            ResponseResult result = input.getResult();
            return result == null || input.getCommand().getCommandId().equals(result.getCommandId()) ? null
                    : "a result for command " + result.getCommandId() + " with command " + input.getCommand().getCommandId();
        }
        if (input.getPlanUpdate() != null) {
            PlanUpdate update = input.getPlanUpdate();
            if (blank(input.getIncidentId())) {
                return "a plan update needs incidentId";
            }
            if (!"step".equals(update.getTarget()) && !"obligation".equals(update.getTarget())) {
                return "a plan update targets a step or an obligation, not '" + update.getTarget() + "'";
            }
            if (blank(update.getId()) || blank(update.getStatus())) {
                return "a plan update needs the id of its " + update.getTarget() + " and a status";
            }
            return blank(update.getUser()) ? "a plan update without the user who made it" : null;
        }
        if (input.getDelivery() != null) {
            PlanDelivery delivery = input.getDelivery();
            if (blank(input.getIncidentId())) {
                return "a delivery report needs incidentId";
            }
            return blank(delivery.getNotificationId()) || blank(delivery.getChannel()) || blank(delivery.getOutcome())
                    ? "a delivery report needs notificationId, channel and outcome" : null;
        }
        if (input.getIncidentId() != null || input.getStatusChange() != null) {
            if (blank(input.getIncidentId()) || input.getStatusChange() == null) {
                return "a status change needs both incidentId and statusChange";
            }
            return blank(input.getStatusChange().getUser()) ? "a status change without the user who made it" : null;
        }
        return blank(input.getCaptureId()) || blank(input.getCaptureAlertId())
                ? "a capture needs both captureId and captureAlertId" : null;
    }

    private void alert(Alert alert, long timestamp) {
        String alertId = alert.getAlertId();
        if (byAlert.get(alertId) != null) {
            counters.duplicate();
            return;
        }
        String groupKey = IncidentUpdates.groupKey(alert.getNamespace(), alert.getPodName(), alert.getContainerId());
        String latestId = groups.get(groupKey);
        Incident latest = latestId == null ? null : incidents.get(latestId);
        Incident incident;
        if (latest != null && fold.joins(latest, alert)) {
            fold.addAlert(latest, alert);
            incident = latest;
        } else {
            incident = fold.open(groupKey, alert);
            counters.opened();
            if (planFold != null) {
                planFold.open(incident, alert, context.currentSystemTimeMs(), effects);
            }
            // An alert from long before the group's latest incident (a partition that lagged) starts an incident of
            // its own but does not take the group's place: later alerts still meet the latest one.
            if (latest == null || IncidentLifecycle.closed(latest.getStatus())
                    || incident.getLastSeen() >= latest.getLastSeen()) {
                groups.put(groupKey, incident.getIncidentId());
            }
        }
        counters.alertFolded();
        byAlert.put(alertId, incident.getIncidentId());
        applyWaiting(alertId, incident, timestamp);
        save(incident, timestamp);
    }

    /** What the plan asked for while the current input was applied; applied and cleared by {@link #save}. */
    private PlanFold.Effects effects = new PlanFold.Effects();

    /** Applies the commands and captures that came before alert {@code alertId}. */
    private void applyWaiting(String alertId, Incident incident, long timestamp) {
        List<KeyValue<String, IncidentInput>> early = new ArrayList<>();
        try (KeyValueIterator<String, IncidentInput> entries = waiting.prefixScan(alertId + SEPARATOR, KEYS)) {
            entries.forEachRemaining(early::add);
        }
        for (KeyValue<String, IncidentInput> entry : early) {
            waiting.delete(entry.key);
            IncidentInput input = entry.value;
            if (input.getCommand() != null) {
                applyResponse(incident, input.getCommand(), input.getResult());
            } else if (input.getCaptureId() != null) {
                fold.addCapture(incident, input.getCaptureId(), timestamp);
            }
        }
    }

    private void response(IncidentInput input, long timestamp) {
        ResponseCommand command = input.getCommand();
        String alertId = command.getAlertId();
        String incidentId;
        if (blank(alertId)) {
            // No alert to follow: the group's latest incident, while it is not closed.
            String groupKey = IncidentUpdates.groupKey(command.getNamespace(), command.getPodName(),
                    command.getContainerId());
            incidentId = groups.get(groupKey);
            Incident latest = incidentId == null ? null : incidents.get(incidentId);
            if (latest == null || IncidentLifecycle.closed(latest.getStatus())) {
                counters.unknownIncident();
                LOG.debug("incidents: command {} names no alert and group {} has no open incident",
                        command.getCommandId(), groupKey);
                return;
            }
        } else {
            incidentId = byAlert.get(alertId);
            if (incidentId == null) {
                await(alertId, "command", command.getCommandId(), input, timestamp);
                return;
            }
        }
        Incident incident = incidents.get(incidentId);
        if (incident == null) {
            counters.unknownIncident();
            LOG.warn("incidents: command {} belongs to incident {}, which this task does not have", command.getCommandId(),
                    incidentId);
            return;
        }
        if (applyResponse(incident, command, input.getResult())) {
            save(incident, timestamp);
        }
    }

    /** Attaches a command or its result; true when the incident changed. */
    private boolean applyResponse(Incident incident, ResponseCommand command, ResponseResult result) {
        IncidentFold.Attached attached = fold.attach(incident, command, result);
        if (attached == IncidentFold.Attached.UNCHANGED) {
            counters.duplicate();
            return false;
        }
        boolean changed = attached != IncidentFold.Attached.DROPPED;
        if (!changed) {
            counters.responseDropped();
        }
        if (result == null) {
            return changed;
        }
        changed |= fold.addEvidence(incident, result);
        if (planFold != null) {
            changed |= planFold.result(incident, command, result);
        }
        if (settings.autoContain() && IncidentFold.contains(result)
                && IncidentLifecycle.allows(incident.getStatus(), IncidentStatus.CONTAINED)
                && incident.getStatus() != IncidentStatus.CONTAINED) {
            IncidentStatusChange contained = IncidentStatusChange.newBuilder()
                    .setStatus(IncidentStatus.CONTAINED)
                    .setUser(IncidentUpdates.APP_USER)
                    .setAt(result.getFinishedAt())
                    .setNote(result.getAction() + " done" + (result.getNode() == null ? "" : " on " + result.getNode())
                            + " (command " + command.getCommandId() + ")")
                    .build();
            IncidentFold.changeStatus(incident, contained);
            if (planFold != null) {
                planFold.statusChanged(incident, contained, effects);
            }
            counters.autoContained();
            counters.statusChanged();
            changed = true;
        }
        return changed;
    }

    private void capture(IncidentInput input, long timestamp) {
        String incidentId = byAlert.get(input.getCaptureAlertId());
        if (incidentId == null) {
            await(input.getCaptureAlertId(), "capture", input.getCaptureId(), input, timestamp);
            return;
        }
        Incident incident = incidents.get(incidentId);
        if (incident == null) {
            counters.unknownIncident();
            LOG.warn("incidents: capture {} belongs to incident {}, which this task does not have", input.getCaptureId(),
                    incidentId);
            return;
        }
        if (fold.addCapture(incident, input.getCaptureId(), timestamp)) {
            save(incident, timestamp);
        } else {
            counters.duplicate();
        }
    }

    private void statusChange(String incidentId, IncidentStatusChange change, long timestamp) {
        Incident incident = incidents.get(incidentId);
        if (incident == null) {
            counters.unknownIncident();
            LOG.warn("incidents: ignored a change to {} by {}: no incident {} here (was it produced under its group key?)",
                    change.getStatus(), change.getUser(), incidentId);
            return;
        }
        if (planFold != null && PlanFold.acknowledgesOnly(incident, change.getStatus())) {
            planFold.acknowledgeOnly(incident, change, effects);
            counters.statusChanged();
            save(incident, timestamp);
            return;
        }
        try {
            IncidentLifecycle.check(incident.getStatus(), change.getStatus());
        } catch (IllegalArgumentException refused) {
            counters.refusedTransition();
            LOG.warn("incidents: ignored a change of {} by {}: {}", incidentId, change.getUser(), refused.getMessage());
            return;
        }
        IncidentFold.changeStatus(incident, change);
        counters.statusChanged();
        if (planFold != null) {
            planFold.statusChanged(incident, change, effects);
        }
        if (change.getStatus() == IncidentStatus.OPEN) {
            reopened(incident);
        }
        save(incident, timestamp);
    }

    private void planUpdate(String incidentId, PlanUpdate update, long timestamp) {
        Incident incident = incidents.get(incidentId);
        if (incident == null) {
            counters.unknownIncident();
            LOG.warn("incidents: ignored a plan update of {} {} by {}: no incident {} here", update.getTarget(),
                    update.getId(), update.getUser(), incidentId);
            return;
        }
        if (planFold == null) {
            counters.planRefused();
            LOG.warn("incidents: ignored a plan update of {}: no response plan runs (driftwatch.plan.file)", incidentId);
            return;
        }
        String refused = planFold.update(incident, update, effects);
        if (refused != null) {
            counters.planRefused();
            LOG.warn("incidents: ignored a plan update of {} by {}: {}", incidentId, update.getUser(), refused);
            effects = new PlanFold.Effects();
            return;
        }
        counters.planUpdate();
        IncidentFold.touch(incident, update.getAt());
        save(incident, timestamp);
    }

    private void delivery(String incidentId, PlanDelivery delivery, long timestamp) {
        Incident incident = incidents.get(incidentId);
        if (incident == null) {
            counters.unknownIncident();
            LOG.debug("incidents: a delivery report for {}, which this task does not have", incidentId);
            return;
        }
        if (planFold == null || !planFold.delivery(incident, delivery)) {
            counters.duplicate();
            return;
        }
        counters.planDelivery();
        save(incident, timestamp);
    }

    /**
     * The wall-clock punctuation: every timer due by {@code now} is taken from the timers store and applied to its
     * incident (each incident saved once), in the same commit as the notifications it sends.
     */
    private void fireDue(long now) {
        Map<String, List<KeyValue<String, String>>> byIncident = new LinkedHashMap<>();
        try (KeyValueIterator<String, String> due = timers.range(IncidentTopology.timeKey(0, ""),
                IncidentTopology.timeKey(now + 1, ""))) {
            int n = 0;
            while (due.hasNext() && n++ < MAX_TIMERS_PER_TICK) {
                KeyValue<String, String> timer = due.next();
                String incidentId = timer.value.split("/", 2)[0];
                byIncident.computeIfAbsent(incidentId, k -> new ArrayList<>()).add(timer);
            }
        }
        for (Map.Entry<String, List<KeyValue<String, String>>> entry : byIncident.entrySet()) {
            effects = new PlanFold.Effects();
            Incident incident = incidents.get(entry.getKey());
            boolean changed = false;
            for (KeyValue<String, String> timer : entry.getValue()) {
                timers.delete(timer.key);
                if (incident != null) {
                    changed |= planFold.due(incident, timer.value, now, effects);
                }
            }
            if (changed) {
                IncidentFold.touch(incident, now);
                save(incident, now);
            } else {
                effects = new PlanFold.Effects();
            }
        }
    }

    /**
     * A reopened incident becomes its group's latest again (new alerts within the window join it) unless the group
     * has started another incident that is still open since.
     */
    private void reopened(Incident incident) {
        String latestId = groups.get(incident.getGroupKey());
        Incident latest = latestId == null || latestId.equals(incident.getIncidentId()) ? null : incidents.get(latestId);
        if (latest == null || IncidentLifecycle.closed(latest.getStatus())) {
            groups.put(incident.getGroupKey(), incident.getIncidentId());
        }
    }

    /** Keeps an input that came before its alert until the alert comes (or the wait is over). */
    private void await(String alertId, String kind, String id, IncidentInput input, long timestamp) {
        String key = alertId + SEPARATOR + kind + SEPARATOR + id;
        IncidentInput earlier = waiting.get(key);
        if (earlier == null) {
            waitingExpiry.put(IncidentTopology.timeKey(timestamp, key), key);
            counters.waitingForAlert();
        } else if (earlier.equals(input) || (earlier.getResult() != null && input.getResult() == null)) {
            counters.duplicate();
            return;
        }
        waiting.put(key, input);
    }

    private void save(Incident incident, long timestamp) {
        PlanFold.Effects fx = effects;
        effects = new PlanFold.Effects();
        for (PlanFold.Timer timer : fx.cancel) {
            timers.delete(timer.key());
        }
        for (PlanFold.Timer timer : fx.schedule) {
            timers.put(timer.key(), timer.id());
        }
        incidents.put(incident.getIncidentId(), incident);
        context.forward(new Record<>(incident.getIncidentId(), (Object) incident, timestamp), IncidentTopology.TO_INCIDENTS);
        for (PlanFold.Pending pending : fx.send) {
            IncidentNotification notification = PlanFold.notification(pending, incident);
            counters.planNotification();
            context.forward(new Record<>(incident.getIncidentId(), (Object) notification, timestamp),
                    IncidentTopology.TO_NOTIFICATIONS);
        }
        for (ResponseCommand command : fx.commands) {
            if (commandsChild == null) {
                continue;
            }
            counters.planCommand();
            LOG.info("incidents: the plan of {} issues {} (command {}) to node {}", incident.getIncidentId(),
                    command.getAction(), command.getCommandId(), command.getNode());
            context.forward(new Record<>(command.getNode(), (Object) command, timestamp), commandsChild);
        }
    }

    /** Forgets the inputs that waited longer than the wait for their alert (stream time). */
    private void forgetOldWaiting(long streamTime) {
        long cutoff = streamTime - settings.responseWait().toMillis();
        if (cutoff <= 0) {
            return;
        }
        String below = IncidentTopology.timeKey(cutoff, "");
        List<KeyValue<String, String>> old = new ArrayList<>();
        try (KeyValueIterator<String, String> entries = waitingExpiry.range(forgottenBelow, below)) {
            entries.forEachRemaining(old::add);
        }
        for (KeyValue<String, String> entry : old) {
            if (waiting.delete(entry.value) != null) {
                counters.expiredWaiting();
                LOG.info("incidents: forgot a {} that waited {} for alert {}, which never came",
                        entry.value.split(SEPARATOR, 3)[1], settings.responseWait(), entry.value.split(SEPARATOR, 3)[0]);
            }
            waitingExpiry.delete(entry.key);
        }
        forgottenBelow = below;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
