package io.driftwatch.cli.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.Alert;
import io.driftwatch.model.DrillReport;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentPlan;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.PlanEscalation;
import io.driftwatch.model.PlanObligation;
import io.driftwatch.rules.Controls;
import io.driftwatch.rules.RuleInfo;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The compliance report (src/compliance-report.md) as JSON: for each control of the catalogue, the rules that claim it,
 * the alerts, incidents and drills of the period that are its evidence, and how fast incidents were acknowledged and
 * closed. Pure: the caller reads the topics ({@link TopicReader}); the same inputs give the same report. The HTML form
 * ({@link ComplianceHtml}) is drawn from this JSON alone.
 */
public final class ComplianceReport {
    /** The JSON shape's version: bumped only when a field changes meaning or goes away. */
    public static final int SHAPE_VERSION = 1;
    /** The user of the status changes the app makes itself (IncidentUpdates.APP_USER). */
    static final String APP_USER = "driftwatch";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** Buckets of the time-to-acknowledge distribution: upper bounds in ms (exclusive), labels. */
    static final long[] ACK_BOUNDS = {60_000L, 300_000L, 900_000L, 3_600_000L, 14_400_000L, 86_400_000L, Long.MAX_VALUE};
    static final String[] ACK_LABELS = {"< 1m", "1-5m", "5-15m", "15m-1h", "1-4h", "4-24h", ">= 24h"};

    /**
     * What the report is made of.
     *
     * @param from         start of the period, epoch ms (inclusive)
     * @param to           end of the period, epoch ms (exclusive)
     * @param now          when the report is made, epoch ms (an open obligation past due then counts as overdue)
     * @param rules        the rule set's rules (built-in and custom)
     * @param builtInIds   ids of the built-in rules, to tell custom ones apart
     * @param detectionIds ids of the detection rules
     * @param ruleSet      the rule set's version
     * @param rulesDir     the custom rules directory, or null
     * @param alerts       alerts read from the alerts topic (filtered here by their event time)
     * @param incidents    the newest record of every incident (filtered here by firstSeen)
     * @param drills       the newest record of every drill (filtered here by startedAt)
     */
    public record Inputs(long from, long to, long now, List<RuleInfo> rules, Set<String> builtInIds,
                         Set<String> detectionIds, String ruleSet, String rulesDir, Collection<Alert> alerts,
                         Collection<Incident> incidents, Collection<DrillReport> drills) {
    }

    private ComplianceReport() {
    }

