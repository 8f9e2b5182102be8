package io.driftwatch.app.incidents;

import static io.driftwatch.app.incidents.IncidentDriver.T0;
import static io.driftwatch.app.incidents.IncidentDriver.alert;
import static io.driftwatch.app.incidents.IncidentDriver.command;
import static io.driftwatch.app.incidents.IncidentDriver.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.topology.NodeCommands;
import io.driftwatch.model.Alert;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentResponse;
import io.driftwatch.model.PlaybookStep;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.model.Severity;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.rules.plan.ResponsePlan;
import io.driftwatch.schemas.sign.CommandSignatures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plan's automated steps issued by the fold-incidents processor (src/response-plan.md "Automated steps"), on
 * TopologyTestDriver with its wall clock: the commands it writes to response-commands come back through the join to
 * the incident, as on a broker.
 */
class PlanStepsTest {
    private static final CommandSignatures KEY = CommandSignatures.of(List.of("plan-steps-test-key".getBytes(StandardCharsets.UTF_8)));
    private static RuleSet builtIn;
    private static RuleSet tuned;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void rules(@TempDir Path rulesDir) throws Exception {
        builtIn = RuleSet.builtIn();
        Files.writeString(rulesDir.resolve("tuning.yaml"), """
                responses:
                  namespaces:
                    shop-observe: observe
                    shop-isolate: isolate
                  protected: [shop-protected]
                """);
        tuned = RuleSet.load(rulesDir);
    }

    private static IncidentPlans plans(RuleSet rules, boolean issue) {
        ResponsePlan plan = PlanTopologyTest.plan();
        return new IncidentPlans(() -> plan, () -> rules, Duration.ofSeconds(1), 200,
                new PlanSteps(issue, Duration.ofSeconds(3)));
    }

    private IncidentDriver driver(IncidentPlans plans, NodeCommands nodes, String registry) {
        return new IncidentDriver(stateDir, Map.of(), plans, KEY, nodes, registry);
    }

    private IncidentDriver driver(IncidentPlans plans) {
        return driver(plans, null, "mock://plan-steps-" + UUID.randomUUID());
    }

    private static Alert credentialAlert(String id, String container, String namespace) {
        return alert(id, container, namespace, "web-1", T0, Severity.HIGH, "DW-FIM-021", List.of("T1098"), List.of());
    }

    private static Incident last(IncidentDriver d) {
        List<Incident> out = d.drain();
        assertFalse(out.isEmpty(), "an incident came out");
        return out.get(out.size() - 1);
    }

    private static PlaybookStep step(Incident incident, String id) {
        return incident.getPlan().getSteps().stream().filter(s -> s.getId().equals(id)).findFirst().orElseThrow();
    }

    private static List<ResponseAction> actions(List<ResponseCommand> commands) {
        return commands.stream().map(ResponseCommand::getAction).toList();
    }

