package io.driftwatch.app.incidents;

import io.driftwatch.model.Alert;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.IncidentPlan;
import io.driftwatch.model.IncidentResponse;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.PlanDelivery;
import io.driftwatch.model.PlanEscalation;
import io.driftwatch.model.PlanNotice;
import io.driftwatch.model.PlanObligation;
import io.driftwatch.model.PlanRecipient;
import io.driftwatch.model.PlanUpdate;
import io.driftwatch.model.PlaybookStep;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.rules.plan.EscalationTier;
import io.driftwatch.rules.plan.IncidentClass;
import io.driftwatch.rules.plan.IncidentFacts;
import io.driftwatch.rules.plan.Obligation;
import io.driftwatch.rules.plan.ResponsePlan;
import io.driftwatch.rules.plan.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the response plan changes an incident: pure functions on the record (no store; the time is passed in), like
 * {@link IncidentFold}. Each method changes the incident it is given and says in {@link Effects} which timers to add
 * or drop and which notifications to send; the processor applies those in the same task (exactly-once: the timers
 * store, the incident and the notifications commit together).
 *
 * <p>Notification ids: {@code incidentId/OPENED}, {@code incidentId/ESCALATION/<tier>},
 * {@code incidentId/REMINDER/<obligationId>/<n>} (n from 1), {@code incidentId/OVERDUE/<obligationId>},
 * {@code incidentId/STATUS_CHANGED/<status>/<at>}. A timer is the notification id it will send, under
 * {@link IncidentTopology#timeKey}(dueAt, id).
 */
final class PlanFold {
    static final String OPENED = "OPENED";
    static final String ESCALATION = "ESCALATION";
    static final String REMINDER = "REMINDER";
    static final String OVERDUE = "OVERDUE";
    static final String STATUS_CHANGED = "STATUS_CHANGED";
    /** The step timer: {@code incidentId/STEPS/<round>}; issues the automated steps still pending (not a notification). */
    static final String STEPS = "STEPS";
    /** The start of the note of a step whose command the plan issued. */
    static final String REQUESTED = "requested by the plan (command ";
    /** How long a command the plan issues is valid, as the policy's (OutputCollector.COMMAND_VALIDITY_MILLIS). */
    static final long COMMAND_VALIDITY_MILLIS = 10 * 60_000L;
    /** Actions that stop or cut off a container: never on the host, never in a protected namespace, bounded by the mode. */
    static final Set<ResponseAction> DISRUPTIVE = java.util.EnumSet.of(ResponseAction.PAUSE_CONTAINER,
            ResponseAction.ISOLATE_NETWORK, ResponseAction.KILL_CONTAINER, ResponseAction.RESUME_CONTAINER);
    /** Actions that destroy what an investigator needs, or stop the workload: evidence first. */
    static final Set<ResponseAction> CONTAINING = java.util.EnumSet.of(ResponseAction.PAUSE_CONTAINER,
            ResponseAction.ISOLATE_NETWORK, ResponseAction.KILL_CONTAINER);
    static final String SENT = "sent";
    static final Set<String> STEP_STATUSES = Set.of("pending", "done", "failed", "skipped");
    static final Set<String> OBLIGATION_STATUSES = Set.of("open", "met", "waived");
    static final Set<String> DELIVERY_OUTCOMES = Set.of("delivered", "failed", "dropped");
    private static final int MAX_SUBJECT = 200;

    /** A timer: at {@code dueAt} (epoch ms, wall clock) send notification {@code id} (if it is still due then). */
    record Timer(long dueAt, String id) {
        String key() {
            return IncidentTopology.timeKey(dueAt, id);
        }
    }

    /** A notification decided; built with the incident as it is once the input is applied. */
    record Pending(String id, String kind, Integer tier, List<String> channels, List<PlanRecipient> recipients,
                   String subject, String text, long at) {
    }

    /** What applying an input or a timer asks of the processor. */
    static final class Effects {
        final List<Timer> schedule = new ArrayList<>();
        final List<Timer> cancel = new ArrayList<>();
        final List<Pending> send = new ArrayList<>();
        /** Commands of automated steps, in playbook order: to response-commands (keyed by node), after the incident. */
        final List<ResponseCommand> commands = new ArrayList<>();

        boolean isEmpty() {
            return schedule.isEmpty() && cancel.isEmpty() && send.isEmpty() && commands.isEmpty();
        }
    }

    private final IncidentPlans plans;

    PlanFold(IncidentPlans plans) {
        this.plans = plans;
    }

    // ---- open ----

    /** The facts the plan's classes and obligations match: the incident's, with the catalogue tags of its rules and the alert's own tags. */
    IncidentFacts facts(Incident incident, Alert alert) {
        Set<String> tags = new TreeSet<>(plans.tagsOf(incident.getRuleIds()));
        if (alert != null) {
            tags.addAll(alert.getTags());
        }
        return new IncidentFacts(incident.getRuleIds(), tags, incident.getTactics(), incident.getMitre(),
                incident.getSeverity(), incident.getNamespace());
    }

    /**
     * Applies the running plan to a new incident (none running: nothing, the plan stays null): class, lead, playbook,
     * escalation tiers and obligations from {@code now} (the app's wall clock at open); sends OPENED, and fires the
     * tiers already due (after 0).
     */
    void open(Incident incident, Alert alert, long now, Effects fx) {
        ResponsePlan plan = plans.current();
        if (plan == null) {
            return;
        }
        IncidentFacts facts = facts(incident, alert);
        IncidentClass c = plan.classify(facts);
        List<PlaybookStep> steps = new ArrayList<>();
        for (Step step : c.playbook()) {
            steps.add(PlaybookStep.newBuilder().setId(step.id()).setTitle(step.title())
                    .setKind(step.automated() ? "automated" : "manual").setAction(step.action()).setStatus("pending")
                    .build());
        }
        List<PlanEscalation> tiers = new ArrayList<>();
        for (EscalationTier tier : c.escalation()) {
            long after = tier.after().toMillis();
            tiers.add(PlanEscalation.newBuilder().setTier(tier.tier()).setAfterMs(after).setDueAt(now + after)
                    .setNotify(tier.contacts()).setChannels(tier.channels()).build());
        }
        List<PlanObligation> obligations = new ArrayList<>();
        for (Obligation o : plan.obligationsFor(c, facts)) {
            long due = now + o.due().toMillis();
            TreeSet<Long> reminders = new TreeSet<>();
            for (Duration before : o.remindBefore()) {
                long at = due - before.toMillis();
                if (at > now) {
                    reminders.add(at);
                }
            }
            obligations.add(PlanObligation.newBuilder().setId(o.id()).setTitle(o.title()).setDueAt(due)
                    .setRemindAt(List.copyOf(reminders)).setRemindersSent(0).setStatus("open").build());
        }
        List<String> lead = c.lead() == null ? List.of() : List.of(c.lead());
        incident.setPlan(IncidentPlan.newBuilder()
                .setPlanName(plan.name())
                .setPlanVersion(plan.version())
                .setClassName(c.name())
                .setClassTitle(c.title())
                .setLead(c.lead())
                .setLeadRecipients(plan.resolve(lead, now))
                .setChannels(c.channels())
                .setStartedAt(now)
                .setSteps(steps)
                .setEscalations(tiers)
                .setObligations(obligations)
                .setNotices(List.of())
                .build());
        send(incident, OPENED, null, id(incident, OPENED), c.channels(), incident.getPlan().getLeadRecipients(),
                "opened, class " + c.name() + (c.title() == null ? "" : " (" + c.title() + ")"), now, fx);
        for (PlanEscalation tier : tiers) {
            if (tier.getDueAt() <= now) {
                fireTier(incident, tier.getTier(), now, fx);
            } else {
                fx.schedule.add(new Timer(tier.getDueAt(), id(incident, ESCALATION, tier.getTier())));
            }
        }
        for (PlanObligation o : obligations) {
            scheduleObligation(incident, o, fx);
        }
        if (plans.steps().issue() && steps.stream().anyMatch(step -> step.getAction() != null)) {
            fx.schedule.add(new Timer(now + plans.steps().grace().toMillis(), id(incident, STEPS, 1)));
        }
    }

    private void scheduleObligation(Incident incident, PlanObligation o, Effects fx) {
        List<Long> remindAt = o.getRemindAt();
        for (int i = o.getRemindersSent(); i < remindAt.size(); i++) {
            fx.schedule.add(new Timer(remindAt.get(i), id(incident, REMINDER, o.getId() + "/" + (i + 1))));
        }
        fx.schedule.add(new Timer(o.getDueAt(), id(incident, OVERDUE, o.getId())));
    }

    private void cancelObligation(Incident incident, PlanObligation o, Effects fx) {
        List<Long> remindAt = o.getRemindAt();
        for (int i = 0; i < remindAt.size(); i++) {
            fx.cancel.add(new Timer(remindAt.get(i), id(incident, REMINDER, o.getId() + "/" + (i + 1))));
        }
        fx.cancel.add(new Timer(o.getDueAt(), id(incident, OVERDUE, o.getId())));
    }

    // ---- timers ----

    /**
     * A timer came due: sends what it names when it still applies (a tier: not acknowledged, not closed, not fired or
     * stopped; a reminder or the deadline: the obligation still open). True when the incident changed.
     */
    boolean due(Incident incident, String notificationId, long now, Effects fx) {
        IncidentPlan plan = incident.getPlan();
        if (plan == null) {
            return false;
        }
        String[] parts = notificationId.split("/", 3);
        if (parts.length < 3) {
            return false;
        }
        switch (parts[1]) {
            case ESCALATION -> {
                int tier;
                try {
                    tier = Integer.parseInt(parts[2]);
                } catch (NumberFormatException e) {
                    return false;
                }
                PlanEscalation e = tier(plan, tier);
                if (e == null || e.getFiredAt() != null || e.getStoppedAt() != null) {
                    return false;
                }
                if (plan.getAcknowledgedAt() != null || IncidentLifecycle.closed(incident.getStatus())) {
                    // Stopping normally happens when the ack or the close is applied; this covers an input that
                    // stopped nothing (e.g. an incident of an older release).
                    e.setStoppedAt(now);
                    e.setStoppedBy(plan.getAcknowledgedBy() != null ? plan.getAcknowledgedBy() : IncidentUpdates.APP_USER);
                    return true;
                }
                fireTier(incident, tier, now, fx);
                return true;
            }
            case REMINDER -> {
                int slash = parts[2].lastIndexOf('/');
                if (slash < 0) {
                    return false;
                }
                PlanObligation o = obligation(plan, parts[2].substring(0, slash));
                int n;
                try {
                    n = Integer.parseInt(parts[2].substring(slash + 1));
                } catch (NumberFormatException ex) {
                    return false;
                }
                if (o == null || !"open".equals(o.getStatus()) || o.getRemindersSent() >= n) {
                    return false;
                }
                o.setRemindersSent(n);
                Obligation defined = definedObligation(o.getId());
                long left = o.getDueAt() - now;
                send(incident, REMINDER, null, notificationId, obligationChannels(incident, defined),
                        obligationRecipients(incident, defined, now),
                        "reminder " + n + ": " + o.getTitle() + " is due in " + human(left) + " ("
                                + Instant.ofEpochMilli(o.getDueAt()) + ")", now, fx);
                return true;
            }
            case STEPS -> {
                return steps(incident, now, fx);
            }
            case OVERDUE -> {
                PlanObligation o = obligation(plan, parts[2]);
                if (o == null || !"open".equals(o.getStatus())) {
                    return false;
                }
                o.setStatus("overdue");
                o.setAt(now);
                o.setBy(IncidentUpdates.APP_USER);
                Obligation defined = definedObligation(o.getId());
                send(incident, OVERDUE, null, notificationId, obligationChannels(incident, defined),
                        obligationRecipients(incident, defined, now),
                        "overdue: " + o.getTitle() + " was due " + Instant.ofEpochMilli(o.getDueAt()), now, fx);
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private void fireTier(Incident incident, int tier, long now, Effects fx) {
        PlanEscalation e = tier(incident.getPlan(), tier);
        e.setFiredAt(now);
        ResponsePlan plan = plans.current();
        List<PlanRecipient> recipients = plan == null ? contactsOnly(e.getNotify()) : plan.resolve(e.getNotify(), now);
        if (recipients.isEmpty()) {
            recipients = contactsOnly(e.getNotify());
        }
        send(incident, ESCALATION, tier, id(incident, ESCALATION, tier), e.getChannels(), recipients,
                "escalation tier " + tier + ": not acknowledged " + human(e.getAfterMs()) + " after detection", now, fx);
    }

    // ---- status changes and acknowledgement ----

    /**
     * Whether {@code change} to ACKNOWLEDGED on {@code incident} only acknowledges it: the app already moved it on
     * (auto-contained: CONTAINED) and nobody acknowledged its plan yet. The status stays; the acknowledgement is
     * recorded and stops the escalation.
     */
    static boolean acknowledgesOnly(Incident incident, IncidentStatus to) {
        return to == IncidentStatus.ACKNOWLEDGED && incident != null && incident.getPlan() != null
                && incident.getPlan().getAcknowledgedAt() == null && incident.getStatus() == IncidentStatus.CONTAINED;
    }

    /** Records an acknowledgement without a status change ({@link #acknowledgesOnly}); with a history entry that says so. */
    void acknowledgeOnly(Incident incident, IncidentStatusChange change, Effects fx) {
        String note = "acknowledged; the status stays " + incident.getStatus()
                + (change.getNote() == null ? "" : ": " + change.getNote());
        IncidentFold.changeStatus(incident, IncidentStatusChange.newBuilder().setStatus(incident.getStatus())
                .setUser(change.getUser()).setAt(change.getAt()).setNote(note).build());
        acknowledge(incident, change.getUser(), change.getAt(), fx);
        send(incident, STATUS_CHANGED, null, id(incident, STATUS_CHANGED, "ACKNOWLEDGED/" + change.getAt()),
                incident.getPlan().getChannels(), incident.getPlan().getLeadRecipients(),
                "acknowledged by " + change.getUser() + " (status stays " + incident.getStatus() + ")",
                change.getAt(), fx);
    }

    /**
     * After a status change was applied: a person's first change acknowledges the incident; a close stops every tier
     * still waiting (a false positive also waives the open obligations); STATUS_CHANGED goes to the class channels.
     */
    void statusChanged(Incident incident, IncidentStatusChange change, Effects fx) {
        IncidentPlan plan = incident.getPlan();
        if (plan == null) {
            return;
        }
        if (!IncidentUpdates.APP_USER.equals(change.getUser()) && plan.getAcknowledgedAt() == null) {
            acknowledge(incident, change.getUser(), change.getAt(), fx);
        }
        if (IncidentLifecycle.closed(change.getStatus())) {
            stopTiers(incident, change.getUser(), change.getAt(), fx);
            if (change.getStatus() == IncidentStatus.FALSE_POSITIVE) {
                for (PlanObligation o : plan.getObligations()) {
                    if ("open".equals(o.getStatus())) {
                        o.setStatus("waived");
                        o.setAt(change.getAt());
                        o.setBy(change.getUser());
                        o.setNote("the incident was closed as a false positive");
                        cancelObligation(incident, o, fx);
                    }
                }
            }
        }
        send(incident, STATUS_CHANGED, null, id(incident, STATUS_CHANGED, change.getStatus() + "/" + change.getAt()),
                plan.getChannels(), plan.getLeadRecipients(),
                "status " + change.getStatus() + " by " + change.getUser()
                        + (change.getNote() == null ? "" : ": " + change.getNote()), change.getAt(), fx);
    }

    private void acknowledge(Incident incident, String user, long at, Effects fx) {
        IncidentPlan plan = incident.getPlan();
        plan.setAcknowledgedAt(at);
        plan.setAcknowledgedBy(user);
        stopTiers(incident, user, at, fx);
    }

    private void stopTiers(Incident incident, String user, long at, Effects fx) {
        for (PlanEscalation e : incident.getPlan().getEscalations()) {
            if (e.getFiredAt() == null && e.getStoppedAt() == null) {
                e.setStoppedAt(at);
                e.setStoppedBy(user);
                fx.cancel.add(new Timer(e.getDueAt(), id(incident, ESCALATION, e.getTier())));
            }
        }
    }

    // ---- playbook and obligations ----

    /**
     * The step timer: each automated step still pending, in playbook order, is issued unless the response policy
     * already did (the incident has a response with its action: its result ticks the step) or the plan issued it
     * before; one the safety limits refuse ({@link #refusal}) is skipped with the reason. The commands go out in
     * playbook order in this one punctuation, keyed by node: one partition, read in order by the node's one responder
     * thread, which handles a command to its end before the next, so the snapshot is taken before the containment.
     */
    boolean steps(Incident incident, long now, Effects fx) {
        IncidentPlan plan = incident.getPlan();
        if (plan == null || !plans.steps().issue()) {
            return false;
        }
        boolean closed = IncidentLifecycle.closed(incident.getStatus());
        io.driftwatch.rules.tuning.ResponseModes modes = plans.responseModes();
        boolean evidence = false;
        boolean changed = false;
        for (PlaybookStep step : plan.getSteps()) {
            ResponseAction action = step.getAction();
            if (action == null) {
                continue;
            }
            boolean pending = "pending".equals(step.getStatus());
            IncidentResponse existing = response(incident, action);
            boolean requested = step.getNote() != null && step.getNote().startsWith(REQUESTED);
            if (action == ResponseAction.SNAPSHOT_EVIDENCE && (existing != null || requested
                    || "done".equals(step.getStatus()) || "failed".equals(step.getStatus()))) {
                evidence = true;
            }
            if (!pending || requested) {
                continue;
            }
            if (existing != null) {
                if (step.getNote() == null) {
                    step.setNote("the response policy issued it (command " + existing.getCommandId() + ")");
                    changed = true;
                }
                continue;
            }
            String refused = closed ? "the incident is " + incident.getStatus()
                    : refusal(incident, action, modes);
            if (refused == null && CONTAINING.contains(action) && !evidence) {
                refused = "evidence before containment: no SNAPSHOT_EVIDENCE was taken or requested before this step";
            }
            step.setAt(now);
            step.setBy(IncidentUpdates.APP_USER);
            if (refused != null) {
                step.setStatus("skipped");
                step.setNote(oneLine("not issued by the plan: " + refused, 500));
                changed = true;
                continue;
            }
            ResponseCommand command = command(incident, plan, step, now);
            fx.commands.add(command);
            step.setNote(REQUESTED + command.getCommandId() + ")");
            if (action == ResponseAction.SNAPSHOT_EVIDENCE) {
                evidence = true;
            }
            changed = true;
        }
        return changed;
    }

    /**
     * Why the plan may not issue {@code action} for {@code incident}, or null: the limits the response policy has
     * (respond/policy.drl and OutputCollector). A command needs the node (its key) and, but for NOTIFY, the container;
     * on the node itself (container {@code host}) only NOTIFY and SNAPSHOT_EVIDENCE; pause, isolate, kill and resume
     * never in a protected namespace, and only as far as the namespace's response mode goes (observe: none; contain:
     * pause and resume; isolate: and isolate; kill: all), as the running rule set's tuning says.
     */
    static String refusal(Incident incident, ResponseAction action, io.driftwatch.rules.tuning.ResponseModes modes) {
        String namespace = incident.getNamespace();
        if (incident.getNode() == null || incident.getNode().isBlank()) {
            return "the incident names no node to send " + action + " to";
        }
        String container = incident.getContainerId();
        if ((container == null || container.isBlank()) && action != ResponseAction.NOTIFY) {
            return "the incident names no container for " + action;
        }
        if (io.driftwatch.rules.tuning.ResponseModes.HOST.equals(container) && action != ResponseAction.NOTIFY
                && action != ResponseAction.SNAPSHOT_EVIDENCE) {
            return action + " is never sent for the node itself (container host)";
        }
        if (!DISRUPTIVE.contains(action)) {
            return null;
        }
        if (modes == null) {
            return "no rule set runs, so the response modes are unknown: " + action + " is not sent";
        }
        if (modes.isProtected(namespace)) {
            return "namespace " + namespace + " is protected: only SNAPSHOT_EVIDENCE, LABEL_POD and NOTIFY";
        }
        String mode = modes.modeOf(namespace, container);
        int needed = switch (action) {
            case PAUSE_CONTAINER, RESUME_CONTAINER -> 1;
            case ISOLATE_NETWORK -> 2;
            default -> 3;
        };
        if (io.driftwatch.rules.tuning.ResponseModes.rank(mode) < needed) {
            return "the response mode of namespace " + (namespace == null ? "(none)" : namespace) + " is "
                    + (mode == null ? "not set" : mode) + ": it does not allow " + action;
        }
        return null;
    }

    /** The command of a step: deterministic id, the incident's first alert (so the join brings it back here). */
    static ResponseCommand command(Incident incident, IncidentPlan plan, PlaybookStep step, long now) {
        String commandId = "plan-" + io.driftwatch.rules.Hashes.sha256Hex(32, incident.getIncidentId(), step.getId(),
                step.getAction().name());
        java.util.Map<String, String> parameters = new java.util.LinkedHashMap<>();
        parameters.put("reason", "response plan " + plan.getPlanName() + ", class " + plan.getClassName() + ", step "
                + step.getId());
        parameters.put("plan", plan.getPlanName());
        parameters.put("step", step.getId());
        parameters.put("incident", incident.getIncidentId());
        parameters.put("severity", String.valueOf(incident.getSeverity()));
        return ResponseCommand.newBuilder()
                .setCommandId(commandId)
                .setAlertId(incident.getAlertIds().isEmpty() ? null : incident.getAlertIds().get(0))
                .setAction(step.getAction())
                .setNode(incident.getNode())
                .setContainerId(incident.getContainerId())
                .setPodName(incident.getPodName())
                .setNamespace(incident.getNamespace())
                .setParameters(parameters)
                .setIssuedAt(now)
                .setExpiresAt(now + COMMAND_VALIDITY_MILLIS)
                .setSignature(null)
                .build();
    }

    private static IncidentResponse response(Incident incident, ResponseAction action) {
        for (IncidentResponse response : incident.getResponses()) {
            if (response.getAction() == action) {
                return response;
            }
        }
        return null;
    }

    /** A response result ticks the automated steps of its action: done when it succeeded, failed otherwise. */
    boolean result(Incident incident, ResponseCommand command, ResponseResult result) {
        IncidentPlan plan = incident.getPlan();
        if (plan == null || result == null) {
            return false;
        }
        boolean done = result.getStatus() == ResponseStatus.DONE;
        boolean changed = false;
        for (PlaybookStep step : plan.getSteps()) {
            if (step.getAction() != result.getAction()) {
                continue;
            }
            String to = done ? "done" : "failed";
            // A success settles a step that failed before (the policy retried); a failure never undoes a success.
            if ("done".equals(step.getStatus()) || "skipped".equals(step.getStatus()) || to.equals(step.getStatus())) {
                continue;
            }
            step.setStatus(to);
            step.setAt(result.getFinishedAt());
            step.setBy(IncidentUpdates.APP_USER);
            step.setNote(result.getAction() + " " + result.getStatus() + " (command " + command.getCommandId() + ")"
                    + (result.getDetail() == null ? "" : ": " + result.getDetail()));
            changed = true;
        }
        return changed;
    }

    /** Applies a person's PlanUpdate; null when applied, else why it was refused. */
    String update(Incident incident, PlanUpdate update, Effects fx) {
        IncidentPlan plan = incident.getPlan();
        if (plan == null) {
            return "incident " + incident.getIncidentId() + " has no response plan";
        }
        String status = update.getStatus().trim().toLowerCase(java.util.Locale.ROOT);
        if ("step".equals(update.getTarget())) {
            if (!STEP_STATUSES.contains(status)) {
                return "a step's status is one of " + new TreeSet<>(STEP_STATUSES) + ", not '" + update.getStatus() + "'";
            }
            for (PlaybookStep step : plan.getSteps()) {
                if (step.getId().equals(update.getId())) {
                    step.setStatus(status);
                    step.setAt(update.getAt());
                    step.setBy(update.getUser());
                    step.setNote(update.getNote());
                    return null;
                }
            }
            return "no step '" + update.getId() + "' in the playbook of " + incident.getIncidentId();
        }
        if ("obligation".equals(update.getTarget())) {
            if (!OBLIGATION_STATUSES.contains(status)) {
                return "an obligation's status is one of " + new TreeSet<>(OBLIGATION_STATUSES) + ", not '"
                        + update.getStatus() + "'";
            }
            PlanObligation o = obligation(plan, update.getId());
            if (o == null) {
                return "no obligation '" + update.getId() + "' on " + incident.getIncidentId();
            }
            boolean wasOpen = "open".equals(o.getStatus());
            o.setStatus(status);
            o.setAt(update.getAt());
            o.setBy(update.getUser());
            o.setNote(update.getNote());
            if (wasOpen && !"open".equals(status)) {
                cancelObligation(incident, o, fx);
            } else if (!wasOpen && "open".equals(status)) {
                scheduleObligation(incident, o, fx);
            }
            return null;
        }
        return "a plan update targets a step or an obligation, not '" + update.getTarget() + "'";
    }

    /** Records a notifier's delivery report; false when the incident has it already or has no plan. */
    boolean delivery(Incident incident, PlanDelivery delivery) {
        IncidentPlan plan = incident.getPlan();
        if (plan == null) {
            return false;
        }
        for (PlanNotice known : plan.getNotices()) {
            if (known.getNotificationId().equals(delivery.getNotificationId())
                    && delivery.getChannel().equals(known.getChannel()) && known.getOutcome().equals(delivery.getOutcome())
                    && known.getAt() == delivery.getAt()) {
                return false;
            }
        }
        String[] parts = delivery.getNotificationId().split("/", 3);
        String kind = parts.length >= 2 ? parts[1] : "?";
        Integer tier = null;
        if (ESCALATION.equals(kind) && parts.length == 3) {
            try {
                tier = Integer.parseInt(parts[2]);
            } catch (NumberFormatException e) {
                tier = null;
            }
        }
        notice(incident, PlanNotice.newBuilder().setNotificationId(delivery.getNotificationId()).setKind(kind)
                .setTier(tier).setChannel(delivery.getChannel()).setRecipients(delivery.getRecipients())
                .setAt(delivery.getAt()).setOutcome(delivery.getOutcome()).setDetail(delivery.getDetail())
                .setReference(delivery.getReference()).build());
        return true;
    }

    // ---- notifications ----

    private void send(Incident incident, String kind, Integer tier, String id, List<String> channels,
                      List<PlanRecipient> recipients, String what, long now, Effects fx) {
        String subject = oneLine("[Driftwatch] " + incident.getIncidentId() + " " + what + ": "
                + (incident.getTitle() == null ? "" : incident.getTitle()), MAX_SUBJECT);
        notice(incident, PlanNotice.newBuilder().setNotificationId(id).setKind(kind).setTier(tier).setChannel(null)
                .setRecipients(recipients).setAt(now).setOutcome(SENT).setDetail(oneLine(what, 500)).build());
        fx.send.add(new Pending(id, kind, tier, List.copyOf(channels), List.copyOf(recipients), subject,
                text(incident, what, now), now));
    }

    /** The notification, with the incident as it is now (after the input that decided it). */
    static IncidentNotification notification(Pending pending, Incident incident) {
        return IncidentNotification.newBuilder().setNotificationId(pending.id()).setIncidentId(incident.getIncidentId())
                .setGroupKey(incident.getGroupKey()).setKind(pending.kind()).setTier(pending.tier())
                .setChannels(pending.channels()).setRecipients(pending.recipients()).setSubject(pending.subject())
                .setText(pending.text()).setAt(pending.at()).setIncident(incident).build();
    }

    private void notice(Incident incident, PlanNotice notice) {
        List<PlanNotice> notices = new ArrayList<>(incident.getPlan().getNotices());
        notices.add(notice);
        while (notices.size() > plans.maxNotices()) {
            notices.remove(0);
        }
        incident.getPlan().setNotices(notices);
    }

    /** Plain text for people; every value from events is kept on lines of its own, control characters replaced. */
    private static String text(Incident incident, String what, long now) {
        IncidentPlan plan = incident.getPlan();
        StringBuilder text = new StringBuilder();
        line(text, "Incident " + incident.getIncidentId() + ": " + what);
        line(text, "Title: " + nullToDash(incident.getTitle()));
        line(text, "Severity: " + incident.getSeverity() + "; status: " + incident.getStatus()
                + (plan.getAcknowledgedAt() == null ? "; not acknowledged"
                : "; acknowledged by " + plan.getAcknowledgedBy() + " at " + Instant.ofEpochMilli(plan.getAcknowledgedAt())));
        line(text, "Class: " + plan.getClassName() + (plan.getClassTitle() == null ? "" : " (" + plan.getClassTitle() + ")")
                + "; plan " + plan.getPlanName() + " " + plan.getPlanVersion());
        StringBuilder lead = new StringBuilder("Lead: " + nullToDash(plan.getLead()));
        for (PlanRecipient r : plan.getLeadRecipients()) {
            lead.append(r == plan.getLeadRecipients().get(0) ? " - " : ", ").append(nullToDash(r.getName()));
        }
        line(text, lead.toString());
        line(text, "Where: namespace " + nullToDash(incident.getNamespace()) + ", pod " + nullToDash(incident.getPodName())
                + ", container " + nullToDash(incident.getContainerName()) + " (" + nullToDash(incident.getContainerId())
                + "), image " + nullToDash(incident.getImage()) + ", node " + nullToDash(incident.getNode()));
        line(text, "Rules: " + String.join(", ", incident.getRuleIds()) + "; alerts: " + incident.getAlertCount()
                + "; ATT&CK: " + String.join(", ", incident.getMitre()));
        line(text, "Detected: " + Instant.ofEpochMilli(plan.getStartedAt()) + "; sent: " + Instant.ofEpochMilli(now));
        if (!plan.getSteps().isEmpty()) {
            line(text, "Playbook:");
            for (PlaybookStep step : plan.getSteps()) {
                line(text, "  [" + step.getStatus() + "] " + step.getId() + ": " + step.getTitle());
            }
        }
        for (PlanObligation o : plan.getObligations()) {
            line(text, "Obligation " + o.getId() + " [" + o.getStatus() + "]: " + o.getTitle() + ", due "
                    + Instant.ofEpochMilli(o.getDueAt()));
        }
        return text.toString();
    }

    private static void line(StringBuilder text, String line) {
        text.append(oneLine(line, 2000)).append('\n');
    }

    /** Control characters (line breaks included) become spaces; at most {@code max} characters. */
    static String oneLine(String value, int max) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && out.length() < max; i++) {
            char c = value.charAt(i);
            out.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? ' ' : c);
        }
        return out.toString();
    }

    private static String nullToDash(String value) {
        return value == null || value.isBlank() ? "-" : value;
    }

    /** 90000 → "1m30s"; 0 → "0s". */
    static String human(long millis) {
        if (millis <= 0) {
            return "0s";
        }
        Duration d = Duration.ofMillis(millis);
        StringBuilder out = new StringBuilder();
        if (d.toDays() > 0) {
            out.append(d.toDays()).append('d');
        }
        if (d.toHoursPart() > 0) {
            out.append(d.toHoursPart()).append('h');
        }
        if (d.toMinutesPart() > 0) {
            out.append(d.toMinutesPart()).append('m');
        }
        if (d.toSecondsPart() > 0 || out.length() == 0) {
            out.append(d.toSecondsPart()).append('s');
        }
        return out.toString();
    }

    // ---- lookups ----

    private Obligation definedObligation(String id) {
        ResponsePlan plan = plans.current();
        if (plan == null) {
            return null;
        }
        return plan.obligations().stream().filter(o -> o.id().equals(id)).findFirst().orElse(null);
    }

    private static List<String> obligationChannels(Incident incident, Obligation defined) {
        return defined != null && !defined.channels().isEmpty() ? defined.channels() : incident.getPlan().getChannels();
    }

    private List<PlanRecipient> obligationRecipients(Incident incident, Obligation defined, long now) {
        ResponsePlan plan = plans.current();
        if (defined == null || plan == null || defined.contacts().isEmpty()) {
            return incident.getPlan().getLeadRecipients();
        }
        List<PlanRecipient> resolved = plan.resolve(defined.contacts(), now);
        return resolved.isEmpty() ? contactsOnly(defined.contacts()) : resolved;
    }

    private static List<PlanRecipient> contactsOnly(List<String> contacts) {
        return contacts.stream().map(c -> PlanRecipient.newBuilder().setContact(c).build()).toList();
    }

    static PlanEscalation tier(IncidentPlan plan, int tier) {
        for (PlanEscalation e : plan.getEscalations()) {
            if (e.getTier() == tier) {
                return e;
            }
        }
        return null;
    }

    static PlanObligation obligation(IncidentPlan plan, String id) {
        for (PlanObligation o : plan.getObligations()) {
            if (o.getId().equals(id)) {
                return o;
            }
        }
        return null;
    }

    static String id(Incident incident, String kind) {
        return incident.getIncidentId() + "/" + kind;
    }

    static String id(Incident incident, String kind, Object item) {
        return incident.getIncidentId() + "/" + kind + "/" + item;
    }
}