    /** The report. */
    public static ObjectNode build(Inputs in, Controls controls) {
        Map<String, RuleInfo> rulesById = new LinkedHashMap<>();
        in.rules().forEach(r -> rulesById.put(r.id(), r));

        // Alerts of the period, each once (ids are deterministic; a redelivered alert is the same alert).
        Map<String, Alert> alertsById = new LinkedHashMap<>();
        for (Alert alert : in.alerts()) {
            if (alert.getTimestamp() >= in.from() && alert.getTimestamp() < in.to()) {
                alertsById.putIfAbsent(alert.getAlertId(), alert);
            }
        }
        List<Alert> alerts = new ArrayList<>(alertsById.values());
        alerts.sort((a, b) -> a.getTimestamp() != b.getTimestamp() ? Long.compare(a.getTimestamp(), b.getTimestamp())
                : a.getAlertId().compareTo(b.getAlertId()));
        Map<String, Incident> allIncidents = new HashMap<>();
        in.incidents().forEach(i -> allIncidents.put(i.getIncidentId(), i));
        List<Incident> incidents = in.incidents().stream()
                .filter(i -> i.getFirstSeen() >= in.from() && i.getFirstSeen() < in.to())
                .sorted((a, b) -> a.getFirstSeen() != b.getFirstSeen() ? Long.compare(a.getFirstSeen(), b.getFirstSeen())
                        : a.getIncidentId().compareTo(b.getIncidentId()))
                .toList();
        List<DrillReport> drills = in.drills().stream()
                .filter(d -> d.getStartedAt() >= in.from() && d.getStartedAt() < in.to())
                .sorted((a, b) -> a.getStartedAt() != b.getStartedAt() ? Long.compare(a.getStartedAt(), b.getStartedAt())
                        : a.getDrillId().compareTo(b.getDrillId()))
                .toList();

        Map<String, Set<String>> controlsOfAlert = new HashMap<>();
        for (Alert alert : alerts) {
            controlsOfAlert.put(alert.getAlertId(), controlsOf(List.of(alert.getRuleId()), rulesById, controls));
        }
        Map<String, Set<String>> controlsOfIncident = new HashMap<>();
        for (Incident incident : allIncidents.values()) {
            controlsOfIncident.put(incident.getIncidentId(), controlsOf(incident.getRuleIds(), rulesById, controls));
        }
        Map<String, Set<String>> controlsOfDrill = new HashMap<>();
        for (DrillReport drill : drills) {
            Incident incident = drill.getIncidentId() == null ? null : allIncidents.get(drill.getIncidentId());
            controlsOfDrill.put(drill.getDrillId(), incident != null
                    ? controlsOfIncident.get(incident.getIncidentId())
                    : controlsOf(List.of(), rulesById, controls));
        }

        ObjectNode report = JSON.objectNode();
        report.put("report", "compliance");
        report.put("version", SHAPE_VERSION);
        report.set("period", JSON.objectNode().put("from", iso(in.from())).put("to", iso(in.to()))
                .put("fromMs", in.from()).put("toMs", in.to()));
        report.put("generatedAt", iso(in.now()));
        report.set("ruleSet", JSON.objectNode().put("version", in.ruleSet()).put("rulesDir", in.rulesDir())
                .put("rules", in.rules().size()).put("detectionRules", in.detectionIds().size())
                .put("customRules", in.rules().stream().filter(r -> !in.builtInIds().contains(r.id())).count()));
        List<String> days = days(in.from(), in.to());
        report.set("days", strings(days));

        ObjectNode totals = report.putObject("totals");
        totals.put("alerts", alerts.size());
        totals.put("incidents", incidents.size());
        totals.set("acknowledge", timing(incidents, i -> true, in, true));
        totals.set("close", timing(incidents, i -> true, in, false));
        totals.set("acknowledgeDistribution", distribution(incidents, in));
        totals.set("drills", drillCounts(drills, d -> true));
        Set<String> unknownRules = new TreeSet<>();
        alerts.stream().map(Alert::getRuleId).filter(id -> !rulesById.containsKey(id)).forEach(unknownRules::add);
        incidents.stream().flatMap(i -> i.getRuleIds().stream()).filter(id -> !rulesById.containsKey(id))
                .forEach(unknownRules::add);
        totals.set("unknownRuleIds", strings(unknownRules));

        // Per framework, what its rules found: the alerts, incidents and drills of rules that claim one of its
        // controls (not those counted only because the product serves a control for every alert).
        ArrayNode frameworks = report.putArray("frameworks");
        for (String framework : controls.frameworks()) {
            Set<String> ids = new LinkedHashSet<>();
            controls.all().stream().filter(c -> c.framework().equals(framework)).forEach(c -> ids.add(c.id()));
            Predicate<List<String>> claims = ruleIds -> ruleIds.stream().map(rulesById::get)
                    .anyMatch(rule -> rule != null && rule.controls().stream().anyMatch(ids::contains));
            ObjectNode node = frameworks.addObject();
            node.put("framework", framework);
            node.set("controls", strings(ids));
            node.put("controlsClaimedByRules", ids.stream()
                    .filter(id -> in.rules().stream().anyMatch(r -> r.controls().contains(id))).count());
            List<Alert> evidence = alerts.stream().filter(a -> claims.test(List.of(a.getRuleId()))).toList();
            node.put("alerts", evidence.size());
            node.put("incidents", incidents.stream().filter(i -> claims.test(i.getRuleIds())).count());
            node.set("alertsPerDay", perDay(evidence, days));
            node.set("drills", drillCounts(drills, d -> {
                Incident drilled = d.getIncidentId() == null ? null : allIncidents.get(d.getIncidentId());
                return drilled != null && claims.test(drilled.getRuleIds());
            }));
        }

        ArrayNode controlNodes = report.putArray("controls");
        for (Controls.Control control : controls.all()) {
            String id = control.id();
            ObjectNode node = controlNodes.addObject();
            node.put("id", id);
            node.put("framework", control.framework());
            node.put("title", control.title());
            node.put("asks", control.asks());
            node.put("evidence", control.evidence());
            node.put("servedByProduct", control.product());
            List<Alert> evidence = alerts.stream().filter(a -> controlsOfAlert.get(a.getAlertId()).contains(id)).toList();
            Map<String, Integer> byRule = new TreeMap<>();
            evidence.forEach(a -> byRule.merge(a.getRuleId(), 1, Integer::sum));
            ArrayNode ruleNodes = node.putArray("rules");
            for (RuleInfo rule : in.rules()) {
                if (rule.controls().contains(id)) {
                    ObjectNode r = ruleNodes.addObject();
                    r.put("id", rule.id());
                    r.put("name", rule.name());
                    r.put("severity", rule.severity() == null ? null : rule.severity().name());
                    r.put("maturity", rule.maturity());
                    r.put("builtIn", in.builtInIds().contains(rule.id()));
                    r.put("alerts", byRule.getOrDefault(rule.id(), 0));
                }
            }
            node.put("alerts", evidence.size());
            node.put("firings", evidence.stream().mapToLong(a -> Math.max(1, a.getCount())).sum());
            ObjectNode alertsByRule = node.putObject("alertsByRule");
            byRule.forEach(alertsByRule::put);
            node.set("alertsPerDay", perDay(evidence, days));
            List<Incident> own = incidents.stream()
                    .filter(i -> controlsOfIncident.get(i.getIncidentId()).contains(id)).toList();
            ObjectNode incidentNode = node.putObject("incidents");
            incidentNode.put("count", own.size());
            ObjectNode bySeverity = incidentNode.putObject("bySeverity");
            own.forEach(i -> bySeverity.put(i.getSeverity().name(), bySeverity.path(i.getSeverity().name()).asInt() + 1));
            incidentNode.put("withPlan", own.stream().filter(i -> i.getPlan() != null).count());
            incidentNode.set("acknowledge", timing(own, i -> true, in, true));
            incidentNode.set("close", timing(own, i -> true, in, false));
            incidentNode.set("escalations", escalations(own));
            incidentNode.set("obligations", obligations(own, in.now()));
            node.set("drills", drillCounts(drills, d -> controlsOfDrill.get(d.getDrillId()).contains(id)));
        }

        ArrayNode incidentList = report.putArray("incidents");
        for (Incident incident : incidents) {
            ObjectNode node = incidentList.addObject();
            Times times = times(incident);
            node.put("incidentId", incident.getIncidentId());
            node.put("firstSeen", iso(incident.getFirstSeen()));
            node.put("severity", incident.getSeverity().name());
            node.put("status", incident.getStatus().name());
            node.put("title", incident.getTitle());
            node.put("namespace", incident.getNamespace());
            node.put("podName", incident.getPodName());
            node.put("containerName", incident.getContainerName());
            node.set("ruleIds", strings(incident.getRuleIds()));
            node.set("controls", strings(controlsOfIncident.get(incident.getIncidentId())));
            node.put("plan", incident.getPlan() != null);
            node.put("className", incident.getPlan() == null ? null : incident.getPlan().getClassName());
            node.put("acknowledgedAt", times.acknowledgedAt() == null ? null : iso(times.acknowledgedAt()));
            node.put("acknowledgedBy", times.acknowledgedBy());
            putNullable(node, "acknowledgeMs", times.acknowledgeMs());
            node.put("closedAt", times.closedAt() == null ? null : iso(times.closedAt()));
            putNullable(node, "closeMs", times.closeMs());
            node.put("escalationsFired", incident.getPlan() == null ? 0
                    : incident.getPlan().getEscalations().stream().filter(e -> e.getFiredAt() != null).count());
        }

        ArrayNode drillList = report.putArray("drills");
        for (DrillReport drill : drills) {
            ObjectNode node = drillList.addObject();
            node.put("drillId", drill.getDrillId());
            node.put("drill", drill.getDrill());
            node.put("attack", drill.getAttack());
            node.put("mode", drill.getMode());
            node.put("startedAt", iso(drill.getStartedAt()));
            node.put("day", day(drill.getStartedAt()));
            node.put("passed", drill.getPassed());
            node.put("className", drill.getClassName());
            node.put("incidentId", drill.getIncidentId());
            putNullable(node, "timeToDetectMs", drill.getTimeToDetectMs());
            putNullable(node, "timeToContainMs", drill.getTimeToContainMs());
            putNullable(node, "timeToAcknowledgeMs", drill.getTimeToAcknowledgeMs());
            node.put("error", drill.getError());
            node.set("controls", strings(controlsOfDrill.get(drill.getDrillId())));
        }
        return report;
    }

