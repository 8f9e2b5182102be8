package io.driftwatch.app.incidents;

import static io.driftwatch.app.incidents.IncidentDriver.T0;
import static io.driftwatch.app.incidents.IncidentDriver.alert;
import static io.driftwatch.app.incidents.IncidentDriver.command;
import static io.driftwatch.app.incidents.IncidentDriver.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.IncidentPlan;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.PlanDelivery;
import io.driftwatch.model.PlanEscalation;
import io.driftwatch.model.PlanNotice;
import io.driftwatch.model.PlanObligation;
import io.driftwatch.model.PlanRecipient;
import io.driftwatch.model.PlanUpdate;
import io.driftwatch.model.PlaybookStep;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.model.Severity;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.rules.plan.Contact;
import io.driftwatch.rules.plan.EscalationTier;
import io.driftwatch.rules.plan.IncidentClass;
import io.driftwatch.rules.plan.Match;
import io.driftwatch.rules.plan.Obligation;
import io.driftwatch.rules.plan.ResponsePlan;
import io.driftwatch.rules.plan.Step;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The response plan applied by the fold-incidents processor, on TopologyTestDriver with its wall clock. */
class PlanTopologyTest {
    private static final long SECOND = 1000;
    private static final long HOUR = 3_600_000;

    @TempDir
    Path stateDir;

    /** Built in code, as the plan file of src/response-plan.md would read (the loader is another part's). */
    static ResponsePlan plan(String name, Duration tier2, Duration tier3) {
        Map<String, Contact> contacts = new LinkedHashMap<>();
        contacts.put("alice", new Contact("alice", Contact.Kind.PERSON, "Alice Ng", "alice@example.com", "@alice",
                List.of(), null, null));
        contacts.put("bob", new Contact("bob", Contact.Kind.PERSON, "Bob Ode", "bob@example.com", null, List.of(), null,
                null));
        contacts.put("carol", new Contact("carol", Contact.Kind.PERSON, "Carol Diaz", "ciso@example.com", null, List.of(),
                null, null));
        // T0 lies in bob's week: the rota starts with alice a week before.
        contacts.put("secops-oncall", new Contact("secops-oncall", Contact.Kind.ROTA, null, null, null,
                List.of("alice", "bob"), Instant.ofEpochMilli(T0).minus(Duration.ofDays(7)), Duration.ofDays(7)));
        contacts.put("platform-security", new Contact("platform-security", Contact.Kind.TEAM, "Platform security",
                "platform-sec@example.com", null, List.of("alice"), null, null));
        IncidentClass credentials = new IncidentClass("credential-tampering", "Credentials changed in a container",
                new Match(List.of("DW-FIM-02*"), List.of(), List.of(), List.of(), Severity.MEDIUM, List.of("shop*")),
                "secops-oncall", List.of("security-email", "security-chat"),
                List.of(new Step("preserve", "Snapshot the evidence", ResponseAction.SNAPSHOT_EVIDENCE),
                        new Step("contain", "Pause the container", ResponseAction.PAUSE_CONTAINER),
                        new Step("rotate", "Rotate every credential", null)),
                List.of(new EscalationTier(1, Duration.ZERO, List.of("secops-oncall"), List.of("pager")),
                        new EscalationTier(2, tier2, List.of("platform-security"), List.of("security-email")),
                        new EscalationTier(3, tier3, List.of("carol"), List.of("security-email", "sms"))),
                List.of("breach-72h"));
        IncidentClass ssh = new IncidentClass("ssh-keys", "SSH keys touched",
                new Match(List.of(), List.of("ssh"), List.of(), List.of(), null, List.of()), "bob", List.of("chat"),
                List.of(), List.of(), List.of());
        IncidentClass fallback = new IncidentClass("default", "Other incidents", null, "platform-security",
                List.of("security-chat"), List.of(new Step("triage", "Triage the alerts", null)),
                List.of(new EscalationTier(1, Duration.ofMinutes(30), List.of("platform-security"),
                        List.of("security-email"))), List.of());
        Obligation breach = new Obligation("breach-72h", "Notify the supervisory authority", 
                new Match(List.of(), List.of("personal-data"), List.of(), List.of(), null, List.of()), Duration.ofHours(72),
                List.of(Duration.ofHours(24), Duration.ofHours(4)), List.of("carol"), List.of("security-email"));
        return new ResponsePlan(name, "0123456789ab", "plan.yaml", contacts, List.of(credentials, ssh, fallback),
                List.of(breach), List.of());
    }

