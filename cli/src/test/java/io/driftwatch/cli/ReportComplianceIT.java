package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.model.Alert;
import io.driftwatch.model.DrillReport;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentPlan;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.PlanEscalation;
import io.driftwatch.model.PlanObligation;
import io.driftwatch.model.Severity;
import io.driftwatch.testkit.RealKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code report compliance} against the real broker and registry: alerts, incidents (with and without a response
 * plan, an older version of one, a tombstone) and drill reports produced with times inside and outside the period;
 * the JSON's figures checked exactly, with and without a custom rule directory that claims a control.
 */
@RealKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportComplianceIT {
    static final String PREFIX = "report-compliance.";
    static final long FROM = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
    static final long TO = Instant.parse("2026-11-08T00:00:00Z").toEpochMilli();
    static final long HOUR = 3_600_000L;
    static final long MINUTE = 60_000L;
    static final String HOSTILE_POD = "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">";
    static final String CUSTOM_RULE = """
            package acme.detect;

            import io.driftwatch.model.FileEvent;
            import io.driftwatch.model.EventType;

            global io.driftwatch.rules.Detections detections;

            rule "Patient records deleted"
                @id( "ACME-PHI-001" ) @severity( "HIGH" ) @mitre( "T1485" ) @tags( "fim,phi" ) @maturity( "stable" )
                @controls( "HIPAA-164.312(c)(1)" )
                @description( "d" ) @falsePositives( "f" ) @Propagation( EAGER )
            when
                $event : FileEvent( type == EventType.DELETE, path str[startsWith] "/srv/phi/" )
            then
                detections.alert( drools, "deleted", $event );
            end
            """;

    @TempDir
    Path dir;
    KafkaBroker kafka;
    SchemaRegistryServer registry;

    @BeforeAll
    void produce(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        this.kafka = kafka;
        this.registry = registry;
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(
                DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                DriftwatchConfig.TOPIC_PREFIX, PREFIX));
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        for (String role : List.of("alerts", "incidents", "drills")) {
            topics.add(new NewTopic(catalog.name(role, config), Optional.of(role.equals("drills") ? 1 : 3),
                    Optional.of((short) 1)).configs(catalog.spec(role).configs()));
        }
        kafka.createTopics(topics);

        try (RecordProducer alerts = new RecordProducer(config, "alerts")) {
            // Long before the period: not even read (offsetsForTimes starts after it). In the period: two of
            // DW-FIM-001 (one delivered twice), one of log tampering, one of the custom rule. Outside: a millisecond
            // before (read within --slack, left out by its time) and the end (exclusive).
            for (Alert alert : List.of(alert("a7", "DW-FIM-090", FROM - 12 * 24 * HOUR),
                    alert("a1", "DW-FIM-001", FROM + 10 * HOUR), alert("a1", "DW-FIM-001", FROM + 10 * HOUR),
                    alert("a2", "DW-FIM-001", FROM + 34 * HOUR), alert("a3", "DW-FIM-041", FROM + 35 * HOUR),
                    alert("a4", "ACME-PHI-001", FROM + 50 * HOUR),
                    alert("a5", "DW-FIM-001", FROM - 1), alert("a6", "DW-FIM-001", TO))) {
                alerts.send(alert.getContainerId(), alert.getTimestamp(), alert);
            }
            alerts.flush();
        }

        long t1 = FROM + 10 * HOUR;
        Incident i1 = incident("i1", "DW-FIM-001", t1, "web-1", IncidentStatus.RESOLVED,
                change(IncidentStatus.OPEN, "driftwatch", t1), change(IncidentStatus.ACKNOWLEDGED, "alice", t1 + 5 * MINUTE),
                change(IncidentStatus.RESOLVED, "alice", t1 + 65 * MINUTE));
        long t2 = FROM + 35 * HOUR;
        Incident i2 = incident("i2", "DW-FIM-041", t2, "logs-1", IncidentStatus.ACKNOWLEDGED,
                change(IncidentStatus.OPEN, "driftwatch", t2), change(IncidentStatus.CONTAINED, "driftwatch", t2 + 30_000),
                change(IncidentStatus.ACKNOWLEDGED, "bob", t2 + 25 * MINUTE));
        long started = t2 + 1000;
        i2.setPlan(IncidentPlan.newBuilder().setPlanName("acme").setPlanVersion("abc").setClassName("log-tampering")
                .setStartedAt(started).setAcknowledgedAt(started + 20 * MINUTE).setAcknowledgedBy("bob")
                .setEscalations(List.of(
                        PlanEscalation.newBuilder().setTier(1).setAfterMs(0).setDueAt(started).setFiredAt(started).build(),
                        PlanEscalation.newBuilder().setTier(2).setAfterMs(HOUR).setDueAt(started + HOUR)
                                .setStoppedAt(started + 20 * MINUTE).setStoppedBy("bob").build()))
                .setObligations(List.of(
                        PlanObligation.newBuilder().setId("notify-auditor").setTitle("Tell the auditor")
                                .setDueAt(started + 24 * HOUR).setStatus("met").build(),
                        PlanObligation.newBuilder().setId("breach-72h").setTitle("Notify the authority")
                                .setDueAt(started + 72 * HOUR).build()))
                .build());
        long t3 = FROM + 50 * HOUR;
        Incident i3old = incident("i3", "ACME-PHI-001", t3, "old-name", IncidentStatus.OPEN,
                change(IncidentStatus.OPEN, "driftwatch", t3));
        Incident i3 = incident("i3", "ACME-PHI-001", t3, HOSTILE_POD, IncidentStatus.OPEN,
                change(IncidentStatus.OPEN, "driftwatch", t3));
        Incident i4 = incident("i4", "DW-FIM-001", FROM - 7 * 24 * HOUR, "before", IncidentStatus.OPEN,
                change(IncidentStatus.OPEN, "driftwatch", FROM - 7 * 24 * HOUR));
        long t5 = FROM + 60 * HOUR;
        Incident i5 = incident("i5", "DW-FIM-001", t5, "deleted", IncidentStatus.OPEN,
                change(IncidentStatus.OPEN, "driftwatch", t5));
        long t6 = FROM + 80 * HOUR;
        Incident i6 = incident("i6", "DW-FIM-001", t6, "web-2", IncidentStatus.FALSE_POSITIVE,
                change(IncidentStatus.OPEN, "driftwatch", t6), change(IncidentStatus.CONTAINED, "driftwatch", t6 + 10_000),
                change(IncidentStatus.FALSE_POSITIVE, "carol", t6 + 2 * HOUR));
        try (RecordProducer incidents = new RecordProducer(config, "incidents")) {
            for (Incident incident : List.of(i1, i2, i3old, i3, i4, i5, i6)) {
                incidents.send(incident.getIncidentId(), incident.getUpdatedAt(), incident);
            }
            incidents.send("i5", t5 + 1, null);
            incidents.flush();
        }

        try (RecordProducer drills = new RecordProducer(config, "drills")) {
            for (DrillReport drill : List.of(drill("d1", FROM + 36 * HOUR, true, "i2"), drill("d2", FROM + 100 * HOUR, false, null),
                    drill("d3", FROM - 30 * 24 * HOUR, true, null))) {
                drills.send(drill.getDrillId(), drill.getStartedAt(), drill);
            }
            drills.flush();
        }
    }

    @Test
    void theJsonCountsWhatHappenedInThePeriodExactly() throws Exception {
        CliHelpTest.Run run = report("--format", "json");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains(PREFIX + "alerts: 7 records read"), "from the period's start less the slack,"
                + " not a7 of 12 days before; progress on stderr: " + run.err());
        assertTrue(run.err().contains(PREFIX + "incidents: 8 records read"), "the whole compacted topic: " + run.err());
        JsonNode report = new ObjectMapper().readTree(run.out());

        assertEquals("compliance", report.get("report").asText());
        assertEquals(1, report.get("version").asInt());
        assertEquals("2026-11-01T00:00:00Z", report.at("/period/from").asText());
        assertEquals(List.of("2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06",
                "2026-11-07"), strings(report.get("days")));
        JsonNode totals = report.get("totals");
        assertEquals(4, totals.get("alerts").asInt(), "a1 (once), a2, a3, a4");
        assertEquals(4, totals.get("incidents").asInt(), "i1, i2, i3 (newest), i6; not i4 (before) nor i5 (deleted)");
        assertEquals(timing(3, 20 * MINUTE, 2 * HOUR, 2 * HOUR, 1, "notAcknowledged").toString(), totals.get("acknowledge").toString(),
                "i1 5m by history, i2 20m by its plan (not the 25m of its history), i6 2h by carol; i3 not yet");
        assertEquals(timing(2, 65 * MINUTE, 2 * HOUR, 2 * HOUR, 2, "notClosed").toString(), totals.get("close").toString());
        assertEquals("[{\"bucket\":\"< 1m\",\"count\":0},{\"bucket\":\"1-5m\",\"count\":0},"
                        + "{\"bucket\":\"5-15m\",\"count\":1},{\"bucket\":\"15m-1h\",\"count\":1},{\"bucket\":\"1-4h\",\"count\":1},"
                        + "{\"bucket\":\"4-24h\",\"count\":0},{\"bucket\":\">= 24h\",\"count\":0},"
                        + "{\"bucket\":\"not acknowledged\",\"count\":1}]",
                totals.get("acknowledgeDistribution").toString());
        assertEquals("{\"run\":2,\"passed\":1,\"failed\":1}", totals.get("drills").toString());
        assertEquals(List.of("ACME-PHI-001"), strings(totals.get("unknownRuleIds")), "no --rules: the custom rule is unknown");

        JsonNode pci = control(report, "PCI-DSS-11.5");
        assertEquals("PCI DSS v4.0", pci.get("framework").asText());
        assertEquals(3, pci.get("alerts").asInt());
        assertEquals("{\"DW-FIM-001\":2,\"DW-FIM-041\":1}", pci.get("alertsByRule").toString());
        assertEquals(List.of(1, 2, 0, 0, 0, 0, 0), ints(pci.get("alertsPerDay")));
        assertEquals(3, pci.at("/incidents/count").asInt(), "i1, i2, i6");
        assertEquals(timing(3, 20 * MINUTE, 2 * HOUR, 2 * HOUR, 0, "notAcknowledged").toString(), pci.at("/incidents/acknowledge").toString());
        assertEquals("{\"run\":1,\"passed\":1,\"failed\":0}", pci.get("drills").toString(), "d1 drilled i2");
        assertTrue(pci.get("rules").size() > 40, "most detection rules claim 11.5");
        JsonNode fim001 = rule(pci, "DW-FIM-001");
        assertEquals(2, fim001.get("alerts").asInt());
        assertTrue(fim001.get("builtIn").asBoolean());

        JsonNode logs = control(report, "PCI-DSS-10.3");
        assertEquals(1, logs.get("alerts").asInt());
        assertEquals(1, logs.at("/incidents/withPlan").asInt());
        assertEquals("{\"fired\":1,\"stopped\":1,\"waiting\":0}", logs.at("/incidents/escalations").toString());
        assertEquals("{\"met\":1,\"overdue\":1,\"open\":0,\"waived\":0}", logs.at("/incidents/obligations").toString(),
                "the 72h obligation of November is overdue now");
        assertEquals(timing(1, 20 * MINUTE, 20 * MINUTE, 20 * MINUTE, 0, "notAcknowledged").toString(), logs.at("/incidents/acknowledge").toString());

        JsonNode audit = control(report, "HIPAA-164.312(b)");
        assertEquals("all", audit.get("evidence").asText());
        assertFalse(audit.get("servedByProduct").isNull());
        assertEquals(4, audit.get("alerts").asInt(), "the audit trail serves every alert");
        assertEquals(4, audit.at("/incidents/count").asInt());
        assertEquals("{\"run\":2,\"passed\":1,\"failed\":1}", audit.get("drills").toString());

        JsonNode integrity = control(report, "HIPAA-164.312(c)(1)");
        assertEquals(0, integrity.get("alerts").asInt(), "the custom rule's alert needs --rules to count");
        JsonNode hipaa = framework(report, "HIPAA Security Rule");
        assertEquals(List.of(0, 1, 0, 0, 0, 0, 0), ints(hipaa.get("alertsPerDay")),
                "of its rules only a3 (log tampering claims 164.312(b)); the custom rule is unknown without --rules");
        assertEquals(1, hipaa.get("incidents").asInt());
        assertEquals("{\"run\":1,\"passed\":1,\"failed\":0}", hipaa.get("drills").toString(), "d1 drilled i2");
        JsonNode pciFramework = framework(report, "PCI DSS v4.0");
        assertEquals(3, pciFramework.get("alerts").asInt());
        assertEquals(List.of(1, 2, 0, 0, 0, 0, 0), ints(pciFramework.get("alertsPerDay")));
        assertEquals(2, pciFramework.get("controlsClaimedByRules").asInt(), "10.3 and 11.5");

        List<String> incidentIds = new ArrayList<>();
        report.get("incidents").forEach(i -> incidentIds.add(i.get("incidentId").asText()));
        assertEquals(List.of("i1", "i2", "i3", "i6"), incidentIds);
        JsonNode third = report.get("incidents").get(2);
        assertEquals(HOSTILE_POD, third.get("podName").asText(), "the newest version of i3");
        assertTrue(third.get("acknowledgeMs").isNull());
        JsonNode second = report.get("incidents").get(1);
        assertEquals("bob", second.get("acknowledgedBy").asText());
        assertEquals("log-tampering", second.get("className").asText());
        assertEquals(1, second.get("escalationsFired").asInt());
    }

    @Test
    void aCustomRuleClaimingAControlCountsWithRules() throws Exception {
        Path rules = Files.createDirectories(dir.resolve("rules"));
        Files.writeString(rules.resolve("phi.drl"), CUSTOM_RULE);
        Path out = dir.resolve("report.json");
        CliHelpTest.Run run = report("--rules", rules.toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.out());
        JsonNode report = new ObjectMapper().readTree(Files.readString(out));
        assertEquals(List.of(), strings(report.at("/totals/unknownRuleIds")));
        assertEquals(1, report.at("/ruleSet/customRules").asInt());
        JsonNode integrity = control(report, "HIPAA-164.312(c)(1)");
        assertEquals(1, integrity.get("alerts").asInt());
        assertEquals("{\"ACME-PHI-001\":1}", integrity.get("alertsByRule").toString());
        JsonNode custom = rule(integrity, "ACME-PHI-001");
        assertFalse(custom.get("builtIn").asBoolean());
        assertEquals(1, integrity.at("/incidents/count").asInt());
        assertEquals(timing(0, null, null, null, 1, "notAcknowledged").toString(), integrity.at("/incidents/acknowledge").toString());
        JsonNode hipaa = framework(report, "HIPAA Security Rule");
        assertEquals(List.of(0, 1, 1, 0, 0, 0, 0), ints(hipaa.get("alertsPerDay")), "a3, and a4 of the custom rule");
        assertEquals(2, hipaa.get("incidents").asInt());
    }

    @Test
    void theHtmlIsOneFileWithTheValuesEscaped() throws Exception {
        Path out = dir.resolve("report.html");
        CliHelpTest.Run run = report("--format", "html", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        String html = Files.readString(out);
        assertFalse(html.contains(HOSTILE_POD), "never unescaped");
        assertTrue(html.contains("&lt;script&gt;window.pwned=1&lt;/script&gt;"), "escaped in the incidents table");
        assertFalse(html.contains("src=\"http") || html.contains("href=\"http"), "nothing loaded from the network");
        assertTrue(html.contains("echarts"), "ECharts inlined");
    }

    @Test
    void badUsageIsExitTwo() {
        assertEquals(2, CliHelpTest.run("report", "compliance", "--from", "2026-11-08", "--to", "2026-11-01").exitCode());
        CliHelpTest.Run bad = CliHelpTest.run("report", "compliance", "--from", "yesterday-ish");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("not a time"), bad.err());
        assertEquals(2, CliHelpTest.run("report", "compliance", "--from", "7d", "--format", "pdf").exitCode());
        CliHelpTest.Run help = CliHelpTest.run("report", "compliance", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--format") && help.out().contains("--rules") && help.out().contains("--slack"),
                help.out());
    }

    private CliHelpTest.Run report(String... args) {
        List<String> all = new ArrayList<>(List.of("report", "compliance", "--from", "2026-11-01", "--to",
                "2026-11-08T00:00:00Z", "--bootstrap-server", kafka.bootstrapServers(), "--schema-registry-url",
                registry.confluentApiUrl(), "--topic-prefix", PREFIX));
        all.addAll(List.of(args));
        return CliHelpTest.run(all.toArray(String[]::new));
    }

    static JsonNode timing(int count, Long median, Long p90, Long max, int open, String openField) {
        com.fasterxml.jackson.databind.node.ObjectNode node = new ObjectMapper().createObjectNode();
        node.put("count", count);
        node.put("medianMs", median);
        node.put("p90Ms", p90);
        node.put("maxMs", max);
        node.put(openField, open);
        return node;
    }

    static JsonNode control(JsonNode report, String id) {
        for (JsonNode control : report.get("controls")) {
            if (control.get("id").asText().equals(id)) {
                return control;
            }
        }
        throw new AssertionError("no control " + id);
    }

    static JsonNode framework(JsonNode report, String name) {
        for (JsonNode framework : report.get("frameworks")) {
            if (framework.get("framework").asText().equals(name)) {
                return framework;
            }
        }
        throw new AssertionError("no framework " + name);
    }

    static JsonNode rule(JsonNode control, String id) {
        for (JsonNode rule : control.get("rules")) {
            if (rule.get("id").asText().equals(id)) {
                return rule;
            }
        }
        throw new AssertionError("no rule " + id + " in " + control.get("id"));
    }

    static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    static List<Integer> ints(JsonNode array) {
        List<Integer> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asInt()));
        return values;
    }

    static Alert alert(String id, String ruleId, long time) {
        return Alert.newBuilder().setAlertId(id).setRuleId(ruleId).setSeverity(Severity.HIGH).setTimestamp(time)
                .setContainerId("c-" + id).setRuleName(ruleId).setMessage("m").build();
    }

    static IncidentStatusChange change(IncidentStatus status, String user, long at) {
        return IncidentStatusChange.newBuilder().setStatus(status).setUser(user).setAt(at).build();
    }

    static Incident incident(String id, String ruleId, long firstSeen, String pod, IncidentStatus status,
                             IncidentStatusChange... history) {
        long updated = history[history.length - 1].getAt();
        return Incident.newBuilder().setIncidentId(id).setGroupKey("shop/" + pod).setStatus(status)
                .setSeverity(Severity.HIGH).setTitle("title of " + id).setRuleIds(List.of(ruleId)).setAlertCount(1)
                .setFirstSeen(firstSeen).setLastSeen(firstSeen).setNamespace("shop").setPodName(pod)
                .setHistory(List.of(history)).setUpdatedAt(updated).build();
    }

    static DrillReport drill(String id, long started, boolean passed, String incidentId) {
        return DrillReport.newBuilder().setDrillId(id).setDrill("weekly-" + id).setAttack("write-passwd")
                .setMode("recorded").setStartedAt(started).setFinishedAt(started + 60_000).setPassed(passed)
                .setIncidentId(incidentId).setTimeToDetectMs(1200L).build();
    }
}