    /** The controls a set of rules claims, plus those every alert and incident is evidence of. */
    private static Set<String> controlsOf(List<String> ruleIds, Map<String, RuleInfo> rules, Controls controls) {
        Set<String> claimed = new TreeSet<>();
        for (String ruleId : ruleIds) {
            RuleInfo rule = rules.get(ruleId);
            if (rule != null) {
                claimed.addAll(rule.controls());
            }
        }
        Set<String> result = new LinkedHashSet<>();
        for (Controls.Control control : controls.all()) {
            if (control.everyAlertIsEvidence() || claimed.contains(control.id())) {
                result.add(control.id());
            }
        }
        return result;
    }

    /**
     * When an incident started, was acknowledged and closed. Start: the plan's startedAt, else the first alert
     * (firstSeen). Acknowledged: the plan's acknowledgedAt, else (no plan, or a plan that has not recorded one) the
     * first status change a person made (a user other than the app). Closed: the first change to RESOLVED or
     * FALSE_POSITIVE, whoever made it.
     */
    record Times(long start, Long acknowledgedAt, String acknowledgedBy, Long closedAt) {
        Long acknowledgeMs() {
            return acknowledgedAt == null ? null : Math.max(0, acknowledgedAt - start);
        }

        Long closeMs() {
            return closedAt == null ? null : Math.max(0, closedAt - start);
        }
    }

