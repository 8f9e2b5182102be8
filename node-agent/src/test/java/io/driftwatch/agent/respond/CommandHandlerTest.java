package io.driftwatch.agent.respond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.respond.k8s.NoKubernetes;
import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.schemas.sign.CommandSignatures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The responder's decisions, one rule at a time. The container runtime is a recording stand-in here
 * (the real runc actions are exercised by {@code redteam --respond} in RedTeamRespondIT); evidence
 * bundles are real, taken from a directory standing in for a container root.
 */
class CommandHandlerTest {
    static final byte[] KEY = "the-responders-shared-secret-0001".getBytes(StandardCharsets.UTF_8);
    static final CommandSignatures SIGNER = CommandSignatures.of(List.of(KEY));

    @TempDir
    Path tmp;
    final AtomicLong clock = new AtomicLong(1_000_000);
    final List<String> calls = new ArrayList<>();
    boolean failActions;
    CommandHandler handler;
    int ids;

    /** Records what it was asked to do; fails on demand. */
    final class RecordingActions extends ContainerActions {
        RecordingActions() {
            super(List.of(), "runc");
        }

        @Override
        public Outcome pause(String id) {
            calls.add("pause " + id);
            return new Outcome(!failActions, failActions ? "runc pause failed" : "paused");
        }

        @Override
        public Outcome resume(String id) {
            calls.add("resume " + id);
            return new Outcome(!failActions, "resumed");
        }

        @Override
        public Outcome kill(String id) {
            calls.add("kill " + id);
            return new Outcome(!failActions, "killed");
        }
    }

