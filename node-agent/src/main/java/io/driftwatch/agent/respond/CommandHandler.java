package io.driftwatch.agent.respond;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.agent.fanotify.MountInfo;
import io.driftwatch.agent.respond.k8s.KubernetesActions;
import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.model.Severity;
import io.driftwatch.schemas.sign.CommandSignatures;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides and carries out one response command, in this order:
 * <ol>
 * <li>a command for another node is not ours (no result);
 * <li>a command already handled (same commandId) is not acted on again (no second result);
 * <li>unsigned, forged (HMAC does not verify) or expired: REFUSED;
 * <li>a disruptive action (pause, kill, isolate) on the node itself (containerId {@code host}), a protected namespace
 *     or container: REFUSED;
 * <li>while the circuit breaker is open (repeated failures), disruptive actions: REFUSED;
 * <li>past the rate limits (pauses and kills per minute on this node, and across all nodes as the
 *     results topic shows them): REFUSED, and an alert says so;
 * <li>dry run (the default): SKIPPED_DRY_RUN with what would have been done;
 * <li>otherwise the action: DONE or FAILED. A kill is always preceded by an evidence snapshot of the
 *     same container (taken now if this responder has none): no snapshot, no kill.
 * </ol>
 * Every decision is appended to the audit log (JSON lines). Not thread-safe: the responder's one
 * handler thread calls it.
 */