    static ResponsePlan plan() {
        return plan("acme-ir", Duration.ofSeconds(6), Duration.ofSeconds(20));
    }

    private IncidentDriver driver(ResponsePlan plan) {
        return driver(new IncidentPlans(() -> plan, () -> null, Duration.ofSeconds(1), 200));
    }

    private IncidentDriver driver(IncidentPlans plans) {
        return new IncidentDriver(stateDir, Map.of(), plans);
    }

    private static Alert credentialAlert(String id, long time) {
        return alert(id, "c1", "shop", "web-1", time, Severity.HIGH, "DW-FIM-020", List.of("T1098"), List.of());
    }

    private static List<String> ids(List<IncidentNotification> notifications) {
        return notifications.stream().map(IncidentNotification::getNotificationId).toList();
    }

    private static Incident last(IncidentDriver d) {
        List<Incident> out = d.drain();
        assertFalse(out.isEmpty(), "an incident came out");
        return out.get(out.size() - 1);
    }

    private static IncidentInput status(String incidentId, IncidentStatus status, String user, long at) {
        return IncidentInput.newBuilder().setIncidentId(incidentId).setStatusChange(IncidentStatusChange.newBuilder()
                .setStatus(status).setUser(user).setAt(at).setNote("because").build()).build();
    }

    private static IncidentInput update(String incidentId, String target, String id, String status, String user, long at) {
        return IncidentInput.newBuilder().setIncidentId(incidentId).setPlanUpdate(PlanUpdate.newBuilder()
                .setTarget(target).setId(id).setStatus(status).setUser(user).setAt(at).setNote("noted").build()).build();
    }

    @Test
    void aNewIncidentGetsItsClassLeadPlaybookTimersAndTheFirstTierAtOnce() {
        try (IncidentDriver d = driver(plan())) {
            d.pipe(credentialAlert("a1", T0 - 5 * SECOND));
            Incident incident = last(d);
            IncidentPlan plan = incident.getPlan();
            assertNotNull(plan);
            assertEquals("acme-ir", plan.getPlanName());
            assertEquals("0123456789ab", plan.getPlanVersion());
            assertEquals("credential-tampering", plan.getClassName());
            assertEquals("secops-oncall", plan.getLead());
            assertEquals(T0, plan.getStartedAt(), "the app's wall clock at open, not the alert's time");
            PlanRecipient lead = plan.getLeadRecipients().get(0);
            assertEquals("Bob Ode", lead.getName(), "whoever the rota has on call then");
            assertEquals("secops-oncall", lead.getVia());
            assertEquals(List.of("security-email", "security-chat"), plan.getChannels());
            assertEquals(List.of("preserve:automated:pending", "contain:automated:pending", "rotate:manual:pending"),
                    plan.getSteps().stream().map(s -> s.getId() + ":" + s.getKind() + ":" + s.getStatus()).toList());
            assertEquals(List.of(T0, T0 + 6 * SECOND, T0 + 20 * SECOND),
                    plan.getEscalations().stream().map(PlanEscalation::getDueAt).toList());
            assertEquals(T0, plan.getEscalations().get(0).getFiredAt(), "after 0: at once");
            assertNull(plan.getEscalations().get(1).getFiredAt());
            PlanObligation breach = plan.getObligations().get(0);
            assertEquals("breach-72h", breach.getId(), "the class lists it");
            assertEquals(T0 + 72 * HOUR, breach.getDueAt());
            assertEquals(List.of(T0 + 48 * HOUR, T0 + 68 * HOUR), breach.getRemindAt());

            List<IncidentNotification> sent = d.notifications.readValuesToList();
            String id = incident.getIncidentId();
            assertEquals(List.of(id + "/OPENED", id + "/ESCALATION/1"), ids(sent));
            IncidentNotification opened = sent.get(0);
            assertEquals("OPENED", opened.getKind());
            assertEquals(List.of("security-email", "security-chat"), opened.getChannels());
            assertEquals("Bob Ode", opened.getRecipients().get(0).getName());
            assertEquals("shop/web-1", opened.getGroupKey());
            IncidentNotification tier1 = sent.get(1);
            assertEquals(1, tier1.getTier());
            assertEquals(List.of("pager"), tier1.getChannels());
            assertEquals(T0, tier1.getIncident().getPlan().getEscalations().get(0).getFiredAt(),
                    "the notification carries the incident as it is once the tier fired");
            assertTrue(tier1.getText().contains("DW-FIM-020"), tier1.getText());
            assertEquals(List.of("OPENED:sent", "ESCALATION:sent"),
                    plan.getNotices().stream().map(n -> n.getKind() + ":" + n.getOutcome()).toList());

            Map<String, String> timers = d.store(IncidentTopology.PLAN_TIMERS_STORE);
            assertEquals(List.of(id + "/ESCALATION/2", id + "/ESCALATION/3", id + "/REMINDER/breach-72h/1",
                    id + "/REMINDER/breach-72h/2", id + "/OVERDUE/breach-72h"), List.copyOf(timers.values()));
        }
    }

