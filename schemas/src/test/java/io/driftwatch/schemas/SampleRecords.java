package io.driftwatch.schemas;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.model.RuleBundle;
import io.driftwatch.model.Severity;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** One fully populated instance of every record type, fields taken from the seed scenario. */
public final class SampleRecords {
    private SampleRecords() {
    }

    public static FileEvent fileEvent() {
        return FileEvent.newBuilder()
                .setEventId("seed-malware-copy-003")
                .setTimestamp(1795082403000L)
                .setNode("node-a")
                .setContainerId("c0ffee01")
                .setType(EventType.OPEN_WRITE)
                .setPath("/usr/bin/dpkg")
                .setNewPath(null)
                .setMode(0755)
                .setUid(0L).setGid(0L)
                .setPid(901).setPpid(900)
                .setProcessName("cp").setExe("/bin/cp").setCmdline("cp malware /usr/bin/dpkg")
                .setParentProcessName("bash")
                .setLoginUid(null)
                .setPreviousMode(null)
                .setSource("scenario")
                .build();
    }

    public static ContainerMetadata containerMetadata() {
        return ContainerMetadata.newBuilder()
                .setContainerId("c0ffee01").setNode("node-a").setRuntime("containerd")
                .setContainerName("ledger").setImage("registry.example/ledger:1.4.2")
                .setImageDigest("sha256:c0ffee01").setPodName("ledger-7d9f8-abcde").setNamespace("payments-java")
                .setPodUid("uid-c0ffee01").setLabels(Map.of("app", "ledger")).setPrivileged(false)
                .setStartedAt(1795082340000L).setStoppedAt(null)
                .setRootfs("/run/containerd/io.containerd.runtime.v2.task/k8s.io/c0ffee01/rootfs").setInitPid(4242)
                .build();
    }

    public static ExecSession execSession() {
        return ExecSession.newBuilder()
                .setSessionId("exec-1").setUser("JohnDoe").setGroups(List.of("system:authenticated"))
                .setSourceIps(List.of("10.0.0.7")).setNamespace("payments-java").setPodName("ledger-7d9f8-abcde")
                .setContainerName("ledger").setContainerId("c0ffee01").setCommand("bash")
                .setStartedAt(1795082400000L).setEndedAt(1795082520000L)
                .build();
    }

    public static EnrichedEvent enrichedEvent() {
        return EnrichedEvent.newBuilder()
                .setEvent(fileEvent()).setContainer(containerMetadata()).setUsers(List.of("JohnDoe"))
                .setEnrichment(Enrichment.METADATA_LATE)
                .build();
    }

    public static Alert alert() {
        return Alert.newBuilder()
                .setAlertId("a-1f2e").setRuleId("DW-FIM-001").setRuleName("Binary overwritten").setRuleVersion("1")
                .setSeverity(Severity.HIGH).setMitre(List.of("T1554", "T1036.005")).setTags(List.of("maturity:stable"))
                .setTimestamp(1795082403000L).setEventIds(List.of("seed-malware-copy-003"))
                .setContainerId("c0ffee01").setContainerName("ledger").setImage("registry.example/ledger:1.4.2")
                .setPodName("ledger-7d9f8-abcde").setNamespace("payments-java").setNode("node-a")
                .setUsers(List.of("JohnDoe")).setProcessName("cp").setPath("/usr/bin/dpkg")
                .setMessage("cp overwrote /usr/bin/dpkg").setEvidence(Map.of("cmdline", "cp malware /usr/bin/dpkg"))
                .setCount(1)
                .build();
    }

    public static ResponseCommand responseCommand() {
        return ResponseCommand.newBuilder()
                .setCommandId("cmd-9a").setAlertId("a-1f2e").setAction(ResponseAction.PAUSE_CONTAINER)
                .setNode("node-a").setContainerId("c0ffee01").setPodName("ledger-7d9f8-abcde")
                .setNamespace("payments-java").setParameters(Map.of("reason", "DW-FIM-001"))
                .setIssuedAt(1795082403000L).setExpiresAt(1795082703000L).setSignature(null)
                .build();
    }

    public static ResponseResult responseResult() {
        return ResponseResult.newBuilder()
                .setCommandId("cmd-9a").setNode("node-a").setAction(ResponseAction.PAUSE_CONTAINER)
                .setStatus(ResponseStatus.SKIPPED_DRY_RUN).setDetail("dry run: would pause c0ffee01")
                .setFinishedAt(1795082404000L)
                .build();
    }