public final class CommandHandler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommandHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Set<ResponseAction> DISRUPTIVE = EnumSet.of(ResponseAction.PAUSE_CONTAINER, ResponseAction.KILL_CONTAINER,
            ResponseAction.ISOLATE_NETWORK);
    static final Set<ResponseAction> STOPPING = EnumSet.of(ResponseAction.PAUSE_CONTAINER, ResponseAction.KILL_CONTAINER);
    private static final long SNAPSHOT_FRESH_MS = 10 * 60_000L;
    /** The container id of the node's own events (host FIM): never paused, killed or isolated. */
    static final String HOST = "host";

    /**
     * @param node                 this node's name: only commands keyed and addressed to it are handled
     * @param enforce              false (the default): dry run, nothing is done
     * @param signatures           the keys commands must be signed with; null refuses every command
     * @param protectedNamespaces  never paused, killed or isolated (kube-system by default)
     * @param protectedContainers  container ids or names never paused, killed or isolated; a container
     *                             labelled {@code driftwatch.io/protected=true} is protected too
     * @param perNodePerMinute     pauses and kills this responder does per minute at most
     * @param globalPerMinute      pauses and kills all responders together do per minute at most
     * @param breakerFailures      failed actions in a row that open the circuit breaker
     * @param breakerCooldownMs    how long it stays open before one more try
     * @param stateDir             handled command ids, the audit log, evidence bundles
     */
    public record Config(String node, boolean enforce, CommandSignatures signatures, Set<String> protectedNamespaces,
            Set<String> protectedContainers, int perNodePerMinute, int globalPerMinute, int breakerFailures,
            long breakerCooldownMs, Path stateDir) {
    }

    /** What handling a command produced: the result to publish (if any) and an alert to raise (if any). */
    public record Decision(ResponseResult result, Alert alert) {
    }

    private final Config config;
    private final Function<String, Optional<ContainerInfo>> containers;
    private final Function<String, List<EnrichedEvent>> trail;
    private final ContainerActions runtime;
    private final KubernetesActions kubernetes;
    private final EvidenceCollector evidence;
    private final LongSupplier clock;
    private final HandledCommands handled;
    private final BufferedWriter audit;
    private final Safety.RateLimit nodeLimit;
    private final Safety.RateLimit globalLimit;
    private final Safety.CircuitBreaker breaker;
    private final Map<String, Long> snapshots = new HashMap<>();
    private final Map<String, Path> lastBundle = new HashMap<>();

    public CommandHandler(Config config, Function<String, Optional<ContainerInfo>> containers,
            Function<String, List<EnrichedEvent>> trail, ContainerActions runtime, KubernetesActions kubernetes,
            EvidenceCollector evidence, LongSupplier clock) throws IOException {
        this.config = config;
        this.containers = containers;
        this.trail = trail;
        this.runtime = runtime;
        this.kubernetes = kubernetes;
        this.evidence = evidence;
        this.clock = clock;
        Files.createDirectories(config.stateDir());
        this.handled = new HandledCommands(config.stateDir().resolve("handled-commands.txt"), 100_000);
        this.audit = Files.newBufferedWriter(config.stateDir().resolve("audit.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        this.nodeLimit = new Safety.RateLimit(config.perNodePerMinute(), 60_000);
        this.globalLimit = new Safety.RateLimit(config.globalPerMinute(), 60_000);
        this.breaker = new Safety.CircuitBreaker(config.breakerFailures(), config.breakerCooldownMs());
    }

    /** Another responder paused or killed a container at {@code at} (from the results topic). */
    /**
     * The circuit breaker's state for the metrics: 0 closed, 1 open (disruptive actions refused), 2 half-open (the
     * cooldown is over; the next action is a try). Any thread; does not wait for a command in hand.
     */
    public int breakerState() {
        return breaker.state(clock.getAsLong());
    }

    public synchronized void otherNodeStopped(long at) {
        globalLimit.record(at);
    }

    /** The evidence bundle last taken of a container by this responder, if any. */
    public synchronized Optional<Path> lastBundle(String containerId) {
        return Optional.ofNullable(lastBundle.get(containerId));
    }

    /** Handles one command read from the topic under {@code key}; empty when it is not this node's or a repeat. */
    public synchronized Optional<Decision> handle(String key, ResponseCommand c) throws IOException {
        if (!config.node().equals(key) || c.getNode() != null && !config.node().equals(c.getNode())) {
            return Optional.empty();
        }
        if (c.getCommandId() == null || c.getCommandId().isBlank()) {
            return Optional.of(finish(c, ResponseStatus.REFUSED, "no commandId", null));
        }
        if (handled.contains(c.getCommandId())) {
            log(c, null, "already handled: not acted on again");
            return Optional.empty();
        }
        long now = clock.getAsLong();
        String problem = config.signatures() == null ? "no signing key is configured on this responder"
                : config.signatures().problem(c);
        if (problem != null) {
            return Optional.of(finish(c, ResponseStatus.REFUSED, "signature: " + problem + " (not a command from Driftwatch)", null));
        }
        if (c.getExpiresAt() != null && now > c.getExpiresAt()) {
            return Optional.of(finish(c, ResponseStatus.REFUSED, "expired at " + Instant.ofEpochMilli(c.getExpiresAt()), null));
        }
        Optional<ContainerInfo> container = c.getContainerId() == null ? Optional.empty() : containers.apply(c.getContainerId());
        boolean disruptive = DISRUPTIVE.contains(c.getAction());
        if (disruptive) {
            String why = protectedBecause(c, container.orElse(null));
            if (why != null) {
                return Optional.of(finish(c, ResponseStatus.REFUSED, why + ": never paused, killed or isolated", null));
            }
            String open = breaker.refusal(now);
            if (open != null) {
                return Optional.of(finish(c, ResponseStatus.REFUSED, open, null));
            }
        }
        if (STOPPING.contains(c.getAction()) && config.enforce()) {
            String limited = !nodeLimit.allows(now)
                    ? nodeLimit.inWindow(now) + " containers paused or killed on this node in the last minute (limit "
                            + nodeLimit.limit() + ")"
                    : !globalLimit.allows(now)
                            ? globalLimit.inWindow(now) + " containers paused or killed across all nodes in the last minute (limit "
                                    + globalLimit.limit() + ")"
                            : null;
            if (limited != null) {
                String detail = "rate limit: " + limited;
                return Optional.of(finish(c, ResponseStatus.REFUSED, detail, rateLimitAlert(c, detail, now)));
            }
        }
        if (!config.enforce()) {
            return Optional.of(finish(c, ResponseStatus.SKIPPED_DRY_RUN, "dry run: would " + describe(c, container), null));
        }
        ContainerActions.Outcome outcome = act(c, container, now);
        if (disruptive || c.getAction() == ResponseAction.SNAPSHOT_EVIDENCE) {
            if (outcome.done()) {
                breaker.success();
            } else {
                breaker.failure(now);
            }
        }
        if (outcome.done() && STOPPING.contains(c.getAction())) {
            nodeLimit.record(now);
            globalLimit.record(now);
        }
        return Optional.of(finish(c, outcome.done() ? ResponseStatus.DONE : ResponseStatus.FAILED, outcome.detail(), null));
    }

    private ContainerActions.Outcome act(ResponseCommand c, Optional<ContainerInfo> container, long now) {
        String id = c.getContainerId();
        try {
            return switch (c.getAction()) {
                case PAUSE_CONTAINER -> runtime.pause(id);
                case RESUME_CONTAINER -> runtime.resume(id);
                case SNAPSHOT_EVIDENCE -> snapshot(c, container);
                case KILL_CONTAINER -> {
                    Long taken = snapshots.get(id);
                    String before = "";
                    if (taken == null || now - taken > SNAPSHOT_FRESH_MS) {
                        ContainerActions.Outcome snap = snapshot(c, container);
                        if (!snap.done()) {
                            yield new ContainerActions.Outcome(false, "not killed: the evidence snapshot that must come first failed: "
                                    + snap.detail());
                        }
                        before = snap.detail() + "; then ";
                    }
                    ContainerActions.Outcome kill = runtime.kill(id);
                    yield new ContainerActions.Outcome(kill.done(), before + kill.detail());
                }
                case ISOLATE_NETWORK -> {
                    KubernetesActions.Outcome o = kubernetes.isolate(c.getNamespace(), c.getPodName(), c.getCommandId(), false);
                    yield new ContainerActions.Outcome(o.done(), o.detail());
                }
                case LABEL_POD -> {
                    Map<String, String> labels = new LinkedHashMap<>();
                    c.getParameters().forEach((k, v) -> {
                        if (k.startsWith("label.")) {
                            labels.put(k.substring(6), v);
                        }
                    });
                    if (labels.isEmpty()) {
                        labels.put("driftwatch.io/alert", c.getAlertId() == null ? "unknown" : c.getAlertId().substring(0,
                                Math.min(16, c.getAlertId().length())));
                    }
                    KubernetesActions.Outcome o = kubernetes.label(c.getNamespace(), c.getPodName(), labels, c.getCommandId(), false);
                    yield new ContainerActions.Outcome(o.done(), o.detail());
                }
                case NOTIFY -> new ContainerActions.Outcome(true,
                        "nothing to do on the node: notifications are sent from the alerts topic (./driftwatch notify)");
            };
        } catch (RuntimeException e) {
            return new ContainerActions.Outcome(false, c.getAction() + " failed: " + e);
        }
    }

    private ContainerActions.Outcome snapshot(ResponseCommand c, Optional<ContainerInfo> container) {
        if (container.isEmpty()) {
            return new ContainerActions.Outcome(false, "container " + c.getContainerId() + " is not running on this node");
        }
        ContainerInfo info = container.get();
        try {
            Path upper = null;
            MountInfo mount = MountInfo.at(Path.of("/proc/self/mountinfo"), info.rootfs().toString());
            if (mount != null && "overlay".equals(mount.fsType()) && mount.superOptions().containsKey("upperdir")) {
                upper = Path.of(mount.superOptions().get("upperdir"));
            }
            EvidenceCollector.Bundle b = evidence.collect(info, c, trail.apply(info.id()), upper);
            snapshots.put(info.id(), clock.getAsLong());
            lastBundle.put(info.id(), b.dir());
            return new ContainerActions.Outcome(true, "evidence bundle " + b.dir() + ": " + b.files() + " files, " + b.bytes()
                    + " bytes" + (b.skipped() > 0 ? ", " + b.skipped() + " left out (see manifest)" : ""));
        } catch (IOException | RuntimeException e) {
            return new ContainerActions.Outcome(false, "evidence snapshot failed: " + e.getMessage());
        }
    }

    private String protectedBecause(ResponseCommand c, ContainerInfo container) {
        if (HOST.equals(c.getContainerId())) {
            // Host FIM's events (DESIGN.md): the policy only notifies for them; a forged or mistaken command must not
            // freeze, kill or cut off the node all the same.
            return "the node itself (containerId host) is not a container";
        }
        String ns = c.getNamespace() != null ? c.getNamespace() : container == null ? null : container.namespace();
        if (ns != null && config.protectedNamespaces().contains(ns)) {
            return "namespace " + ns + " is protected";
        }
        if (c.getContainerId() != null && config.protectedContainers().contains(c.getContainerId())) {
            return "container " + c.getContainerId() + " is protected";
        }
        if (container != null) {
            if (container.containerName() != null && config.protectedContainers().contains(container.containerName())) {
                return "container " + container.containerName() + " is protected";
            }
            if ("true".equals(container.labels().get("driftwatch.io/protected"))) {
                return "container " + container.id() + " is labelled driftwatch.io/protected=true";
            }
        }
        return null;
    }

    private static String describe(ResponseCommand c, Optional<ContainerInfo> container) {
        String target = "container " + c.getContainerId() + container.map(i -> " (" + i.runtime() + ")").orElse(" (not found here)");
        return switch (c.getAction()) {
            case PAUSE_CONTAINER -> "pause " + target;
            case RESUME_CONTAINER -> "resume " + target;
            case KILL_CONTAINER -> "snapshot evidence of, then kill, " + target;
            case SNAPSHOT_EVIDENCE -> "take an evidence bundle of " + target;
            case ISOLATE_NETWORK -> "isolate pod " + c.getNamespace() + "/" + c.getPodName() + " with a deny-all NetworkPolicy";
            case LABEL_POD -> "label pod " + c.getNamespace() + "/" + c.getPodName();
            case NOTIFY -> "nothing (notifications come from the alerts topic)";
        };
    }

    private Alert rateLimitAlert(ResponseCommand c, String detail, long now) {
        Map<String, String> evidenceMap = new LinkedHashMap<>();
        evidenceMap.put("commandId", c.getCommandId());
        evidenceMap.put("action", c.getAction().name());
        evidenceMap.put("responderNode", config.node());
        return Alert.newBuilder()
                .setAlertId(sha256("rate-limit", c.getCommandId()))
                .setRuleId("DW-RESP-001")
                .setRuleName("Responder rate limit reached")
                .setRuleVersion("1")
                .setSeverity(Severity.HIGH)
                .setMitre(List.of())
                .setTags(List.of("responder", "safety"))
                .setTimestamp(now)
                .setEventIds(List.of())
                .setContainerId(c.getContainerId() == null ? "host" : c.getContainerId())
                .setPodName(c.getPodName())
                .setNamespace(c.getNamespace())
                .setNode(config.node())
                .setUsers(List.of())
                .setMessage("Responder on " + config.node() + " refused to " + c.getAction() + " container "
                        + c.getContainerId() + ": " + detail + "; a person should look")
                .setEvidence(evidenceMap)
                .setCount(1)
                .build();
    }

    private Decision finish(ResponseCommand c, ResponseStatus status, String detail, Alert alert) throws IOException {
        ResponseResult result = ResponseResult.newBuilder()
                .setCommandId(c.getCommandId() == null ? "" : c.getCommandId())
                .setNode(config.node())
                .setAction(c.getAction())
                .setStatus(status)
                .setDetail(detail)
                .setFinishedAt(clock.getAsLong())
                .build();
        if (c.getCommandId() != null && !c.getCommandId().isBlank()) {
            handled.add(c.getCommandId());
        }
        log(c, status, detail);
        (status == ResponseStatus.REFUSED || status == ResponseStatus.FAILED ? LOG.atWarn() : LOG.atInfo())
                .log("{} {} container {}: {} ({})", status, c.getAction(), c.getContainerId(), detail, c.getCommandId());
        return new Decision(result, alert);
    }

    private void log(ResponseCommand c, ResponseStatus status, String detail) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.ofEpochMilli(clock.getAsLong()).toString());
        line.put("node", config.node());
        line.put("commandId", c.getCommandId());
        line.put("alertId", c.getAlertId());
        line.put("action", c.getAction() == null ? null : c.getAction().name());
        line.put("containerId", c.getContainerId());
        line.put("namespace", c.getNamespace());
        line.put("pod", c.getPodName());
        line.put("enforce", config.enforce());
        line.put("status", status == null ? "DUPLICATE" : status.name());
        line.put("detail", detail);
        audit.write(JSON.writeValueAsString(line));
        audit.newLine();
        audit.flush();
    }

    private static String sha256(String... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                d.update(p.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return HexFormat.of().formatHex(d.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        handled.close();
        audit.close();
    }
}