    @Test
    void classesMatchInOrderAndTheDefaultTakesTheRest() {
        try (IncidentDriver d = driver(plan())) {
            d.pipe(alert("a1", "c9", "other", "db-1", T0, Severity.HIGH, "DW-FIM-020", List.of(), List.of()));
            assertEquals("default", last(d).getPlan().getClassName(), "namespace other is not shop*");
            d.pipe(alert("a2", "c8", "shop", "api-1", T0, Severity.LOW, "DW-FIM-020", List.of(), List.of()));
            assertEquals("default", last(d).getPlan().getClassName(), "LOW is below the class's MEDIUM");
            d.pipe(alert("a3", "c7", "shop", "api-2", T0, Severity.MEDIUM, "DW-FIM-021", List.of(), List.of()));
            Incident incident = last(d);
            assertEquals("credential-tampering", incident.getPlan().getClassName());
            assertTrue(incident.getPlan().getObligations().size() == 1);
        }
    }

    @Test
    void theRuleCatalogueGivesTheTagsClassesMatch() {
        RuleSet builtIn = RuleSet.builtIn();
        assertTrue(builtIn.rules().stream().anyMatch(r -> r.id().equals("DW-FIM-074") && r.tags().contains("ssh")));
        try (IncidentDriver d = driver(new IncidentPlans(PlanTopologyTest::plan, () -> builtIn, Duration.ofSeconds(1),
                200))) {
            d.pipe(alert("a1", "c1", "other", "web-1", T0, Severity.MEDIUM, "DW-FIM-074", List.of(), List.of()));
            Incident incident = last(d);
            assertEquals("ssh-keys", incident.getPlan().getClassName(), "tag ssh of DW-FIM-074 in the catalogue");
            assertEquals("Bob Ode", incident.getPlan().getLeadRecipients().get(0).getName());
            assertTrue(incident.getPlan().getEscalations().isEmpty());
        }
    }