    @Test
    void snapshotThenPauseAreIssuedSignedInOrderOnceWhenThePolicyDidNothing() {
        String registry = "mock://plan-steps-" + UUID.randomUUID();
        NodeCommands nodes = new NodeCommands("driftwatch.response-commands", topic -> true);
        String incidentId;
        try (IncidentDriver d = driver(plans(builtIn, true), nodes, registry)) {
            var nodeTopic = d.nodeTopic(nodes.topicOf("node-a"));
            d.pipe(credentialAlert("a1", "c1", "shop"));
            Incident opened = last(d);
            incidentId = opened.getIncidentId();
            assertEquals("credential-tampering", opened.getPlan().getClassName());
            assertTrue(d.store(IncidentTopology.PLAN_TIMERS_STORE).containsValue(incidentId + "/STEPS/1"));

            d.driver.advanceWallClockTime(Duration.ofMillis(2_000));
            assertTrue(d.planCommands.isEmpty(), "nothing before the grace is over (3 s)");
            d.driver.advanceWallClockTime(Duration.ofMillis(1_000));
            var out = d.planCommands.readKeyValuesToList();
            assertEquals(List.of(ResponseAction.SNAPSHOT_EVIDENCE, ResponseAction.PAUSE_CONTAINER),
                    out.stream().map(kv -> kv.value.getAction()).toList(), "playbook order: evidence first");
            for (var kv : out) {
                ResponseCommand c = kv.value;
                assertEquals("node-a", kv.key, "keyed by node: one partition, in order");
                assertNull(KEY.problem(c), "signed with the configured key");
                assertEquals("a1", c.getAlertId(), "the incident's first alert: the join brings it back here");
                assertTrue(c.getCommandId().startsWith("plan-"), c.getCommandId());
                assertEquals("c1", c.getContainerId());
                assertEquals("shop", c.getNamespace());
                assertEquals("web-1", c.getPodName());
                assertEquals(T0 + 3_000, c.getIssuedAt());
                assertEquals(T0 + 3_000 + 600_000, c.getExpiresAt());
                assertTrue(c.getParameters().get("reason").contains("class credential-tampering"),
                        c.getParameters().toString());
            }
            assertEquals(out.stream().map(kv -> kv.value).toList(), nodeTopic.readValuesToList(),
                    "the same commands on the node's own topic");
            assertEquals(PlanFold.command(opened, opened.getPlan(), step(opened, "preserve"), 0).getCommandId(),
                    out.get(0).value.getCommandId(), "deterministic ids");

            Incident issued = last(d);
            assertEquals("pending", step(issued, "preserve").getStatus());
            assertTrue(step(issued, "preserve").getNote().startsWith("requested by the plan (command plan-"),
                    step(issued, "preserve").getNote());
            assertTrue(step(issued, "contain").getNote().startsWith("requested by the plan (command plan-"));
            assertEquals(List.of(ResponseAction.SNAPSHOT_EVIDENCE, ResponseAction.PAUSE_CONTAINER),
                    issued.getResponses().stream().map(IncidentResponse::getAction).toList(),
                    "the commands came back through response-commands and the join");
            assertEquals(2, d.counters.planCommandCount());

            // The responder's results tick the steps.
            d.pipe(result(out.get(0).value, ResponseStatus.DONE, "/var/lib/driftwatch/evidence/x", T0 + 4_000));
            d.pipe(result(out.get(1).value, ResponseStatus.DONE, "paused", T0 + 4_500));
            Incident done = last(d);
            assertEquals("done", step(done, "preserve").getStatus());
            assertEquals("done", step(done, "contain").getStatus());
            assertEquals("pending", step(done, "rotate").getStatus(), "a manual step waits for a person");

            for (int i = 0; i < 30; i++) {
                d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            }
            assertTrue(d.planCommands.isEmpty(), "nothing is issued twice");
            assertFalse(d.store(IncidentTopology.PLAN_TIMERS_STORE).values().stream()
                    .anyMatch(v -> v.toString().contains("/STEPS/")), "the step timer is gone");
        }
        // (TopologyTestDriver wipes its state directory on close, so a restart is not tested here: the step timer is
        // taken from the timers store in the commit that writes the commands, as the escalation timers that
        // PlanEscalationIT restarts on a real broker.)
    }

    @Test
    void nothingIsIssuedForAnActionThePolicyAlreadyIssued() {
        try (IncidentDriver d = driver(plans(builtIn, true))) {
            Alert a1 = credentialAlert("a1", "c1", "shop");
            d.pipe(a1);
            ResponseCommand snapshot = command("policy-snapshot", a1, ResponseAction.SNAPSHOT_EVIDENCE);
            d.pipe(snapshot);
            d.planCommands.readValuesToList(); // (the input above is not an output)
            d.driver.advanceWallClockTime(Duration.ofSeconds(3));
            List<ResponseCommand> out = d.planCommands.readValuesToList();
            assertEquals(List.of(ResponseAction.PAUSE_CONTAINER), actions(out), "only what the policy did not do");
            Incident incident = last(d);
            assertEquals("the response policy issued it (command policy-snapshot)", step(incident, "preserve").getNote());
            d.pipe(result(snapshot, ResponseStatus.DONE, "/evidence", T0 + 3_500));
            assertEquals("done", step(last(d), "preserve").getStatus(), "the policy's result ticks the step");
        }
        try (IncidentDriver d = driver(plans(builtIn, true))) {
            Alert a1 = credentialAlert("a1", "c1", "shop");
            d.pipe(a1);
            d.pipe(command("policy-snapshot", a1, ResponseAction.SNAPSHOT_EVIDENCE));
            d.pipe(command("policy-pause", a1, ResponseAction.PAUSE_CONTAINER));
            d.driver.advanceWallClockTime(Duration.ofSeconds(10));
            assertTrue(d.planCommands.isEmpty(), "the policy did both");
            assertEquals(0, d.counters.planCommandCount());
        }
    }

    @Test
    void theHostIsNeverPausedButItsEvidenceIsTaken() {
        try (IncidentDriver d = driver(plans(builtIn, true))) {
            d.pipe(credentialAlert("a1", "host", "shop"));
            d.driver.advanceWallClockTime(Duration.ofSeconds(3));
            assertEquals(List.of(ResponseAction.SNAPSHOT_EVIDENCE), actions(d.planCommands.readValuesToList()));
            PlaybookStep contain = step(last(d), "contain");
            assertEquals("skipped", contain.getStatus());
            assertTrue(contain.getNote().contains("container host"), contain.getNote());
        }
    }

