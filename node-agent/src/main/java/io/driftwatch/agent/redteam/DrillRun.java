package io.driftwatch.agent.redteam;

import io.driftwatch.agent.NodeAgent;
import io.driftwatch.agent.fanotify.FanotifySensor;
import io.driftwatch.agent.publish.Publisher;
import io.driftwatch.agent.respond.CommandHandler;
import io.driftwatch.agent.respond.NodeResponder;
import io.driftwatch.agent.respond.Responder;
import io.driftwatch.agent.respond.k8s.NoKubernetes;
import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import io.driftwatch.model.Alert;
import io.driftwatch.model.DrillReport;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.IncidentPlan;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.PlanEscalation;
import io.driftwatch.model.PlanNotice;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.schemas.sign.CommandSignatures;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./driftwatch drill}: one drill of the response plan, end to end. The streams app runs with the plan (its own
 * JVM and embedded Kafka, or the Driftwatch the caller names); the drill's attack runs in a real runc container
 * watched by the node agent with the responder enforcing (root, runc and busybox-static), else as recorded file
 * events of a synthetic container produced to the events topic. The drill then watches the alerts, the responder's
 * results, the incident (its plan: class, acknowledgement, escalation tiers) and the plan's notifications;
 * acknowledges the incident on the team's behalf after the drill's acknowledgeAfter (counted from detection, the
 * plan's start, like the escalation timers), or waits for a person; and stops when all it waits for is seen
 * ({@link DrillMeasure#settled}) or at the drill's timeout. The report goes to the drills topic and a JSON file.
 */
public final class DrillRun {
    /** The user the drill acknowledges as (a person's change in the app's eyes: not "driftwatch"). */
    public static final String DRILL_USER = "drill";
    private static final Set<ResponseAction> CONTAINING = EnumSet.of(ResponseAction.PAUSE_CONTAINER,
            ResponseAction.ISOLATE_NETWORK, ResponseAction.KILL_CONTAINER);

    /**
     * @param planFile         the plan file (given to the embedded app as driftwatch.plan.file)
     * @param drill            what the drill needs from the plan (the CLI's {@code plan drill}: {@link DrillSpec#ask})
     * @param bootstrapServers null: start the streams app with its embedded Kafka and registry, and the plan
     * @param signingKeyFile   with bootstrapServers, in runc mode: the key the running app signs commands with
     * @param recorded         the recorded attack even where a real container could run
     * @param topicPrefix      the topics' prefix ("driftwatch.")
     */
    public record Config(Path planFile, DrillSpec drill, String bootstrapServers, String registryUrl,
                         Path signingKeyFile, Path workDir, boolean recorded, String node, String topicPrefix) {
    }

    private final Config config;
    private final PrintWriter progress;
    private final long began = System.nanoTime();

    public DrillRun(Config config, PrintWriter progress) {
        this.config = config;
        this.progress = progress;
    }

    /** Null when a real container can run here, else why not. */
    public static String whyNoContainer() {
        try {
            String status = Files.readString(Path.of("/proc/self/status"));
            for (String line : status.split("\n")) {
                if (line.startsWith("Uid:") && !line.split("\\s+")[2].equals("0")) {
                    return "not root";
                }
            }
            RuncSandbox.requirePrerequisites(Path.of("/bin/busybox"));
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        }
    }

    /** Runs the drill; cleans up what it made (container, agent, responder, stack, work directory). */
    public DrillReport run() throws Exception {
        DrillSpec drill = config.drill();
        String why = config.recorded() ? "--recorded" : whyNoContainer();
        String mode = why == null ? "runc" : "recorded";
        String drillId = drill.name() + "-" + Long.toString(System.currentTimeMillis(), 36);
        step("drill " + drill.name() + ": attack " + drill.attack() + ", mode " + mode
                + (why == null ? " (a real runc container)" : " (recorded events: " + why + ")"));
        Files.createDirectories(config.workDir());
        StackProcess stack = null;
        try {
            String bootstrap = config.bootstrapServers();
            String registry = config.registryUrl();
            Path key = config.signingKeyFile();
            if (bootstrap == null) {
                step("starting the streams app with the plan " + config.planFile() + ", its embedded Kafka and schema registry (its own JVM)");
                stack = StackProcess.start(config.workDir().resolve("stack"), progress, 240, true,
                        Map.of("driftwatch.plan.file", config.planFile().toAbsolutePath().toString()));
                bootstrap = stack.bootstrapServers();
                registry = stack.registryUrl();
                key = stack.signingKeyFile();
                done("streams app ready; Kafka at " + bootstrap);
            }
            DrillReport report = watch(bootstrap, registry, key, drillId, mode);
            publish(bootstrap, registry, report);
            return report;
        } finally {
            if (stack != null) {
                step("stopping the streams app");
                stack.close();
            }
            io.driftwatch.agent.AgentFiles.deleteQuietly(config.workDir());
        }
    }

    /** What the watcher thread collected, each with the wall-clock time it was read. */
    static final class Seen {
        final List<Alert> alerts = new ArrayList<>();
        final Map<Alert, Long> alertReadAt = new HashMap<>();
        final List<ResponseResult> results = new ArrayList<>();
        final Map<ResponseResult, Long> resultReadAt = new HashMap<>();
        final Set<String> commandIds = new java.util.HashSet<>();
        Incident incident;
        Long containedSeenAt;
        Long acknowledgedSeenAt;
        final Map<Integer, Long> notifiedTiers = new HashMap<>();
        boolean warm;
    }

    private DrillReport watch(String bootstrap, String registry, Path key, String drillId, String mode) throws Exception {
        DrillSpec drill = config.drill();
        String prefix = config.topicPrefix();
        String containerId = drillId.replaceAll("[^a-zA-Z0-9-]", "-");
        String pod = containerId;
        Seen seen = new Seen();
        AtomicBoolean consuming = new AtomicBoolean(true);
        long timeout = (drill.timeout() != null ? drill.timeout() : Duration.ofMinutes(3)).toMillis();
        try (KafkaConsumer<String, Object> consumer = RedTeam.consumer(bootstrap, registry);
             KafkaProducer<String, SpecificRecord> producer = producer(bootstrap, registry)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of("enriched-events", "alerts", "response-commands", "response-results",
                    "incidents", "incident-notifications")) {
                List<PartitionInfo> infos = consumer.partitionsFor(prefix + topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    step("topic " + prefix + topic + " not found: not watched");
                    continue;
                }
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            Thread poller = new Thread(() -> {
                while (consuming.get()) {
                    for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(50))) {
                        collect(seen, containerId, r.value(), System.currentTimeMillis());
                    }
                }
            }, "drill-watch");
            poller.setDaemon(true);
            poller.start();
            try {
                if (mode.equals("runc")) {
                    return inContainer(bootstrap, registry, key, drillId, containerId, pod, seen, producer, timeout);
                }
                return recorded(bootstrap, registry, drillId, containerId, seen, producer, timeout);
            } finally {
                consuming.set(false);
                poller.join(2_000);
            }
        }
    }

    private DrillReport inContainer(String bootstrap, String registry, Path key, String drillId, String containerId,
                                    String pod, Seen seen, KafkaProducer<String, SpecificRecord> producer, long timeout)
            throws Exception {
        if (key == null) {
            throw new IllegalArgumentException("the responder needs the key the app signs commands with (--signing-key-file)");
        }
        Map<String, String> annotations = Map.of(
                "io.kubernetes.cri.sandbox-name", pod,
                "io.kubernetes.cri.sandbox-namespace", "drill",
                "io.kubernetes.cri.container-name", "app",
                "io.kubernetes.cri.image-name", "busybox:static");
        step("creating container " + containerId + " (runc, busybox-static, rootfs on its own tmpfs)");
        try (RuncSandbox sandbox = RuncSandbox.create(config.workDir().resolve("containers"), containerId, annotations)) {
            RedTeam.prepare(sandbox.rootfs());
            RuntimeWatcher.Config watcher = RuntimeWatcher.Config.runcOnly(sandbox.stateRoot())
                    .withPollInterval(Duration.ofMillis(200));
            Publisher.Config publisher = new Publisher.Config(bootstrap, registry, config.topicPrefix() + "file-events",
                    config.topicPrefix() + "container-metadata", 100_000, Map.of());
            step("starting the node agent and the responder (enforcing)");
            try (NodeAgent agent = new NodeAgent(config.node(), FanotifySensor.Config.defaults(config.node()), watcher,
                    publisher).start()) {
                if (!agent.failures().isEmpty() || agent.watcher().byId(containerId).isEmpty()) {
                    throw new IllegalStateException("the agent could not watch container " + containerId + ": "
                            + agent.failures());
                }
                CommandSignatures signatures = CommandSignatures.of(List.of(CommandSignatures.readKey(key)));
                try (NodeResponder responder = new NodeResponder(
                        new Responder.Config(bootstrap, registry, config.topicPrefix(), config.node()),
                        new CommandHandler.Config(config.node(), true, signatures, Set.of("kube-system"), Set.of(), 5, 20, 3,
                                60_000, config.workDir().resolve("responder")),
                        agent.watcher(), List.of(sandbox.stateRoot()), new NoKubernetes()).start()) {
                    done("container " + containerId + " watched; responder running on node " + config.node());
                    warmUp(seen, () -> sandbox.exec("sh", "-c", "echo warm > /tmp/drill-warm-up.txt"));
                    long started = System.currentTimeMillis();
                    step("attack " + config.drill().attack() + ": " + DrillAttacks.script(config.drill().attack()));
                    RuncSandbox.ExecResult r = sandbox.exec("sh", "-c", DrillAttacks.script(config.drill().attack()));
                    done("attack done in " + (System.currentTimeMillis() - started) + " ms (exit " + r.exitCode() + ")");
                    return follow(drillId, "runc", started, containerId, seen, producer, timeout, true);
                }
            }
        } finally {
            step("removing the container, its tmpfs and bundle");
        }
    }

    private DrillReport recorded(String bootstrap, String registry, String drillId, String containerId, Seen seen,
                                 KafkaProducer<String, SpecificRecord> producer, long timeout) throws Exception {
        String node = config.node();
        long now = System.currentTimeMillis();
        producer.send(new ProducerRecord<>(config.topicPrefix() + "container-metadata", containerId,
                DrillAttacks.recordedContainer(containerId, node, now))).get(30, TimeUnit.SECONDS);
        warmUp(seen, () -> {
            FileEvent warm = DrillAttacks.recordedEvents("write-passwd", containerId, node, System.currentTimeMillis()).get(0);
            warm.setEventId(containerId + "-warm-up");
            warm.setPath("/tmp/drill-warm-up.txt");
            warm.setCmdline("sh -c echo warm > /tmp/drill-warm-up.txt");
            producer.send(new ProducerRecord<>(config.topicPrefix() + "file-events", containerId, warm));
            producer.flush();
        });
        long started = System.currentTimeMillis();
        List<FileEvent> events = DrillAttacks.recordedEvents(config.drill().attack(), containerId, node, started);
        step("attack " + config.drill().attack() + " as " + events.size() + " recorded events of container " + containerId);
        for (FileEvent e : events) {
            producer.send(new ProducerRecord<>(config.topicPrefix() + "file-events", containerId, e));
        }
        producer.flush();
        return follow(drillId, "recorded", started, containerId, seen, producer, timeout, false);
    }

    /**
     * Before the attack: a harmless write in the container, and a wait (at most 30 s) until its enriched event is out
     * of the app: the sensor sees the container, the app knows its metadata and its tasks are running, so the time to
     * detect measures the detection, not a cold start of the stack.
     */
    private void warmUp(Seen seen, Runnable harmless) throws InterruptedException {
        long began = System.currentTimeMillis();
        harmless.run();
        long deadline = began + 30_000;
        while (System.currentTimeMillis() < deadline) {
            synchronized (seen) {
                if (seen.warm) {
                    done("pipeline warm: a harmless write in the container came out enriched after "
                            + (System.currentTimeMillis() - began) + " ms");
                    if (!seen.alerts.isEmpty()) {
                        // The incident they opened decides the class: the drill would measure the wrong thing.
                        step("WARNING: alerts for the container before the attack: " + seen.alerts.stream()
                                .map(a -> a.getRuleId() + " " + a.getPath()).toList());
                    }
                    return;
                }
            }
            Thread.sleep(20);
        }
        step("no enriched event of the harmless write within 30 s: attacking anyway");
    }

    /** Watches until settled or the timeout, acknowledging when due; then measures. */
    private DrillReport follow(String drillId, String mode, long started, String containerId, Seen seen,
                               KafkaProducer<String, SpecificRecord> producer, long timeout, boolean containable)
            throws Exception {
        DrillSpec drill = config.drill();
        long deadline = started + timeout;
        boolean acked = false;
        boolean detectedSaid = false;
        boolean containedSaid = false;
        boolean ackSaid = false;
        Map<Integer, Boolean> tierSaid = new HashMap<>();
        DrillMeasure.Timeline timeline;
        while (true) {
            long now = System.currentTimeMillis();
            Incident incident;
            synchronized (seen) {
                timeline = timeline(seen, started, containable, now);
                incident = seen.incident;
            }
            if (!detectedSaid && timeline.detectedAt() != null) {
                detectedSaid = true;
                done("alert after " + (timeline.detectedAt() - started) + " ms");
            }
            if (!containedSaid && timeline.containedAt() != null) {
                containedSaid = true;
                done("contained after " + (timeline.containedAt() - started) + " ms");
            }
            if (!ackSaid && timeline.acknowledgedAt() != null) {
                ackSaid = true;
                done("incident acknowledged after " + (timeline.acknowledgedAt() - started) + " ms");
            }
            for (DrillMeasure.Tier t : timeline.tiers()) {
                if (t.firedAt() != null && tierSaid.put(t.tier(), true) == null) {
                    done("escalation tier " + t.tier() + " fired at +" + (t.firedAt() - timeline.timersFrom()) + " ms");
                }
            }
            if (DrillMeasure.settled(drill, timeline, now)) {
                break;
            }
            if (now >= deadline) {
                step("timeout (" + timeout + " ms) reached");
                break;
            }
            Long from = timeline.timersFrom();
            if (!acked && drill.acknowledgeAfter() != null && incident != null && from != null
                    && now >= from + drill.acknowledgeAfter().toMillis()) {
                acked = true;
                IncidentInput input = IncidentInput.newBuilder().setIncidentId(incident.getIncidentId())
                        .setStatusChange(IncidentStatusChange.newBuilder().setStatus(IncidentStatus.ACKNOWLEDGED)
                                .setUser(DRILL_USER).setAt(now).setNote("drill " + drill.name()
                                        + " acknowledges on the team's behalf").build()).build();
                producer.send(new ProducerRecord<>(config.topicPrefix() + "incident-inputs",
                        incident.getGroupKey().toString(), input)).get(30, TimeUnit.SECONDS);
                step("acknowledging incident " + incident.getIncidentId() + " as '" + DRILL_USER + "' (+"
                        + (now - from) + " ms after detection)");
            } else if (!acked && drill.acknowledgeAfter() == null && incident != null && !ackSaid
                    && tierSaid.isEmpty() && now % 10_000 < 60) {
                step("waiting for a person to acknowledge incident " + incident.getIncidentId());
            }
            Thread.sleep(50);
        }
        DrillMeasure.Result result = DrillMeasure.measure(drill, timeline);
        for (var c : result.checks()) {
            progress.printf("  %-4s %s: %s%n", c.getPassed() ? "ok" : "FAIL", c.getName(), c.getDetail());
        }
        progress.flush();
        return DrillReport.newBuilder().setDrillId(drillId).setDrill(drill.name()).setPlanName(drill.planName())
                .setPlanVersion(drill.planVersion()).setAttack(drill.attack()).setMode(mode).setStartedAt(started)
                .setFinishedAt(System.currentTimeMillis()).setPassed(result.passed())
                .setIncidentId(timeline.incidentId()).setClassName(timeline.className())
                .setTimeToDetectMs(result.timeToDetectMs()).setTimeToContainMs(result.timeToContainMs())
                .setTimeToAcknowledgeMs(result.timeToAcknowledgeMs()).setEscalations(result.escalations())
                .setChecks(result.checks()).setError(null).build();
    }

    /** The collected records as a timeline (under the lock of {@code seen}). */
    DrillMeasure.Timeline timeline(Seen seen, long started, boolean containable, long now) {
        // Alerts read before the attack (none are expected: the warm-up write is harmless) do not count.
        Long detectedAt = seen.alerts.stream().map(seen.alertReadAt::get).filter(t -> t >= started).min(Long::compare)
                .orElse(null);
        Long containedAt = seen.results.stream().filter(r -> r.getStatus() == ResponseStatus.DONE
                        && CONTAINING.contains(r.getAction()) && seen.commandIds.contains(r.getCommandId().toString())).map(seen.resultReadAt::get).min(Long::compare)
                .orElse(null);
        if (seen.containedSeenAt != null && (containedAt == null || seen.containedSeenAt < containedAt)) {
            containedAt = seen.containedSeenAt;
        }
        Incident incident = seen.incident;
        IncidentPlan plan = incident == null ? null : incident.getPlan();
        Long acknowledgedAt = null;
        if (plan != null && plan.getAcknowledgedAt() != null) {
            acknowledgedAt = plan.getAcknowledgedAt();
        } else if (incident != null) {
            acknowledgedAt = incident.getHistory().stream()
                    .filter(h -> !"driftwatch".equals(h.getUser().toString()) || h.getStatus() == IncidentStatus.ACKNOWLEDGED)
                    .map(IncidentStatusChange::getAt).min(Long::compare).orElse(null);
        }
        List<DrillMeasure.Tier> tiers = new ArrayList<>();
        String className = plan == null ? null : plan.getClassName().toString();
        if (plan != null) {
            for (PlanEscalation e : plan.getEscalations()) {
                Set<String> delivered = new LinkedHashSet<>();
                for (PlanNotice n : plan.getNotices()) {
                    if ("ESCALATION".equals(n.getKind().toString()) && n.getTier() != null && n.getTier() == e.getTier()
                            && "delivered".equals(n.getOutcome().toString()) && n.getChannel() != null) {
                        delivered.add(n.getChannel().toString());
                    }
                }
                Long fired = e.getFiredAt() != null ? e.getFiredAt() : seen.notifiedTiers.get(e.getTier());
                tiers.add(new DrillMeasure.Tier(e.getTier(), e.getAfterMs(), fired, e.getStoppedAt(),
                        List.copyOf(delivered)));
            }
        } else if (incident != null) {
            // The incident carries no plan (the app runs without one?): the tiers the plan file gives the drill's
            // class, none of them seen to fire.
            for (DrillSpec.Tier t : config.drill().escalation()) {
                tiers.add(new DrillMeasure.Tier(t.tier(), t.afterMs(), seen.notifiedTiers.get(t.tier()), null, List.of()));
            }
        }
        return new DrillMeasure.Timeline(started, detectedAt, incident == null ? null : incident.getIncidentId().toString(),
                className, containedAt, containable, acknowledgedAt, plan == null ? null : plan.getStartedAt(), tiers, now);
    }

    private static void collect(Seen seen, String containerId, Object value, long readAt) {
        synchronized (seen) {
            if (value instanceof io.driftwatch.model.EnrichedEvent e && e.getEvent() != null
                    && containerId.equals(String.valueOf(e.getEvent().getContainerId()))) {
                seen.warm = true;
            } else if (value instanceof Alert a && containerId.equals(String.valueOf(a.getContainerId()))) {
                seen.alerts.add(a);
                seen.alertReadAt.put(a, readAt);
            } else if (value instanceof ResponseCommand c && containerId.equals(String.valueOf(c.getContainerId()))) {
                seen.commandIds.add(c.getCommandId().toString());
            } else if (value instanceof ResponseResult r) {
                // Kept all: a result names its command, matched with the container's commands when measured.
                seen.results.add(r);
                seen.resultReadAt.put(r, readAt);
            } else if (value instanceof Incident i && concerns(i, containerId)) {
                if (seen.incident == null || seen.incident.getIncidentId().toString().equals(i.getIncidentId().toString())) {
                    seen.incident = i;
                    if (i.getStatus() == IncidentStatus.CONTAINED && seen.containedSeenAt == null) {
                        seen.containedSeenAt = readAt;
                    }
                }
            } else if (value instanceof IncidentNotification n && concerns(n.getIncident(), containerId)
                    && "ESCALATION".equals(n.getKind().toString()) && n.getTier() != null) {
                seen.notifiedTiers.putIfAbsent(n.getTier(), n.getAt());
            }
        }
    }

    private static boolean concerns(Incident i, String containerId) {
        return i != null && (containerId.equals(String.valueOf(i.getContainerId()))
                || i.getContainerIds().stream().anyMatch(c -> containerId.equals(c.toString())));
    }

    private void publish(String bootstrap, String registry, DrillReport report) throws Exception {
        try (KafkaProducer<String, SpecificRecord> producer = producer(bootstrap, registry)) {
            producer.send(new ProducerRecord<>(config.topicPrefix() + "drills", report.getDrillId().toString(), report))
                    .get(30, TimeUnit.SECONDS);
        }
        done("report " + report.getDrillId() + " written to " + config.topicPrefix() + "drills");
    }

    private static KafkaProducer<String, SpecificRecord> producer(String bootstrap, String registry) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry);
        AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
        values.configure(props, false);
        return new KafkaProducer<>(props, new StringSerializer(), values);
    }

    private void step(String what) {
        progress.println("  .. " + what);
        progress.flush();
    }

    private void done(String what) {
        progress.printf("  ok %s (%.1f s)%n", what, (System.nanoTime() - began) / 1e9);
        progress.flush();
    }
}