    public static RuleBundle ruleBundle() {
        return RuleBundle.newBuilder()
                .setName("default").setVersion("2026.11.22-1")
                .setFiles(Map.of("io/driftwatch/rules/detect/binaries.drl", "package io.driftwatch.rules.detect;\n"))
                .setSha256("ab12").setPublishedAt(1795082400000L)
                .build();
    }

    public static io.driftwatch.model.Incident incident() {
        return io.driftwatch.model.Incident.newBuilder()
                .setIncidentId("inc-0123456789abcdef").setGroupKey("payments-java/ledger-7d9f8-abcde")
                .setStatus(io.driftwatch.model.IncidentStatus.ACKNOWLEDGED).setSeverity(Severity.HIGH)
                .setTitle("cp overwrote /usr/bin/dpkg").setRuleIds(List.of("DW-FIM-001")).setAlertIds(List.of("a-1f2e"))
                .setAlertCount(1).setMitre(List.of("T1554")).setTactics(List.of("persistence"))
                .setFirstSeen(1795082403000L).setLastSeen(1795082403000L).setContainerId("c0ffee01")
                .setContainerIds(List.of("c0ffee01")).setContainerName("ledger").setPodName("ledger-7d9f8-abcde")
                .setNamespace("payments-java").setImage("registry.example/ledger:1.4.2").setNode("node-a")
                .setUsers(List.of("JohnDoe")).setSessions(List.of("exec-1"))
                .setResponses(List.of(io.driftwatch.model.IncidentResponse.newBuilder().setCommandId("cmd-9a")
                        .setAlertId("a-1f2e").setAction(ResponseAction.PAUSE_CONTAINER).setNode("node-a")
                        .setContainerId("c0ffee01").setIssuedAt(1795082403000L).setStatus(ResponseStatus.SKIPPED_DRY_RUN)
                        .setDetail("dry run: would pause c0ffee01").setFinishedAt(1795082404000L).build()))
                .setEvidence(List.of("node-a:/var/lib/driftwatch/evidence/cmd-9b")).setCaptureIds(List.of("cap-a-1f2e"))
                .setHistory(List.of(statusChange())).setPlan(incidentPlan()).setUpdatedAt(1795082405000L)
                .build();
    }

    public static io.driftwatch.model.PlanRecipient recipient() {
        return io.driftwatch.model.PlanRecipient.newBuilder().setContact("secops-oncall").setName("Alice Ng")
                .setEmail("alice@example.com").setHandle("@alice").setVia("secops-oncall").build();
    }

    public static io.driftwatch.model.IncidentPlan incidentPlan() {
        return io.driftwatch.model.IncidentPlan.newBuilder()
                .setPlanName("acme-container-ir").setPlanVersion("3f2a9c0d1b7e").setClassName("credential-tampering")
                .setClassTitle("Credentials or accounts changed in a container").setLead("secops-oncall")
                .setLeadRecipients(List.of(recipient())).setChannels(List.of("security-email", "security-chat"))
                .setStartedAt(1795082403500L).setAcknowledgedAt(1795082405000L).setAcknowledgedBy("local:alice")
                .setSteps(List.of(io.driftwatch.model.PlaybookStep.newBuilder().setId("preserve")
                                .setTitle("Snapshot the container's evidence").setKind("automated")
                                .setAction(ResponseAction.SNAPSHOT_EVIDENCE).setStatus("done").setAt(1795082404000L)
                                .setBy("driftwatch").build(),
                        io.driftwatch.model.PlaybookStep.newBuilder().setId("rotate")
                                .setTitle("Rotate every credential the container held").setKind("manual").build()))
                .setEscalations(List.of(io.driftwatch.model.PlanEscalation.newBuilder().setTier(1).setAfterMs(0)
                                .setDueAt(1795082403500L).setNotify(List.of("secops-oncall")).setChannels(List.of("pager"))
                                .setFiredAt(1795082403600L).build(),
                        io.driftwatch.model.PlanEscalation.newBuilder().setTier(2).setAfterMs(900_000)
                                .setDueAt(1795083303500L).setNotify(List.of("platform-security"))
                                .setChannels(List.of("security-email")).setStoppedAt(1795082405000L)
                                .setStoppedBy("local:alice").build()))
                .setObligations(List.of(io.driftwatch.model.PlanObligation.newBuilder().setId("breach-72h")
                        .setTitle("Notify the supervisory authority").setDueAt(1795341603500L)
                        .setRemindAt(List.of(1795255203500L, 1795327203500L)).build()))
                .setNotices(List.of(io.driftwatch.model.PlanNotice.newBuilder()
                        .setNotificationId("inc-0123456789abcdef/ESCALATION/1").setKind("ESCALATION").setTier(1)
                        .setChannel("pager").setRecipients(List.of(recipient())).setAt(1795082403900L)
                        .setOutcome("delivered").setReference("PD-1").build()))
                .build();
    }