    @Test
    void anIncidentWithoutANodeGetsNothing() {
        try (IncidentDriver d = driver(plans(builtIn, true))) {
            Alert a1 = credentialAlert("a1", "c1", "shop");
            a1.setNode(null);
            d.pipe(a1);
            d.driver.advanceWallClockTime(Duration.ofSeconds(3));
            assertTrue(d.planCommands.isEmpty());
            Incident incident = last(d);
            assertEquals("skipped", step(incident, "preserve").getStatus());
            assertEquals("skipped", step(incident, "contain").getStatus());
            assertTrue(step(incident, "contain").getNote().contains("no node"), step(incident, "contain").getNote());
        }
    }

    @Test
    void aProtectedNamespaceGetsOnlyTheSnapshot() {
        try (IncidentDriver d = driver(plans(tuned, true))) {
            d.pipe(credentialAlert("a1", "c1", "shop-protected"));
            d.driver.advanceWallClockTime(Duration.ofSeconds(3));
            assertEquals(List.of(ResponseAction.SNAPSHOT_EVIDENCE), actions(d.planCommands.readValuesToList()));
            PlaybookStep contain = step(last(d), "contain");
            assertEquals("skipped", contain.getStatus());
            assertTrue(contain.getNote().contains("namespace shop-protected is protected"), contain.getNote());
        }
    }

    @Test
    void theNamespaceModeIsACeiling() {
        try (IncidentDriver d = driver(plans(tuned, true))) {
            d.pipe(credentialAlert("a1", "c1", "shop-observe"));
            d.driver.advanceWallClockTime(Duration.ofSeconds(3));
            assertEquals(List.of(ResponseAction.SNAPSHOT_EVIDENCE), actions(d.planCommands.readValuesToList()));
            PlaybookStep contain = step(last(d), "contain");
            assertEquals("skipped", contain.getStatus());
            assertTrue(contain.getNote().contains("shop-observe is observe"), contain.getNote());
        }
        // The tuned set's default stays contain (the shipped "*"): a namespace of its own above it pauses too.
        assertEquals("contain", tuned.responseModes().modeOf("anything", "c1"));
        assertEquals("isolate", tuned.responseModes().modeOf("shop-isolate", "c1"));
        assertEquals("observe", tuned.responseModes().modeOf("kube-system", "c1"), "kube-system stays protected");
        assertEquals("observe", tuned.responseModes().modeOf("shop", "host"));
        Incident incident = Incident.newBuilder(new IncidentFold(IncidentSettings.from(
                io.driftwatch.app.config.DriftwatchConfig.of(Map.of())), AttackTactics.builtIn())
                .open("shop-isolate/web-1", credentialAlert("a1", "c1", "shop-isolate"))).build();
        assertNull(PlanFold.refusal(incident, ResponseAction.ISOLATE_NETWORK, tuned.responseModes()));
        assertTrue(PlanFold.refusal(incident, ResponseAction.KILL_CONTAINER, tuned.responseModes()).contains("is isolate"));
        assertTrue(PlanFold.refusal(incident, ResponseAction.ISOLATE_NETWORK, builtIn.responseModes()).contains("is contain"));
        assertNull(PlanFold.refusal(incident, ResponseAction.PAUSE_CONTAINER, builtIn.responseModes()));
        assertTrue(PlanFold.refusal(incident, ResponseAction.PAUSE_CONTAINER, null).contains("unknown"));
    }

    @Test
    void withIssuingOffTheStepsAreOnlyTracked() {
        try (IncidentDriver d = driver(plans(builtIn, false))) {
            Alert a1 = credentialAlert("a1", "c1", "shop");
            d.pipe(a1);
            assertFalse(d.store(IncidentTopology.PLAN_TIMERS_STORE).values().stream()
                    .anyMatch(v -> v.toString().contains("/STEPS/")), "no step timer");
            d.driver.advanceWallClockTime(Duration.ofSeconds(10));
            assertTrue(d.planCommands.isEmpty());
            ResponseCommand pause = command("policy-pause", a1, ResponseAction.PAUSE_CONTAINER);
            d.pipe(pause);
            d.pipe(result(pause, ResponseStatus.DONE, "paused", T0 + 11_000));
            Incident incident = last(d);
            assertEquals("done", step(incident, "contain").getStatus());
            assertEquals("pending", step(incident, "preserve").getStatus());
            assertNull(step(incident, "preserve").getNote());
        }
    }
}