    static Times times(Incident incident) {
        IncidentPlan plan = incident.getPlan();
        long start = plan != null ? plan.getStartedAt() : incident.getFirstSeen();
        Long acknowledgedAt = plan != null ? plan.getAcknowledgedAt() : null;
        String acknowledgedBy = plan != null ? plan.getAcknowledgedBy() : null;
        Long closedAt = null;
        for (IncidentStatusChange change : incident.getHistory()) {
            if (acknowledgedAt == null && !APP_USER.equals(change.getUser())) {
                acknowledgedAt = change.getAt();
                acknowledgedBy = change.getUser();
            }
            if (closedAt == null && (change.getStatus() == IncidentStatus.RESOLVED
                    || change.getStatus() == IncidentStatus.FALSE_POSITIVE)) {
                closedAt = change.getAt();
            }
        }
        return new Times(start, acknowledgedAt, acknowledgedBy, closedAt);
    }

    /** Median, p90 and max (nearest rank) over the incidents that were acknowledged (or closed), and how many were not. */
    private static ObjectNode timing(List<Incident> incidents, Predicate<Incident> which, Inputs in, boolean acknowledge) {
        List<Long> values = new ArrayList<>();
        int open = 0;
        for (Incident incident : incidents) {
            if (!which.test(incident)) {
                continue;
            }
            Times times = times(incident);
            Long value = acknowledge ? times.acknowledgeMs() : times.closeMs();
            if (value == null) {
                open++;
            } else {
                values.add(value);
            }
        }
        values.sort(null);
        ObjectNode node = JSON.objectNode();
        node.put("count", values.size());
        putNullable(node, "medianMs", percentile(values, 50));
        putNullable(node, "p90Ms", percentile(values, 90));
        putNullable(node, "maxMs", values.isEmpty() ? null : values.get(values.size() - 1));
        node.put(acknowledge ? "notAcknowledged" : "notClosed", open);
        return node;
    }