    @Test
    void tiersFireOnceEachInOrderOnTheWallClock() {
        try (IncidentDriver d = driver(plan())) {
            d.pipe(credentialAlert("a1", T0));
            String id = last(d).getIncidentId();
            d.notifications.readValuesToList();
            d.driver.advanceWallClockTime(Duration.ofMillis(5_900));
            assertTrue(d.notifications.isEmpty(), "tier 2 is not due before 6 s");
            d.driver.advanceWallClockTime(Duration.ofMillis(100));
            List<IncidentNotification> tier2 = d.notifications.readValuesToList();
            assertEquals(List.of(id + "/ESCALATION/2"), ids(tier2));
            assertEquals(List.of("Alice Ng", "Platform security"),
                    tier2.get(0).getRecipients().stream().map(PlanRecipient::getName).sorted().toList());
            assertEquals(List.of("security-email"), tier2.get(0).getChannels());
            Incident after2 = last(d);
            assertEquals(T0 + 6 * SECOND, after2.getPlan().getEscalations().get(1).getFiredAt());
            for (int i = 0; i < 10; i++) {
                d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            }
            assertTrue(d.notifications.isEmpty(), "nothing is sent twice; tier 3 waits for 20 s");
            for (int i = 0; i < 10; i++) {
                d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            }
            assertEquals(List.of(id + "/ESCALATION/3"), ids(d.notifications.readValuesToList()));
            Incident after3 = last(d);
            assertEquals(List.of(T0, T0 + 6 * SECOND, T0 + 20 * SECOND),
                    after3.getPlan().getEscalations().stream().map(PlanEscalation::getFiredAt).toList());
            assertFalse(d.store(IncidentTopology.PLAN_TIMERS_STORE).values().stream()
                    .anyMatch(v -> v.toString().contains("ESCALATION")), "fired timers are gone");
            assertEquals(4, d.counters.planNotificationCount());
        }
    }

    @Test
    void aPersonsStatusChangeAcknowledgesAndStopsTheTiersStillWaiting() {
        try (IncidentDriver d = driver(plan())) {
            d.pipe(credentialAlert("a1", T0));
            String id = last(d).getIncidentId();
            d.driver.advanceWallClockTime(Duration.ofSeconds(7));
            d.notifications.readValuesToList();
            d.drain();
            d.pipe("shop/web-1", status(id, IncidentStatus.ACKNOWLEDGED, "alice", T0 + 8 * SECOND), T0 + 8 * SECOND);
            Incident acked = last(d);
            assertEquals(IncidentStatus.ACKNOWLEDGED, acked.getStatus());
            assertEquals(T0 + 8 * SECOND, acked.getPlan().getAcknowledgedAt());
            assertEquals("alice", acked.getPlan().getAcknowledgedBy());
            PlanEscalation tier3 = acked.getPlan().getEscalations().get(2);
            assertNull(tier3.getFiredAt());
            assertEquals(T0 + 8 * SECOND, tier3.getStoppedAt());
            assertEquals("alice", tier3.getStoppedBy());
            assertNull(acked.getPlan().getEscalations().get(1).getStoppedAt(), "tier 2 fired before");
            List<IncidentNotification> changed = d.notifications.readValuesToList();
            assertEquals(List.of(id + "/STATUS_CHANGED/ACKNOWLEDGED/" + (T0 + 8 * SECOND)), ids(changed));
            assertEquals(List.of("security-email", "security-chat"), changed.get(0).getChannels());

            d.driver.advanceWallClockTime(Duration.ofSeconds(30));
            assertTrue(d.notifications.isEmpty(), "tier 3 never comes");
            assertFalse(d.store(IncidentTopology.PLAN_TIMERS_STORE).values().toString().contains("ESCALATION"));

            // A later person does not take the acknowledgement over.
            d.pipe("shop/web-1", status(id, IncidentStatus.CONTAINED, "bob", T0 + 40 * SECOND), T0 + 40 * SECOND);
            assertEquals("alice", last(d).getPlan().getAcknowledgedBy());
        }
    }

