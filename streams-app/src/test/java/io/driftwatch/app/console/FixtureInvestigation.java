package io.driftwatch.app.console;

import io.driftwatch.app.query.InvestigationService;
import io.driftwatch.app.query.TrailPage;
import io.driftwatch.app.query.TrailQuery;
import io.driftwatch.model.Alert;
import io.driftwatch.model.Capture;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentResponse;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.model.Severity;
import io.driftwatch.schemas.AvroClassTrust;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * An in-memory {@link InvestigationService} for the console's and the CLI's tests (test scope only): two incidents
 * in two pods, the trail of their containers, their alerts, one capture. It answers the way the real service is
 * meant to (the same filters, newest incidents first, trail pages in (time, event id) order with a cursor) and
 * records every call, so a test can assert what the HTTP layer asked for.
 *
 * <p>The story: JohnDoe execs into {@code shop/web-7d9f}, drops {@code /tmp/<img src=x onerror=alert(1)>.sh} (a
 * name that is also an XSS probe), makes it executable, runs it and writes {@code /etc/passwd}; the container is
 * paused and evidence is taken. Elsewhere alice-admin edits a config file in {@code payments/api-5c}. Times are
 * relative to construction ({@link #t0()} is about ten minutes ago), so the console's default ranges (the last hour
 * of trail, the last day of alerts) show everything.
 */
public final class FixtureInvestigation implements InvestigationService {
    public static final String CONTAINER_ID = "c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    public static final String OTHER_CONTAINER_ID = "bead0000111122223333444455556666777788889999aaaabbbbccccddddeeee";
    public static final String INCIDENT_ID = "inc-shop-web-7d9f-1";
    public static final String OTHER_INCIDENT_ID = "inc-payments-api-5c-1";
    public static final String CAPTURE_ID = "cap-alert-passwd";
    public static final String ATTACKER = "JohnDoe";
    public static final String SESSION = "exec-session-1";
    public static final String OTHER_USER = "alice-admin";
    public static final String HOSTILE_PATH = "/tmp/<img src=x onerror=alert(1)>.sh";
    public static final String ALERT_EXEC_TMP = "alert-exec-tmp";
    public static final String ALERT_PASSWD = "alert-passwd";
    public static final String ALERT_CONFIG = "alert-config";

    static {
        // Builders of records with nested records (Incident's responses) check Avro's class trust.
        AvroClassTrust.install();
    }

    /** A status change as the service received it. */
    public record StatusChange(String incidentId, IncidentStatus status, String user, String note) {
    }

    private final String name;
    private final long t0;
    private final List<EnrichedEvent> events;
    private final List<Alert> alerts;
    private final Map<String, Incident> incidents = new ConcurrentHashMap<>();
    private final Map<String, Capture> captures;

    private final List<TrailQuery> trailQueries = new CopyOnWriteArrayList<>();
    private final List<IncidentFilter> incidentFilters = new CopyOnWriteArrayList<>();
    private final List<AlertFilter> alertFilters = new CopyOnWriteArrayList<>();
    private final List<long[]> histogramCalls = new CopyOnWriteArrayList<>();
    private final List<StatusChange> statusChanges = new CopyOnWriteArrayList<>();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    public FixtureInvestigation() {
        this("fixture");
    }

    /** {@code name} tells two fixtures apart (the local-scope test). */
    public FixtureInvestigation(String name) {
        this.name = name;
        this.t0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(10)).toEpochMilli();
        ContainerMetadata web = ContainerMetadata.newBuilder().setContainerId(CONTAINER_ID).setNode("node-a")
                .setRuntime("containerd").setContainerName("web").setImage("registry.example/shop/web:1.4")
                .setPodName("web-7d9f").setNamespace("shop").setLabels(Map.of("app", "web")).setStartedAt(t0 - 3_600_000L)
                .setInitPid(4100).build();
        ContainerMetadata api = ContainerMetadata.newBuilder().setContainerId(OTHER_CONTAINER_ID).setNode("node-b")
                .setRuntime("containerd").setContainerName("api").setImage("registry.example/payments/api:2.0")
                .setPodName("api-5c").setNamespace("payments").setStartedAt(t0 - 7_200_000L).setInitPid(5100).build();
        List<String> attacker = List.of(ATTACKER);
        List<String> session = List.of(SESSION);
        events = List.of(
                event("ev-01", -120, web, EventType.OPEN_READ, "/etc/nginx/nginx.conf", "nginx", "nginx -g daemon off;",
                        List.of(), List.of(), null, null),
                event("ev-02", -60, web, EventType.EXEC, "/bin/sh", "sh", "sh", attacker, session, null, null),
                event("ev-03", 0, web, EventType.CREATE, HOSTILE_PATH, "sh", "sh", attacker, session, 0644, null),
                event("ev-04", 5, web, EventType.CHMOD, HOSTILE_PATH, "chmod", "chmod +x " + HOSTILE_PATH, attacker,
                        session, 0755, 0644),
                event("ev-05", 10, web, EventType.EXEC, HOSTILE_PATH, "sh", "sh " + HOSTILE_PATH, attacker, session, null,
                        null),
                event("ev-06", 20, web, EventType.OPEN_WRITE, "/etc/passwd", "sh", "sh " + HOSTILE_PATH, attacker, session,
                        null, null),
                event("ev-07", 30, web, EventType.OPEN_WRITE, "/var/log/nginx/access.log", "nginx", "nginx -g daemon off;",
                        List.of(), List.of(), null, null),
                event("ev-08", -30, api, EventType.OPEN_WRITE, "/app/config.yaml", "vi", "vi /app/config.yaml",
                        List.of(OTHER_USER), List.of("exec-session-9"), null, null));
        alerts = List.of(
                alert(ALERT_EXEC_TMP, "exec-from-tmp", Severity.HIGH, 10, web, "ev-05", HOSTILE_PATH, "sh",
                        "A program in /tmp was executed", List.of("T1059.004"), attacker, session),
                alert(ALERT_PASSWD, "write-etc-passwd", Severity.CRITICAL, 20, web, "ev-06", "/etc/passwd", "sh",
                        "/etc/passwd was opened for writing", List.of("T1098"), attacker, session),
                alert(ALERT_CONFIG, "config-edited-in-exec", Severity.HIGH, -30, api, "ev-08", "/app/config.yaml", "vi",
                        "A configuration file was edited from an exec session", List.of("T1543"), List.of(OTHER_USER),
                        List.of("exec-session-9")));
        captures = Map.of(CAPTURE_ID, Capture.newBuilder().setCaptureId(CAPTURE_ID).setAlertId(ALERT_PASSWD)
                .setRuleId("write-etc-passwd").setContainerId(CONTAINER_ID).setFrom(t(-280)).setTo(t(320))
                .setSealedAt(t(330)).setMetadata(List.of(web))
                .setExecSessions(List.of(ExecSession.newBuilder().setSessionId(SESSION).setUser(ATTACKER)
                        .setGroups(List.of("system:authenticated")).setSourceIps(List.of("10.0.0.7"))
                        .setNamespace("shop").setPodName("web-7d9f").setContainerName("web").setContainerId(CONTAINER_ID)
                        .setCommand("sh").setStartedAt(t(-61)).setEndedAt(null).build()))
                .setEvents(events.stream().filter(e -> e.getEvent().getContainerId().equals(CONTAINER_ID)).toList())
                .build());
        reset();
    }

    /** The response plan of INCIDENT_ID: a hostile step title and delivery detail (values from events are text). */
    public static final String HOSTILE_STEP_TITLE = "Rotate <img src=x onerror=\"document.title='pwned'\"> keys";

    io.driftwatch.model.IncidentPlan plan() {
        io.driftwatch.model.PlanRecipient alice = io.driftwatch.model.PlanRecipient.newBuilder().setContact("secops-oncall")
                .setName("Alice Ng").setEmail("alice@example.com").setHandle("@alice").setVia("secops-oncall").build();
        return io.driftwatch.model.IncidentPlan.newBuilder().setPlanName("acme-ir").setPlanVersion("0123456789ab")
                .setClassName("credential-tampering").setClassTitle("Credentials changed in a container")
                .setLead("secops-oncall").setLeadRecipients(List.of(alice)).setChannels(List.of("security-email"))
                .setStartedAt(t(11)).setAcknowledgedAt(null).setAcknowledgedBy(null)
                .setSteps(List.of(
                        io.driftwatch.model.PlaybookStep.newBuilder().setId("preserve").setTitle("Snapshot the evidence")
                                .setKind("automated").setAction(ResponseAction.SNAPSHOT_EVIDENCE).setStatus("done")
                                .setAt(t(24)).setBy("driftwatch").setNote("command cmd-snapshot").build(),
                        io.driftwatch.model.PlaybookStep.newBuilder().setId("rotate").setTitle(HOSTILE_STEP_TITLE)
                                .setKind("manual").setStatus("pending").build()))
                .setEscalations(List.of(
                        io.driftwatch.model.PlanEscalation.newBuilder().setTier(1).setAfterMs(0).setDueAt(t(11))
                                .setNotify(List.of("secops-oncall")).setChannels(List.of("pager")).setFiredAt(t(11))
                                .build(),
                        io.driftwatch.model.PlanEscalation.newBuilder().setTier(2).setAfterMs(900_000)
                                .setDueAt(t(11) + 900_000).setNotify(List.of("platform-security"))
                                .setChannels(List.of("security-email")).build()))
                .setObligations(List.of(io.driftwatch.model.PlanObligation.newBuilder().setId("breach-72h")
                        .setTitle("Notify the supervisory authority").setDueAt(t(11) + 72 * 3_600_000L)
                        .setRemindAt(List.of(t(11) + 48 * 3_600_000L)).setStatus("open").build()))
                .setNotices(List.of(
                        io.driftwatch.model.PlanNotice.newBuilder().setNotificationId(INCIDENT_ID + "/ESCALATION/1")
                                .setKind("ESCALATION").setTier(1).setRecipients(List.of(alice)).setAt(t(11))
                                .setOutcome("sent").build(),
                        io.driftwatch.model.PlanNotice.newBuilder().setNotificationId(INCIDENT_ID + "/ESCALATION/1")
                                .setKind("ESCALATION").setTier(1).setChannel("pager").setRecipients(List.of(alice))
                                .setAt(t(12)).setOutcome("failed").setDetail("<script>alert(1)</script>").build()))
                .build();
    }

    /** Back to the two incidents as built, forgetting recorded calls and any failure asked for. */
    public void reset() {
        incidents.clear();
        incidents.put(INCIDENT_ID, Incident.newBuilder().setIncidentId(INCIDENT_ID).setGroupKey("shop/web-7d9f")
                .setStatus(IncidentStatus.OPEN).setSeverity(Severity.CRITICAL)
                .setTitle("/etc/passwd was opened for writing").setRuleIds(List.of("write-etc-passwd", "exec-from-tmp"))
                .setAlertIds(List.of(ALERT_EXEC_TMP, ALERT_PASSWD)).setAlertCount(2)
                .setMitre(List.of("T1059.004", "T1098")).setTactics(List.of("execution", "persistence"))
                .setFirstSeen(t(10)).setLastSeen(t(20)).setContainerId(CONTAINER_ID)
                .setContainerIds(List.of(CONTAINER_ID)).setContainerName("web").setPodName("web-7d9f")
                .setNamespace("shop").setImage("registry.example/shop/web:1.4").setNode("node-a")
                .setUsers(List.of(ATTACKER)).setSessions(List.of(SESSION))
                .setResponses(List.of(
                        response("cmd-pause", ALERT_PASSWD, ResponseAction.PAUSE_CONTAINER, 20, ResponseStatus.DONE,
                                "container paused (runc pause)", 21),
                        response("cmd-snapshot", ALERT_PASSWD, ResponseAction.SNAPSHOT_EVIDENCE, 20, ResponseStatus.DONE,
                                "evidence bundle written", 24),
                        response("cmd-notify", ALERT_EXEC_TMP, ResponseAction.NOTIFY, 10, null, null, -1)))
                .setEvidence(List.of("file:///var/lib/driftwatch/evidence/node-a/" + CONTAINER_ID.substring(0, 12)
                        + ".tar.gz"))
                .setCaptureIds(List.of(CAPTURE_ID)).setHistory(List.of()).setPlan(plan()).setUpdatedAt(t(24)).build());
        incidents.put(OTHER_INCIDENT_ID, Incident.newBuilder().setIncidentId(OTHER_INCIDENT_ID)
                .setGroupKey("payments/api-5c").setStatus(IncidentStatus.ACKNOWLEDGED).setSeverity(Severity.HIGH)
                .setTitle("A configuration file was edited from an exec session")
                .setRuleIds(List.of("config-edited-in-exec")).setAlertIds(List.of(ALERT_CONFIG)).setAlertCount(1)
                .setMitre(List.of("T1543")).setTactics(List.of("persistence")).setFirstSeen(t(-30)).setLastSeen(t(-30))
                .setContainerId(OTHER_CONTAINER_ID).setContainerIds(List.of(OTHER_CONTAINER_ID)).setContainerName("api")
                .setPodName("api-5c").setNamespace("payments").setImage("registry.example/payments/api:2.0")
                .setNode("node-b").setUsers(List.of(OTHER_USER)).setSessions(List.of("exec-session-9"))
                .setHistory(List.of(new IncidentStatusChange(IncidentStatus.ACKNOWLEDGED, "local:oncall", t(60),
                        "looking")))
                .setUpdatedAt(t(60)).build());
        trailQueries.clear();
        incidentFilters.clear();
        alertFilters.clear();
        histogramCalls.clear();
        statusChanges.clear();
        planChanges.clear();
        failure.set(null);
    }

    public String name() {
        return name;
    }

    /** The story's reference time, epoch ms: the hostile script was created then. */
    public long t0() {
        return t0;
    }

    /** Epoch ms of {@code seconds} after {@link #t0()}. */
    public long t(int seconds) {
        return t0 + seconds * 1000L;
    }

    /** The next call throws {@code e} (once). */
    public void failNextWith(RuntimeException e) {
        failure.set(e);
    }

    public List<TrailQuery> trailQueries() {
        return List.copyOf(trailQueries);
    }

    public List<IncidentFilter> incidentFilters() {
        return List.copyOf(incidentFilters);
    }

    public List<AlertFilter> alertFilters() {
        return List.copyOf(alertFilters);
    }

    /** Each as {from, to, bucket}. */
    public List<long[]> histogramCalls() {
        return List.copyOf(histogramCalls);
    }

    public List<StatusChange> statusChanges() {
        return List.copyOf(statusChanges);
    }

    /** Every call this fixture answered (or failed). */
    public int calls() {
        return trailQueries.size() + incidentFilters.size() + alertFilters.size() + histogramCalls.size()
                + statusChanges.size();
    }

    @Override
    public TrailPage trail(TrailQuery q) {
        trailQueries.add(q);
        failIfAsked();
        Map<String, List<String>> citing = new TreeMap<>();
        for (Alert a : alerts) {
            for (String eventId : a.getEventIds()) {
                citing.computeIfAbsent(eventId, k -> new ArrayList<>()).add(a.getAlertId());
            }
        }
        List<EnrichedEvent> matching = events.stream()
                .filter(e -> matches(q, e, citing.getOrDefault(e.getEvent().getEventId(), List.of())))
                .sorted(Comparator.comparingLong((EnrichedEvent e) -> e.getEvent().getTimestamp())
                        .thenComparing(e -> e.getEvent().getEventId()))
                .filter(e -> q.cursor() == null || q.cursor().before(e.getEvent().getTimestamp(), e.getEvent().getEventId()))
                .toList();
        List<EnrichedEvent> page = matching.stream().limit(q.limit()).toList();
        String next = null;
        if (matching.size() > page.size()) {
            FileEvent last = page.get(page.size() - 1).getEvent();
            next = new TrailQuery.Cursor(last.getTimestamp(), last.getEventId()).encode();
        }
        return new TrailPage(page.stream().map(e -> new TrailPage.Entry(e,
                citing.getOrDefault(e.getEvent().getEventId(), List.of()))).toList(), next);
    }

    private boolean matches(TrailQuery q, EnrichedEvent enriched, List<String> citedBy) {
        FileEvent e = enriched.getEvent();
        ContainerMetadata c = enriched.getContainer();
        List<Alert> citing = alerts.stream().filter(a -> citedBy.contains(a.getAlertId())).toList();
        return e.getTimestamp() >= q.from() && e.getTimestamp() < q.to()
                && (q.containerId() == null || q.containerId().equals(e.getContainerId()))
                && (q.pod() == null || c != null && q.pod().equals(c.getPodName()))
                && (q.namespace() == null || c != null && q.namespace().equals(c.getNamespace()))
                && (q.node() == null || q.node().equals(e.getNode()))
                && (q.image() == null || c != null && q.image().equals(c.getImage()))
                && (q.user() == null || enriched.getUsers().contains(q.user()))
                && (q.session() == null || enriched.getSessions().contains(q.session()))
                && (q.process() == null || q.process().equals(e.getProcessName()) || q.process().equals(e.getExe()))
                && (q.cmdline() == null || e.getCmdline() != null && e.getCmdline().contains(q.cmdline()))
                && (q.path() == null || q.path().equals(e.getPath()))
                && (q.pathPrefix() == null || e.getPath().startsWith(q.pathPrefix()))
                && (q.types().isEmpty() || q.types().contains(e.getType()))
                && (!q.modeChange() || e.getType() == EventType.CHMOD)
                && (q.ruleId() == null || citing.stream().anyMatch(a -> a.getRuleId().equals(q.ruleId())))
                && (q.alertId() == null || citedBy.contains(q.alertId()));
    }

    @Override
    public List<Incident> incidents(IncidentFilter filter) {
        incidentFilters.add(filter);
        failIfAsked();
        return incidents.values().stream()
                .filter(i -> filter.statuses() == null || filter.statuses().isEmpty()
                        || filter.statuses().contains(i.getStatus()))
                .filter(i -> filter.severities() == null || filter.severities().isEmpty()
                        || filter.severities().contains(i.getSeverity()))
                .filter(i -> filter.namespace() == null || filter.namespace().equals(i.getNamespace()))
                .sorted(Comparator.comparingLong(Incident::getLastSeen).reversed())
                .limit(filter.limit())
                .toList();
    }

    @Override
    public Optional<Incident> incident(String incidentId) {
        failIfAsked();
        return Optional.ofNullable(incidents.get(incidentId));
    }

    @Override
    public Incident changeStatus(String incidentId, IncidentStatus status, String user, String note) {
        statusChanges.add(new StatusChange(incidentId, status, user, note));
        failIfAsked();
        Incident incident = incidents.get(incidentId);
        if (incident == null) {
            throw new NoSuchElementException("no incident '" + incidentId + "'");
        }
        if (incident.getStatus() == IncidentStatus.RESOLVED || incident.getStatus() == IncidentStatus.FALSE_POSITIVE) {
            throw new IllegalArgumentException("incident " + incidentId + " is closed (" + incident.getStatus() + ")");
        }
        if (status == IncidentStatus.OPEN) {
            throw new IllegalArgumentException("an incident cannot be opened again by hand");
        }
        List<IncidentStatusChange> history = new ArrayList<>(incident.getHistory());
        history.add(new IncidentStatusChange(status, user, System.currentTimeMillis(), note));
        Incident updated = Incident.newBuilder(incident).setStatus(status).setHistory(history)
                .setUpdatedAt(System.currentTimeMillis()).build();
        incidents.put(incidentId, updated);
        return updated;
    }

    /** A plan update as the API passed it on. */
    public record PlanChange(String incidentId, String target, String id, String status, String user, String note) {
    }

    private final List<PlanChange> planChanges = new CopyOnWriteArrayList<>();

    public List<PlanChange> planChanges() {
        return List.copyOf(planChanges);
    }

    @Override
    public Incident updatePlan(String incidentId, String target, String id, String status, String user, String note) {
        planChanges.add(new PlanChange(incidentId, target, id, status, user, note));
        failIfAsked();
        Incident incident = incidents.get(incidentId);
        if (incident == null) {
            throw new NoSuchElementException("no incident '" + incidentId + "'");
        }
        if (incident.getPlan() == null) {
            throw new IllegalArgumentException("incident " + incidentId + " has no response plan");
        }
        Incident updated = Incident.newBuilder(incident).build();
        long now = System.currentTimeMillis();
        if ("step".equals(target)) {
            var step = updated.getPlan().getSteps().stream().filter(s -> s.getId().equals(id)).findFirst()
                    .orElseThrow(() -> new NoSuchElementException("no step '" + id + "'"));
            step.setStatus(status);
            step.setBy(user);
            step.setAt(now);
            step.setNote(note);
        } else {
            var obligation = updated.getPlan().getObligations().stream().filter(o -> o.getId().equals(id)).findFirst()
                    .orElseThrow(() -> new NoSuchElementException("no obligation '" + id + "'"));
            obligation.setStatus(status);
            obligation.setBy(user);
            obligation.setAt(now);
            obligation.setNote(note);
        }
        incidents.put(incidentId, updated);
        return updated;
    }

    @Override
    public Optional<Capture> capture(String captureId) {
        failIfAsked();
        return Optional.ofNullable(captures.get(captureId));
    }

    @Override
    public List<Alert> alerts(AlertFilter filter) {
        alertFilters.add(filter);
        failIfAsked();
        return alerts.stream()
                .filter(a -> !filter.alertIds().isEmpty() ? filter.alertIds().contains(a.getAlertId())
                        : filter.containerIds().contains(a.getContainerId()))
                .filter(a -> filter.containerIds().isEmpty() || filter.containerIds().contains(a.getContainerId()))
                .filter(a -> a.getTimestamp() >= filter.from() && a.getTimestamp() < filter.to())
                .sorted(Comparator.comparingLong(Alert::getTimestamp))
                .limit(filter.limit())
                .toList();
    }

    @Override
    public List<AlertBucket> alertHistogram(long from, long to, long bucketMillis) {
        histogramCalls.add(new long[] {from, to, bucketMillis});
        failIfAsked();
        Map<Long, Map<String, Long>> buckets = new TreeMap<>();
        for (Alert a : alerts) {
            if (a.getTimestamp() >= from && a.getTimestamp() < to) {
                long start = from + (a.getTimestamp() - from) / bucketMillis * bucketMillis;
                buckets.computeIfAbsent(start, k -> new TreeMap<>()).merge(a.getSeverity().name(), 1L, Long::sum);
            }
        }
        return buckets.entrySet().stream().map(b -> new AlertBucket(b.getKey(), b.getValue()))
                .collect(Collectors.toList());
    }

    private void failIfAsked() {
        RuntimeException e = failure.getAndSet(null);
        if (e != null) {
            throw e;
        }
    }

    private EnrichedEvent event(String id, int seconds, ContainerMetadata container, EventType type, String path,
                                String process, String cmdline, List<String> users, List<String> sessions,
                                Integer mode, Integer previousMode) {
        boolean workload = users.isEmpty();
        FileEvent event = FileEvent.newBuilder().setEventId(id).setTimestamp(t(seconds)).setNode(container.getNode())
                .setContainerId(container.getContainerId()).setType(type).setPath(path).setMode(mode)
                .setPreviousMode(previousMode).setUid(0L).setGid(0L).setPid(workload ? container.getInitPid() : 7000)
                .setPpid(workload ? 1 : 6999).setProcessName(process)
                .setExe(type == EventType.EXEC ? path : "/usr/bin/" + process).setCmdline(cmdline)
                .setParentProcessName(workload ? "containerd-shim" : "sh").setSource("fanotify").build();
        return EnrichedEvent.newBuilder().setEvent(event).setContainer(container).setUsers(users).setSessions(sessions)
                .setEnrichment(Enrichment.COMPLETE).build();
    }

    private Alert alert(String id, String rule, Severity severity, int seconds, ContainerMetadata c, String eventId,
                        String path, String process, String message, List<String> mitre, List<String> users,
                        List<String> sessions) {
        return Alert.newBuilder().setAlertId(id).setRuleId(rule).setRuleName(rule).setRuleVersion("1")
                .setSeverity(severity).setMitre(mitre).setTags(List.of("maturity:stable")).setTimestamp(t(seconds))
                .setEventIds(List.of(eventId)).setContainerId(c.getContainerId()).setContainerName(c.getContainerName())
                .setImage(c.getImage()).setPodName(c.getPodName()).setNamespace(c.getNamespace()).setNode(c.getNode())
                .setUsers(users).setSessions(sessions).setProcessName(process).setPath(path).setMessage(message)
                .setEvidence(Map.of()).setCount(1).build();
    }

    private IncidentResponse response(String commandId, String alertId, ResponseAction action, int issued,
                                      ResponseStatus status, String detail, int finished) {
        return IncidentResponse.newBuilder().setCommandId(commandId).setAlertId(alertId).setAction(action)
                .setNode("node-a").setContainerId(CONTAINER_ID).setIssuedAt(t(issued)).setStatus(status)
                .setDetail(detail).setFinishedAt(status == null ? null : t(finished)).build();
    }
}