    /** Nearest rank: the smallest value with at least p% of the values at or below it; null for none. */
    static Long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return null;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static ArrayNode distribution(List<Incident> incidents, Inputs in) {
        int[] counts = new int[ACK_BOUNDS.length + 1];
        for (Incident incident : incidents) {
            Long ms = times(incident).acknowledgeMs();
            if (ms == null) {
                counts[ACK_BOUNDS.length]++;
                continue;
            }
            for (int b = 0; b < ACK_BOUNDS.length; b++) {
                if (ms < ACK_BOUNDS[b]) {
                    counts[b]++;
                    break;
                }
            }
        }
        ArrayNode buckets = JSON.arrayNode();
        for (int b = 0; b <= ACK_BOUNDS.length; b++) {
            buckets.addObject().put("bucket", b < ACK_BOUNDS.length ? ACK_LABELS[b] : "not acknowledged")
                    .put("count", counts[b]);
        }
        return buckets;
    }

    private static ObjectNode escalations(List<Incident> incidents) {
        int fired = 0;
        int stopped = 0;
        int waiting = 0;
        for (Incident incident : incidents) {
            if (incident.getPlan() == null) {
                continue;
            }
            for (PlanEscalation tier : incident.getPlan().getEscalations()) {
                if (tier.getFiredAt() != null) {
                    fired++;
                } else if (tier.getStoppedAt() != null) {
                    stopped++;
                } else {
                    waiting++;
                }
            }
        }
        return JSON.objectNode().put("fired", fired).put("stopped", stopped).put("waiting", waiting);
    }

    /** Obligations by outcome: met, waived, overdue (so marked, or open past its due time at {@code now}), open. */
    private static ObjectNode obligations(List<Incident> incidents, long now) {
        int met = 0;
        int waived = 0;
        int overdue = 0;
        int open = 0;
        for (Incident incident : incidents) {
            if (incident.getPlan() == null) {
                continue;
            }
            for (PlanObligation obligation : incident.getPlan().getObligations()) {
                switch (obligation.getStatus()) {
                    case "met" -> met++;
                    case "waived" -> waived++;
                    case "overdue" -> overdue++;
                    default -> {
                        if (obligation.getDueAt() < now) {
                            overdue++;
                        } else {
                            open++;
                        }
                    }
                }
            }
        }
        return JSON.objectNode().put("met", met).put("overdue", overdue).put("open", open).put("waived", waived);
    }

    private static ObjectNode drillCounts(List<DrillReport> drills, Predicate<DrillReport> which) {
        long run = drills.stream().filter(which).count();
        long passed = drills.stream().filter(which).filter(DrillReport::getPassed).count();
        return JSON.objectNode().put("run", run).put("passed", passed).put("failed", run - passed);
    }

    private static ArrayNode perDay(List<Alert> alerts, List<String> days) {
        Map<String, Integer> counts = new HashMap<>();
        alerts.forEach(a -> counts.merge(day(a.getTimestamp()), 1, Integer::sum));
        ArrayNode array = JSON.arrayNode();
        days.forEach(d -> array.add(counts.getOrDefault(d, 0)));
        return array;
    }

    /** The UTC days the period touches, oldest first. */
    static List<String> days(long from, long to) {
        List<String> days = new ArrayList<>();
        LocalDate last = LocalDate.ofInstant(Instant.ofEpochMilli(Math.max(from, to - 1)), ZoneOffset.UTC);
        for (LocalDate d = LocalDate.ofInstant(Instant.ofEpochMilli(from), ZoneOffset.UTC); !d.isAfter(last);
             d = d.plusDays(1)) {
            days.add(d.toString());
        }
        return days;
    }

    static String day(long millis) {
        return LocalDate.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC).toString();
    }

    static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    private static ArrayNode strings(Collection<String> values) {
        ArrayNode array = JSON.arrayNode();
        values.forEach(array::add);
        return array;
    }

    private static void putNullable(ObjectNode node, String field, Long value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