    @Test
    void theAppsOwnChangesDoNotAcknowledgeAndAcknowledgingAnAutoContainedIncidentKeepsItsStatus() {
        try (IncidentDriver d = driver(plan())) {
            Alert alert = credentialAlert("a1", T0);
            d.pipe(alert);
            String id = last(d).getIncidentId();
            ResponseCommand snapshot = command("cmd-1", alert, ResponseAction.SNAPSHOT_EVIDENCE);
            ResponseCommand pause = command("cmd-2", alert, ResponseAction.PAUSE_CONTAINER);
            d.pipe(snapshot);
            d.pipe(pause);
            d.pipe(result(snapshot, ResponseStatus.DONE, "evidence bundle /var/x: 3 files, 10 bytes", T0 + 1000));
            d.pipe(result(pause, ResponseStatus.DONE, "paused", T0 + 2000));
            Incident contained = last(d);
            assertEquals(IncidentStatus.CONTAINED, contained.getStatus());
            assertNull(contained.getPlan().getAcknowledgedAt(), "the app's own change is no acknowledgement");
            List<PlaybookStep> steps = contained.getPlan().getSteps();
            assertEquals(List.of("done", "done", "pending"), steps.stream().map(PlaybookStep::getStatus).toList());
            assertEquals("driftwatch", steps.get(1).getBy());
            assertEquals(T0 + 2000, steps.get(1).getAt());
            assertTrue(steps.get(1).getNote().contains("cmd-2"));
            List<IncidentNotification> sent = d.notifications.readValuesToList();
            assertEquals(id + "/STATUS_CHANGED/CONTAINED/" + (T0 + 2000), sent.get(sent.size() - 1).getNotificationId());

            d.driver.advanceWallClockTime(Duration.ofSeconds(6));
            assertEquals(List.of(id + "/ESCALATION/2"), ids(d.notifications.readValuesToList()),
                    "contained by the app, nobody acknowledged: the escalation goes on");

            d.pipe("shop/web-1", status(id, IncidentStatus.ACKNOWLEDGED, "carol", T0 + 9 * SECOND), T0 + 9 * SECOND);
            Incident acked = last(d);
            assertEquals(IncidentStatus.CONTAINED, acked.getStatus(), "the lifecycle does not go back");
            assertEquals("carol", acked.getPlan().getAcknowledgedBy());
            IncidentStatusChange recorded = acked.getHistory().get(acked.getHistory().size() - 1);
            assertEquals("carol", recorded.getUser());
            assertTrue(recorded.getNote().startsWith("acknowledged"), recorded.getNote());
            assertEquals("carol", acked.getPlan().getEscalations().get(2).getStoppedBy());
            d.driver.advanceWallClockTime(Duration.ofSeconds(30));
            assertEquals(List.of(id + "/STATUS_CHANGED/ACKNOWLEDGED/" + (T0 + 9 * SECOND)),
                    ids(d.notifications.readValuesToList()));

            d.pipe("shop/web-1", status(id, IncidentStatus.ACKNOWLEDGED, "dave", T0 + 50 * SECOND), T0 + 50 * SECOND);
            assertTrue(d.drain().isEmpty(), "a second acknowledgement of a contained incident is refused");
            assertEquals(1, d.counters.refusedTransitionCount());
        }
    }

    @Test
    void aFailedResultFailsItsStepAndALaterSuccessSettlesIt() {
        try (IncidentDriver d = driver(plan())) {
            Alert alert = credentialAlert("a1", T0);
            d.pipe(alert);
            ResponseCommand first = command("cmd-1", alert, ResponseAction.SNAPSHOT_EVIDENCE);
            d.pipe(first);
            d.pipe(result(first, ResponseStatus.FAILED, "disk full", T0 + 1000));
            assertEquals("failed", last(d).getPlan().getSteps().get(0).getStatus());
            ResponseCommand second = command("cmd-3", alert, ResponseAction.SNAPSHOT_EVIDENCE);
            d.pipe(second);
            d.pipe(result(second, ResponseStatus.DONE, "ok", T0 + 3000));
            PlaybookStep step = last(d).getPlan().getSteps().get(0);
            assertEquals("done", step.getStatus());
            assertEquals(T0 + 3000, step.getAt());
        }
    }

    @Test
    void closingStopsEveryTierAndAFalsePositiveWaivesTheObligations() {
        try (IncidentDriver d = driver(plan())) {
            d.pipe(credentialAlert("a1", T0));
            String id = last(d).getIncidentId();
            d.pipe("shop/web-1", status(id, IncidentStatus.FALSE_POSITIVE, "bob", T0 + 2 * SECOND), T0 + 2 * SECOND);
            Incident closed = last(d);
            assertEquals(List.of("-", "bob", "bob"), closed.getPlan().getEscalations().stream()
                    .map(e -> e.getStoppedBy() == null ? "-" : e.getStoppedBy()).toList());
            PlanObligation breach = closed.getPlan().getObligations().get(0);
            assertEquals("waived", breach.getStatus());
            d.notifications.readValuesToList();
            d.driver.advanceWallClockTime(Duration.ofHours(80));
            assertTrue(d.notifications.isEmpty(), "no tier, reminder or deadline after the close");
            assertTrue(d.store(IncidentTopology.PLAN_TIMERS_STORE).isEmpty(), "every timer went with the close");
        }
    }