    CommandHandler handler(boolean enforce, int perNode, int global) throws Exception {
        Path rootfs = tmp.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("tmp"));
        Files.writeString(rootfs.resolve("tmp/payload"), "#!/bin/sh\necho pwned\n");
        Map<String, ContainerInfo> known = Map.of(
                "c1", container("c1", "shop", rootfs, Map.of()),
                "c2", container("c2", "shop", rootfs, Map.of()),
                "c3", container("c3", "shop", rootfs, Map.of()),
                "guarded", container("guarded", "shop", rootfs, Map.of("driftwatch.io/protected", "true")));
        handler = new CommandHandler(new CommandHandler.Config("node-a", enforce, SIGNER, Set.of("kube-system"),
                Set.of("etcd"), perNode, global, 3, 60_000, tmp.resolve("state")),
                id -> Optional.ofNullable(known.get(id)), id -> List.of(), new RecordingActions(), new NoKubernetes(),
                new EvidenceCollector(tmp.resolve("evidence"), Path.of("/proc"), 100, 1 << 20), clock::get);
        return handler;
    }

    static ContainerInfo container(String id, String ns, Path rootfs, Map<String, String> labels) {
        return new ContainerInfo(id, "runc", rootfs, null, 0L, null, "app", "web-1", ns, null, "busybox", labels, false);
    }

    ResponseCommand command(ResponseAction action, String container, String ns) {
        return SIGNER.signed(ResponseCommand.newBuilder().setCommandId("cmd-" + ++ids).setAlertId("alert-1").setAction(action)
                .setNode("node-a").setContainerId(container).setNamespace(ns).setPodName("web-1")
                .setIssuedAt(clock.get()).setExpiresAt(clock.get() + 600_000).build());
    }

    ResponseStatus status(ResponseCommand c) throws Exception {
        return handler.handle("node-a", c).orElseThrow().result().getStatus();
    }

    String detail(ResponseCommand c) throws Exception {
        return handler.handle("node-a", c).orElseThrow().result().getDetail();
    }

    @AfterEach
    void close() throws Exception {
        if (handler != null) {
            handler.close();
        }
    }

    @Test
    void dryRunByDefaultDoesNothingAndSaysWhatItWouldDo() throws Exception {
        handler(false, 5, 20);
        var d = handler.handle("node-a", command(ResponseAction.PAUSE_CONTAINER, "c1", "shop")).orElseThrow();
        assertEquals(ResponseStatus.SKIPPED_DRY_RUN, d.result().getStatus());
        assertTrue(d.result().getDetail().contains("would pause container c1"), d.result().getDetail());
        assertEquals(List.of(), calls);
    }

    @Test
    void unsignedForgedAndExpiredCommandsAreRefusedWithTheReason() throws Exception {
        handler(true, 5, 20);
        ResponseCommand unsigned = command(ResponseAction.KILL_CONTAINER, "c1", "shop");
        unsigned.setSignature(null);
        assertTrue(detail(unsigned).contains("signature: unsigned"));
        ResponseCommand forged = command(ResponseAction.KILL_CONTAINER, "c1", "shop");
        CommandSignatures.of(List.of("an-attackers-own-secret-of-32-b!".getBytes(StandardCharsets.UTF_8))).signed(forged);
        assertEquals(ResponseStatus.REFUSED, status(forged));
        ResponseCommand tampered = command(ResponseAction.PAUSE_CONTAINER, "c1", "shop");
        tampered.setAction(ResponseAction.KILL_CONTAINER); // signed as a pause
        assertTrue(detail(tampered).contains("signature does not match"));
        ResponseCommand expired = command(ResponseAction.PAUSE_CONTAINER, "c1", "shop");
        clock.addAndGet(600_001);
        assertTrue(detail(expired).startsWith("expired at"));
        assertEquals(List.of(), calls, "nothing was done");
    }

    @Test
    void aReplayedCommandIsNotActedOnTwiceNotEvenAfterARestart() throws Exception {
        handler(true, 5, 20);
        ResponseCommand pause = command(ResponseAction.PAUSE_CONTAINER, "c1", "shop");
        assertEquals(ResponseStatus.DONE, status(pause));
        assertTrue(handler.handle("node-a", pause).isEmpty(), "no second result");
        handler.close();
        handler(true, 5, 20); // a new responder process on the same state directory
        assertTrue(handler.handle("node-a", pause).isEmpty(), "remembered across a restart");
        assertEquals(List.of("pause c1"), calls);
        assertTrue(Files.readString(tmp.resolve("state/audit.jsonl")).contains("\"status\":\"DUPLICATE\""));
    }

    @Test
    void commandsForAnotherNodeAreNotOurs() throws Exception {
        handler(true, 5, 20);
        ResponseCommand elsewhere = command(ResponseAction.PAUSE_CONTAINER, "c1", "shop");
        assertTrue(handler.handle("node-b", elsewhere).isEmpty());
        assertEquals(List.of(), calls);
    }

    @Test
    void protectedNamespacesAndContainersNeverGetDisruptiveActions() throws Exception {
        handler(true, 5, 20);
        assertTrue(detail(command(ResponseAction.KILL_CONTAINER, "c9", "kube-system")).contains("namespace kube-system is protected"));
        assertTrue(detail(command(ResponseAction.PAUSE_CONTAINER, "etcd", "shop")).contains("container etcd is protected"));
        assertTrue(detail(command(ResponseAction.PAUSE_CONTAINER, "guarded", "shop")).contains("driftwatch.io/protected=true"));
        assertTrue(detail(command(ResponseAction.ISOLATE_NETWORK, "c9", "kube-system")).contains("protected"));
        // Evidence is not disruptive: it is taken even in a protected namespace.
        assertEquals(ResponseStatus.DONE, status(command(ResponseAction.SNAPSHOT_EVIDENCE, "guarded", "shop")));
        assertEquals(List.of(), calls);
    }

    @Test
    void theNodeItselfIsNeverPausedKilledOrIsolated() throws Exception {
        handler(true, 5, 20); // enforcing: only the host guard stands between these commands and the node
        for (ResponseAction action : List.of(ResponseAction.PAUSE_CONTAINER, ResponseAction.KILL_CONTAINER,
                ResponseAction.ISOLATE_NETWORK)) {
            ResponseCommand c = command(action, "host", null);
            CommandHandler.Decision d = handler.handle("node-a", c).orElseThrow();
            assertEquals(ResponseStatus.REFUSED, d.result().getStatus(), action.toString());
            assertTrue(d.result().getDetail().contains("the node itself (containerId host)"), d.result().getDetail());
        }
        assertEquals(List.of(), calls);
        // Notifying about the node is fine.
        assertEquals(ResponseStatus.DONE, status(command(ResponseAction.NOTIFY, "host", null)));
    }

    @Test
    void pastThePerNodeRateLimitStopsAreRefusedAndAnAlertIsRaised() throws Exception {
        handler(true, 2, 20);
        assertEquals(ResponseStatus.DONE, status(command(ResponseAction.PAUSE_CONTAINER, "c1", "shop")));
        assertEquals(ResponseStatus.DONE, status(command(ResponseAction.KILL_CONTAINER, "c2", "shop")));
        var third = handler.handle("node-a", command(ResponseAction.PAUSE_CONTAINER, "c3", "shop")).orElseThrow();
        assertEquals(ResponseStatus.REFUSED, third.result().getStatus());
        assertTrue(third.result().getDetail().startsWith("rate limit: 2 containers paused or killed on this node"));
        assertNotNull(third.alert());
        assertEquals("DW-RESP-001", third.alert().getRuleId());
        assertEquals("c3", third.alert().getContainerId());
        clock.addAndGet(60_001); // a minute later there is room again
        assertEquals(ResponseStatus.DONE, status(command(ResponseAction.PAUSE_CONTAINER, "c3", "shop")));
    }

    @Test
    void theGlobalLimitCountsOtherNodesStops() throws Exception {
        handler(true, 5, 3);
        handler.otherNodeStopped(clock.get() - 1_000);
        handler.otherNodeStopped(clock.get() - 500);
        assertEquals(ResponseStatus.DONE, status(command(ResponseAction.PAUSE_CONTAINER, "c1", "shop")));
        var refused = handler.handle("node-a", command(ResponseAction.PAUSE_CONTAINER, "c2", "shop")).orElseThrow();
        assertTrue(refused.result().getDetail().contains("across all nodes"), refused.result().getDetail());
        assertNotNull(refused.alert());
    }

    @Test
    void repeatedFailuresOpenTheCircuitBreaker() throws Exception {
        handler(true, 50, 50);
        failActions = true;
        for (int i = 0; i < 3; i++) {
            assertEquals(ResponseStatus.FAILED, status(command(ResponseAction.PAUSE_CONTAINER, "c1", "shop")));
        }
        String refused = detail(command(ResponseAction.PAUSE_CONTAINER, "c2", "shop"));
        assertTrue(refused.startsWith("circuit breaker open after 3 failed actions"), refused);
        assertEquals(3, calls.size(), "the fourth was not tried");
        failActions = false;
        clock.addAndGet(60_000); // half-open: one try, which succeeds and closes it
        assertEquals(ResponseStatus.DONE, status(command(ResponseAction.PAUSE_CONTAINER, "c2", "shop")));
        assertEquals(ResponseStatus.DONE, status(command(ResponseAction.PAUSE_CONTAINER, "c3", "shop")));
    }

    @Test
    void aKillIsAlwaysPrecededByAnEvidenceBundleOfThatContainer() throws Exception {
        handler(true, 5, 20);
        var kill = handler.handle("node-a", command(ResponseAction.KILL_CONTAINER, "c1", "shop")).orElseThrow();
        assertEquals(ResponseStatus.DONE, kill.result().getStatus());
        assertTrue(kill.result().getDetail().startsWith("evidence bundle "), kill.result().getDetail());
        Path bundle = handler.lastBundle("c1").orElseThrow();
        assertEquals(List.of(), EvidenceCollector.verify(bundle));
        assertTrue(Files.exists(bundle.resolve("files/tmp/payload")));
        assertEquals(List.of("kill c1"), calls);
        // Evidence that cannot be taken means no kill.
        var noEvidence = handler.handle("node-a", command(ResponseAction.KILL_CONTAINER, "gone", "shop")).orElseThrow();
        assertEquals(ResponseStatus.FAILED, noEvidence.result().getStatus());
        assertTrue(noEvidence.result().getDetail().startsWith("not killed: the evidence snapshot"));
        assertEquals(List.of("kill c1"), calls);
    }

    @Test
    void aTamperedBundleFailsVerification() throws Exception {
        handler(true, 5, 20);
        assertEquals(ResponseStatus.DONE, status(command(ResponseAction.SNAPSHOT_EVIDENCE, "c1", "shop")));
        Path bundle = handler.lastBundle("c1").orElseThrow();
        Files.writeString(bundle.resolve("files/tmp/payload"), "innocent\n");
        Files.writeString(bundle.resolve("files/extra"), "planted\n");
        List<String> problems = EvidenceCollector.verify(bundle);
        assertTrue(problems.contains("files/tmp/payload: SHA-256 differs from the manifest"), problems.toString());
        assertTrue(problems.contains("files/extra: not in the manifest"), problems.toString());
    }

    @Test
    void kubernetesActionsOnAPlainRuntimeFailWithWhatIsPossible() throws Exception {
        handler(true, 5, 20);
        var isolate = handler.handle("node-a", command(ResponseAction.ISOLATE_NETWORK, "c1", "shop")).orElseThrow();
        assertEquals(ResponseStatus.FAILED, isolate.result().getStatus());
        assertNull(isolate.alert());
        assertTrue(isolate.result().getDetail().toLowerCase().contains("kubernetes"), isolate.result().getDetail());
    }
}