    public static io.driftwatch.model.IncidentNotification incidentNotification() {
        return io.driftwatch.model.IncidentNotification.newBuilder()
                .setNotificationId("inc-0123456789abcdef/ESCALATION/1").setIncidentId("inc-0123456789abcdef")
                .setGroupKey("payments-java/ledger-7d9f8-abcde").setKind("ESCALATION").setTier(1)
                .setChannels(List.of("pager")).setRecipients(List.of(recipient()))
                .setSubject("[HIGH] inc-0123456789abcdef: cp overwrote /usr/bin/dpkg (tier 1)")
                .setText("Incident inc-0123456789abcdef is not acknowledged.").setAt(1795082403600L)
                .setIncident(incident()).build();
    }

    public static io.driftwatch.model.DrillReport drillReport() {
        return io.driftwatch.model.DrillReport.newBuilder()
                .setDrillId("drill-20261205-1").setDrill("weekly-credential-tamper").setPlanName("acme-container-ir")
                .setPlanVersion("3f2a9c0d1b7e").setAttack("write-passwd").setMode("runc").setStartedAt(1795082400000L)
                .setFinishedAt(1795082460000L).setPassed(true).setIncidentId("inc-0123456789abcdef")
                .setClassName("credential-tampering").setTimeToDetectMs(412L).setTimeToContainMs(1830L)
                .setTimeToAcknowledgeMs(20_150L)
                .setEscalations(List.of(io.driftwatch.model.DrillEscalation.newBuilder().setTier(1).setExpectedMs(0)
                        .setFiredMs(120L).setShouldFire(true).setOnTime(true).setDelivered(List.of("pager")).build()))
                .setChecks(List.of(io.driftwatch.model.DrillCheck.newBuilder().setName("detectWithin 5s").setPassed(true)
                        .setDetail("412 ms").build()))
                .build();
    }

    public static io.driftwatch.model.IncidentStatusChange statusChange() {
        return io.driftwatch.model.IncidentStatusChange.newBuilder()
                .setStatus(io.driftwatch.model.IncidentStatus.ACKNOWLEDGED).setUser("local:alice").setAt(1795082405000L)
                .setNote("looking into it").build();
    }

    public static io.driftwatch.model.IncidentInput incidentInput() {
        return io.driftwatch.model.IncidentInput.newBuilder()
                .setCommand(responseCommand()).setResult(responseResult())
                .build();
    }

    public static io.driftwatch.model.Capture capture() {
        return io.driftwatch.model.Capture.newBuilder()
                .setCaptureId("cap-a-1f2e").setAlertId("a-1f2e").setRuleId("DW-FIM-001").setContainerId("c0ffee01")
                .setFrom(1795082103000L).setTo(1795082703000L).setSealedAt(1795082704000L)
                .setMetadata(List.of(containerMetadata())).setExecSessions(List.of(execSession()))
                .setEvents(List.of(enrichedEvent())).setTruncated(false).setDroppedEvents(0)
                .build();
    }

    public static io.driftwatch.model.ImageBaseline imageBaseline() {
        return io.driftwatch.model.ImageBaseline.newBuilder()
                .setImageDigest("sha256:" + "5e".repeat(32)).setImage("oci:/images/shop:1.4").setScannedAt(1795082000000L)
                .setScanner("0.1.0").setLayers(List.of("sha256:" + "1a".repeat(32), "sha256:" + "2b".repeat(32)))
                .setFiles(List.of(
                        io.driftwatch.model.ImageFile.newBuilder().setPath("/bin").setKind(
                                io.driftwatch.model.ImageFileKind.DIR).setMode(0755).setLayer(0).build(),
                        io.driftwatch.model.ImageFile.newBuilder().setPath("/bin/sh").setKind(
                                io.driftwatch.model.ImageFileKind.FILE).setSha256("9f".repeat(32)).setMode(0755)
                                .setSize(1024).setLayer(1).build(),
                        io.driftwatch.model.ImageFile.newBuilder().setPath("/bin/ash").setKind(
                                io.driftwatch.model.ImageFileKind.SYMLINK).setLinkTarget("sh").setMode(0777)
                                .setLayer(1).build()))
                .build();
    }

    /** One of each, in the order of {@link Records#ALL}. */
    public static List<SpecificRecord> all() {
        return List.of(fileEvent(), containerMetadata(), execSession(), enrichedEvent(), alert(), responseCommand(),
                responseResult(), ruleBundle(), incident(), incidentInput(), capture(),
                imageBaseline(), incidentNotification(), drillReport());
    }
}