    @Test
    void obligationsRemindBeforeTheyFallDueThenGoOverdue() {
        try (IncidentDriver d = driver(plan())) {
            // The default class does not list the obligation: its own `when` (tag personal-data) applies it.
            Alert alert = Alert.newBuilder(alert("a1", "c5", "hr", "payroll-1", T0, Severity.LOW, "DW-FIM-001", List.of(),
                    List.of())).setTags(List.of("personal-data")).build();
            d.pipe(alert);
            Incident incident = last(d);
            String id = incident.getIncidentId();
            assertEquals("default", incident.getPlan().getClassName());
            assertEquals(List.of("breach-72h"),
                    incident.getPlan().getObligations().stream().map(PlanObligation::getId).toList());
            d.notifications.readValuesToList();
            d.pipe("hr/payroll-1", status(id, IncidentStatus.ACKNOWLEDGED, "alice", T0 + 1000), T0 + 1000);
            d.notifications.readValuesToList();

            d.driver.advanceWallClockTime(Duration.ofHours(48).minusSeconds(1));
            assertTrue(d.notifications.isEmpty(), "the acknowledgement stopped the tier; no reminder yet");
            d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            List<IncidentNotification> first = d.notifications.readValuesToList();
            assertEquals(List.of(id + "/REMINDER/breach-72h/1"), ids(first));
            assertEquals(List.of("security-email"), first.get(0).getChannels());
            assertEquals("Carol Diaz", first.get(0).getRecipients().get(0).getName());
            assertTrue(first.get(0).getSubject().contains("due in 1d"), first.get(0).getSubject());
            d.driver.advanceWallClockTime(Duration.ofHours(20));
            assertEquals(List.of(id + "/REMINDER/breach-72h/2"), ids(d.notifications.readValuesToList()));
            d.driver.advanceWallClockTime(Duration.ofHours(4));
            assertEquals(List.of(id + "/OVERDUE/breach-72h"), ids(d.notifications.readValuesToList()));
            PlanObligation overdue = last(d).getPlan().getObligations().get(0);
            assertEquals("overdue", overdue.getStatus());
            assertEquals(2, overdue.getRemindersSent());

            d.pipe("hr/payroll-1", update(id, "obligation", "breach-72h", "met", "carol", T0 + 80 * HOUR), T0 + 80 * HOUR);
            PlanObligation met = last(d).getPlan().getObligations().get(0);
            assertEquals("met", met.getStatus());
            assertEquals("carol", met.getBy());
            assertEquals("noted", met.getNote());
        }
    }

    @Test
    void anObligationMetInTimeSendsNoMoreReminders() {
        try (IncidentDriver d = driver(plan())) {
            d.pipe(credentialAlert("a1", T0));
            String id = last(d).getIncidentId();
            d.pipe("shop/web-1", update(id, "obligation", "breach-72h", "met", "carol", T0 + HOUR), T0 + HOUR);
            assertEquals("met", last(d).getPlan().getObligations().get(0).getStatus());
            assertFalse(d.store(IncidentTopology.PLAN_TIMERS_STORE).values().toString().contains("breach-72h"));
            d.notifications.readValuesToList();
            d.driver.advanceWallClockTime(Duration.ofHours(73));
            assertFalse(ids(d.notifications.readValuesToList()).stream().anyMatch(n -> n.contains("breach-72h")));
        }
    }

    @Test
    void peopleTickManualStepsAndBadUpdatesAreRefused() {
        try (IncidentDriver d = driver(plan())) {
            d.pipe(credentialAlert("a1", T0));
            String id = last(d).getIncidentId();
            d.pipe("shop/web-1", update(id, "step", "rotate", "done", "alice", T0 + 5000), T0 + 5000);
            PlaybookStep rotate = last(d).getPlan().getSteps().get(2);
            assertEquals("done", rotate.getStatus());
            assertEquals("alice", rotate.getBy());
            assertEquals(T0 + 5000, rotate.getAt());
            assertEquals(1, d.counters.planUpdateCount());

            d.pipe("shop/web-1", update(id, "step", "no-such-step", "done", "alice", T0 + 6000), T0 + 6000);
            d.pipe("shop/web-1", update(id, "step", "rotate", "met", "alice", T0 + 6000), T0 + 6000);
            d.pipe("shop/web-1", update(id, "obligation", "breach-72h", "done", "alice", T0 + 6000), T0 + 6000);
            assertTrue(d.drain().isEmpty());
            assertEquals(3, d.counters.planRefusedCount());
            d.pipe("shop/web-1", update(id, "checklist", "rotate", "done", "alice", T0 + 6000), T0 + 6000);
            d.pipe("shop/web-1", IncidentInput.newBuilder().setIncidentId(id).setStatusChange(status(id,
                    IncidentStatus.RESOLVED, "x", 1).getStatusChange()).setPlanUpdate(update(id, "step", "rotate", "done",
                    "x", 1).getPlanUpdate()).build(), T0 + 6000);
            assertEquals(2, d.counters.malformedCount());
        }
    }

    @Test
    void deliveriesAreRecordedOnTheIncidentWithinTheBound() {
        try (IncidentDriver d = driver(new IncidentPlans(PlanTopologyTest::plan, () -> null, Duration.ofSeconds(1), 4))) {
            d.pipe(credentialAlert("a1", T0));
            String id = last(d).getIncidentId();
            PlanDelivery delivered = PlanDelivery.newBuilder().setNotificationId(id + "/ESCALATION/1").setChannel("pager")
                    .setOutcome("delivered").setAt(T0 + 700).setRecipients(List.of()).setReference("PD-123").build();
            IncidentInput report = IncidentInput.newBuilder().setIncidentId(id).setDelivery(delivered).build();
            d.pipe("shop/web-1", report, T0 + 700);
            List<PlanNotice> notices = last(d).getPlan().getNotices();
            PlanNotice notice = notices.get(notices.size() - 1);
            assertEquals("ESCALATION", notice.getKind());
            assertEquals(1, notice.getTier());
            assertEquals("pager", notice.getChannel());
            assertEquals("delivered", notice.getOutcome());
            assertEquals("PD-123", notice.getReference());
            d.pipe("shop/web-1", report, T0 + 800);
            assertTrue(d.drain().isEmpty(), "the same report twice is recorded once");

            for (int i = 0; i < 5; i++) {
                d.pipe("shop/web-1", IncidentInput.newBuilder().setIncidentId(id).setDelivery(PlanDelivery
                        .newBuilder(delivered).setChannel("sms").setOutcome("failed").setDetail("no route " + i)
                        .setAt(T0 + 1000 + i).build()).build(), T0 + 1000 + i);
            }
            List<PlanNotice> bounded = last(d).getPlan().getNotices();
            assertEquals(4, bounded.size(), "driftwatch.plan.max.notices");
            assertEquals("no route 4", bounded.get(3).getDetail(), "the newest kept, oldest dropped");
            assertEquals(6, d.counters.planDeliveryCount());
        }
    }

    @Test
    void aReloadedPlanAppliesToIncidentsOpenedAfterIt() {
        AtomicReference<ResponsePlan> running = new AtomicReference<>(plan());
        try (IncidentDriver d = driver(new IncidentPlans(running::get, () -> null, Duration.ofSeconds(1), 200))) {
            d.pipe(credentialAlert("a1", T0));
            Incident first = last(d);
            running.set(plan("acme-ir-v2", Duration.ofSeconds(60), Duration.ofSeconds(120)));
            d.pipe(alert("b1", "c2", "shop", "web-2", T0, Severity.HIGH, "DW-FIM-020", List.of(), List.of()));
            Incident second = last(d);
            assertEquals("acme-ir", first.getPlan().getPlanName());
            assertEquals("acme-ir-v2", second.getPlan().getPlanName());
            assertEquals(T0 + 60 * SECOND, second.getPlan().getEscalations().get(1).getDueAt());
            d.notifications.readValuesToList();
            d.driver.advanceWallClockTime(Duration.ofSeconds(6));
            assertEquals(List.of(first.getIncidentId() + "/ESCALATION/2"), ids(d.notifications.readValuesToList()),
                    "the first incident keeps the timers its plan gave it");
        }
    }

    @Test
    void theShippedExamplePlanWithTheBuiltInRulesClassifiesAndEscalates() throws Exception {
        ResponsePlan example = io.driftwatch.rules.plan.PlanLoader.load(Path.of("..", "deploy", "response-plan.yaml"));
        RuleSet builtIn = RuleSet.builtIn();
        try (IncidentDriver d = driver(new IncidentPlans(() -> example, () -> builtIn, Duration.ofSeconds(1), 200))) {
            d.pipe(alert("a1", "c1", "payments", "ledger-1", T0, Severity.HIGH, "DW-FIM-021", List.of("T1098"),
                    List.of()));
            Incident incident = last(d);
            IncidentPlan plan = incident.getPlan();
            assertEquals(example.name(), plan.getPlanName());
            assertEquals("credential-tampering", plan.getClassName(), "rules DW-FIM-02*, tactic persistence");
            assertEquals(example.incidentClass("credential-tampering").playbook().size(), plan.getSteps().size());
            assertEquals(T0, plan.getEscalations().get(0).getFiredAt(), "the example's first tier is after 0m");
            List<IncidentNotification> sent = d.notifications.readValuesToList();
            assertEquals(List.of("OPENED", "ESCALATION"), sent.stream().map(IncidentNotification::getKind).toList());
            assertFalse(sent.get(1).getRecipients().isEmpty(), "the rota names someone on call");
            long tier2 = plan.getEscalations().get(1).getAfterMs();
            d.driver.advanceWallClockTime(Duration.ofMillis(tier2));
            assertEquals(List.of(incident.getIncidentId() + "/ESCALATION/2"), ids(d.notifications.readValuesToList()));
        }
    }

    @Test
    void aBrokenPlanFileIsRefusedAndNewIncidentsKeepGettingTheLastGoodPlan() throws Exception {
        Path file = stateDir.resolve("plan.yaml");
        String good = java.nio.file.Files.readString(Path.of("..", "deploy", "response-plan.yaml"));
        java.nio.file.Files.writeString(file, good);
        try (io.driftwatch.app.plan.PlanManager manager = io.driftwatch.app.plan.PlanManager.start(
                new io.driftwatch.app.plan.PlanSettings(file, Duration.ofHours(1), Duration.ofSeconds(1), 200));
             IncidentDriver d = driver(new IncidentPlans(manager::current, RuleSet::builtIn, Duration.ofSeconds(1),
                     200))) {
            String version = manager.current().version();
            java.nio.file.Files.writeString(file, good.replace("lead: secops-oncall", "lead: nobody-at-all"));
            assertEquals(io.driftwatch.app.plan.PlanManager.Outcome.REFUSED,
                    manager.checkNow().get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(manager.lastError().contains(file + ":"), manager.lastError());
            assertTrue(manager.lastError().contains("nobody-at-all"), manager.lastError());
            assertEquals(1, manager.failedReloads());
            d.pipe(alert("a1", "c1", "payments", "ledger-1", T0, Severity.HIGH, "DW-FIM-021", List.of("T1098"),
                    List.of()));
            Incident incident = last(d);
            assertEquals(version, incident.getPlan().getPlanVersion(), "the last good plan");
            assertEquals("secops-oncall", incident.getPlan().getLead());
        }
    }

    @Test
    void withoutAPlanIncidentsHaveNone() {
        try (IncidentDriver d = driver(new IncidentPlans(() -> null, () -> null, Duration.ofSeconds(1), 200))) {
            d.pipe(credentialAlert("a1", T0));
            Incident incident = last(d);
            assertNull(incident.getPlan());
            d.pipe("shop/web-1", status(incident.getIncidentId(), IncidentStatus.ACKNOWLEDGED, "alice", T0 + 1), T0 + 1);
            assertNull(last(d).getPlan());
            d.driver.advanceWallClockTime(Duration.ofHours(1));
            assertTrue(d.notifications.isEmpty());
        }
    }
}
