package io.driftwatch.agent.redteam;

import io.driftwatch.agent.NodeAgent;
import io.driftwatch.agent.fanotify.FanotifySensor;
import io.driftwatch.agent.publish.Publisher;
import io.driftwatch.agent.respond.CommandHandler;
import io.driftwatch.agent.respond.NodeResponder;
import io.driftwatch.agent.respond.Responder;
import io.driftwatch.agent.respond.k8s.NoKubernetes;
import io.driftwatch.schemas.sign.CommandSignatures;
import java.util.Set;
import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import io.driftwatch.model.Alert;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The red-team run: a real container (runc, busybox-static, its root on a tmpfs of its own), the node
 * agent watching it, the streams app with the built-in rules (in its own JVM, or a stack the caller
 * names), and five attacks performed inside the container through {@code runc exec}. Each step passes
 * when an alert of the expected rule arrives for the container within the bound, measured from the
 * moment the step started.
 */
public final class RedTeam {
    /** One attack: a shell command run inside the container and the alert it must raise. */
    public record Step(String name, String command, String ruleId, String path) {
    }

    /** What a step got: the alert (null when none came in time) and the latency from action to alert. */
    public record Outcome(Step step, Alert alert, long latencyMs) {
        public boolean passed() {
            return alert != null;
        }
    }

    public static final List<Step> STEPS = List.of(
            new Step("overwrite a binary in /usr/bin", "cp /bin/busybox /usr/bin/healthcheck", "DW-FIM-001",
                    "/usr/bin/healthcheck"),
            new Step("add setuid to a file", "chmod u+s /usr/bin/healthcheck", "DW-FIM-006", "/usr/bin/healthcheck"),
            new Step("delete shell history", "rm -f /root/.ash_history", "DW-FIM-010", "/root/.ash_history"),
            new Step("write /etc/passwd", "echo 'svc-backup:x:0:0::/root:/bin/sh' >> /etc/passwd", "DW-FIM-021",
                    "/etc/passwd"),
            new Step("drop a binary, make it executable, run it",
                    "cp /bin/busybox /tmp/payload && chmod 755 /tmp/payload && /tmp/payload; true", "DW-EXE-001",
                    "/tmp/payload"));

    /** Fills a container's root before the agent watches it (what its image holds beyond a sandbox's own content). */
    @FunctionalInterface
    public interface RootfsPreparer {
        void prepare(Path rootfs) throws IOException;
    }

    /**
     * What a run does to its container.
     *
     * @param name        for the progress lines
     * @param annotations OCI annotations beyond the CRI ones every run gives (pod, namespace, container, image name)
     * @param prepare     fills the root before the agent watches
     * @param quiet       commands run first that must raise no alert of {@code quietRules} (a workload's own doings)
     * @param quietRules  the rules the quiet commands must not raise
     * @param steps       the attacks, each with the alert it must raise
     */
    public record Scenario(String name, Map<String, String> annotations, RootfsPreparer prepare, List<String> quiet,
            Set<String> quietRules, List<Step> steps) {
        public Scenario {
            annotations = Map.copyOf(annotations);
            quiet = List.copyOf(quiet);
            quietRules = Set.copyOf(quietRules);
            steps = List.copyOf(steps);
        }
    }

    /** The five attacks of {@code ./driftwatch redteam}. */
    public static final Scenario ATTACKS = new Scenario("attacks", Map.of(), RedTeam::prepare, List.of(), Set.of(), STEPS);

    /** The image-drift rules, which the quiet commands of {@link #drift} must not raise. */
    public static final Set<String> DRIFT_RULES = Set.of("DW-FIM-100", "DW-FIM-101", "DW-FIM-102", "DW-FIM-103");

    /**
     * Image drift: the container runs an image whose baseline was published under {@code imageDigest} (given to the
     * container as the {@code io.driftwatch.image.digest} annotation) and whose content is a sandbox's plus
     * {@link #prepareDriftImage}. The image's own programs run first and must raise no drift alert; then a program the
     * image does not hold is run, an image program is replaced and run, and an executable is planted in an image
     * directory.
     */
    public static Scenario drift(String imageDigest) {
        return new Scenario("image drift", Map.of("io.driftwatch.image.digest", imageDigest), RedTeam::prepareDriftImage,
                List.of("/bin/busybox true", "ls / >/dev/null", "cat /etc/passwd >/dev/null", "/usr/bin/healthcheck"),
                DRIFT_RULES, List.of(
                        new Step("run a program the image does not hold", "cp /bin/busybox /tmp/tool && /tmp/tool true",
                                "DW-FIM-100", "/tmp/tool"),
                        new Step("replace an image program, then run it",
                                "cp /bin/busybox /usr/bin/healthcheck && /usr/bin/healthcheck true", "DW-FIM-101",
                                "/usr/bin/healthcheck"),
                        new Step("plant an executable in an image directory",
                                "cp /bin/busybox /usr/sbin/updater && chmod 755 /usr/sbin/updater", "DW-FIM-103",
                                "/usr/sbin/updater")));
    }

    /** What the drift image holds beyond a sandbox's own content: {@code /usr/bin/healthcheck}, a shell script. */
    public static void prepareDriftImage(Path rootfs) throws IOException {
        Path script = rootfs.resolve("usr/bin/healthcheck");
        Files.createDirectories(script.getParent());
        Files.writeString(script, "#!/bin/sh\necho ok\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * @param bootstrapServers null: start the streams app with its embedded broker and registry
     * @param workDir          the container's bundle and the stack's state (removed afterwards)
     * @param bound            how long a step may wait for its alert
     */
    public record Config(String bootstrapServers, String registryUrl, Path workDir, Duration bound, String node,
            boolean respond, Path signingKeyFile) {
        public Config(String bootstrapServers, String registryUrl, Path workDir, Duration bound, String node) {
            this(bootstrapServers, registryUrl, workDir, bound, node, false, null);
        }
    }

    /** One check of the response run (--respond) and what was seen. */
    public record Check(String name, boolean passed, String detail) {
    }

    /** What a run gave: each attack's outcome and, with --respond, the responder's checks. */
    public record Report(List<Outcome> steps, List<Check> checks) {
        public boolean passed() {
            return steps.stream().allMatch(Outcome::passed) && checks.stream().allMatch(Check::passed);
        }
    }

    private final Config config;
    private final PrintWriter out;
    private final Scenario scenario;

    public RedTeam(Config config, PrintWriter out) {
        this(config, out, ATTACKS);
    }

    public RedTeam(Config config, PrintWriter out, Scenario scenario) {
        this.config = config;
        this.out = out;
        this.scenario = scenario;
    }

    /** Runs every step (and with --respond the responder's checks); cleans up everything it made. */
    public Report run() throws Exception {
        RuncSandbox.requirePrerequisites(Path.of("/bin/busybox"));
        Files.createDirectories(config.workDir());
        long began = System.nanoTime();
        StackProcess stack = null;
        try {
            String bootstrap = config.bootstrapServers();
            String registry = config.registryUrl();
            Path key = config.signingKeyFile();
            if (bootstrap == null) {
                step("starting the streams app with its embedded Kafka and schema registry (its own JVM)");
                stack = StackProcess.start(config.workDir().resolve("stack"), out, 240);
                bootstrap = stack.bootstrapServers();
                registry = stack.registryUrl();
                key = stack.signingKeyFile();
                done(began, "streams app ready; Kafka at " + bootstrap);
            }
            return attack(bootstrap, registry, key, began);
        } finally {
            if (stack != null) {
                step("stopping the streams app");
                stack.close();
            }
            io.driftwatch.agent.AgentFiles.deleteQuietly(config.workDir());
        }
    }

    private Report attack(String bootstrap, String registry, Path key, long began) throws Exception {
        Path containers = config.workDir().resolve("containers");
        String id = "redteam-" + Long.toString(System.currentTimeMillis(), 36);
        Map<String, String> annotations = new HashMap<>(Map.of(
                "io.kubernetes.cri.sandbox-name", "redteam-target",
                "io.kubernetes.cri.sandbox-namespace", "redteam",
                "io.kubernetes.cri.container-name", "app",
                "io.kubernetes.cri.image-name", "busybox:static"));
        annotations.putAll(scenario.annotations());
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        AtomicBoolean consuming = new AtomicBoolean(true);
        try (KafkaConsumer<String, Object> consumer = consumer(bootstrap, registry)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor("driftwatch.alerts", Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);

            step("creating container " + id + " (runc, busybox-static, rootfs on its own tmpfs)");
            try (RuncSandbox sandbox = RuncSandbox.create(containers, id, annotations)) {
                scenario.prepare().prepare(sandbox.rootfs());
                done(began, "container running, init pid " + sandbox.initPid());
                RuntimeWatcher.Config watcher = RuntimeWatcher.Config.runcOnly(sandbox.stateRoot())
                        .withPollInterval(Duration.ofMillis(200));
                Publisher.Config publisher = new Publisher.Config(bootstrap, registry, "driftwatch.file-events",
                        "driftwatch.container-metadata", 100_000, Map.of());
                step("starting the node agent (fanotify sensor, runtime watcher)");
                try (NodeAgent agent = new NodeAgent(config.node(), FanotifySensor.Config.defaults(config.node()), watcher,
                        publisher).start()) {
                    if (!agent.failures().isEmpty()) {
                        throw new IllegalStateException("the agent could not watch the container: " + agent.failures());
                    }
                    if (agent.watcher().byId(id).isEmpty()) {
                        throw new IllegalStateException("the runtime watcher did not find container " + id + " under "
                                + sandbox.stateRoot());
                    }
                    done(began, "agent watching " + id);
                    Thread poller = new Thread(() -> {
                        while (consuming.get()) {
                            for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(50))) {
                                if (r.value() instanceof Alert a) {
                                    alerts.add(a);
                                }
                            }
                        }
                    }, "redteam-alerts");
                    poller.setDaemon(true);
                    poller.start();
                    NodeResponder responder = null;
                    try {
                        if (!config.respond()) {
                            List<Check> checks = new ArrayList<>();
                            long quietEnd = quiet(sandbox, checks);
                            List<Outcome> outcomes = perform(sandbox, id, alerts);
                            if (!scenario.quiet().isEmpty()) {
                                // Alerts of one container come in event order (one partition, in order): once the
                                // steps' alerts are in, any alert for the quiet commands before them is in too.
                                List<String> raised = alerts.stream().filter(a -> id.equals(a.getContainerId())
                                        && scenario.quietRules().contains(a.getRuleId()) && a.getTimestamp() < quietEnd)
                                        .map(a -> a.getRuleId() + " " + a.getPath()).distinct().toList();
                                checks.add(new Check("the image's own programs raise none of " + new java.util.TreeSet<>(
                                        scenario.quietRules()), raised.isEmpty(), raised.isEmpty() ? "none raised"
                                        : "raised " + raised));
                                out.println((raised.isEmpty() ? "PASS " : "FAIL ") + checks.get(checks.size() - 1).name()
                                        + ": " + checks.get(checks.size() - 1).detail());
                            }
                            return new Report(outcomes, checks);
                        }
                        step("starting the responder, enforcing (signing key " + key + ")");
                        responder = responder(bootstrap, registry, key, sandbox, agent).start();
                        done(began, "responder running on node " + config.node());
                        return new ResponseRun(this, bootstrap, registry, key, sandbox, id, alerts, responder.handler()).run();
                    } finally {
                        consuming.set(false);
                        poller.join(2_000);
                        if (responder != null) {
                            out.println("responder: " + responder.responder().status());
                            responder.close();
                        }
                        out.println("agent: " + agent.status());
                    }
                }
            } finally {
                step("removing the container, its tmpfs and bundle");
            }
        }
    }

    private NodeResponder responder(String bootstrap, String registry, Path key, RuncSandbox sandbox, NodeAgent agent)
            throws IOException {
        CommandSignatures signatures = CommandSignatures.of(List.of(CommandSignatures.readKey(key)));
        return new NodeResponder(new Responder.Config(bootstrap, registry, "driftwatch.", config.node()),
                new CommandHandler.Config(config.node(), true, signatures, Set.of("kube-system"), Set.of(), 5, 20, 3, 60_000,
                        config.workDir().resolve("responder")),
                agent.watcher(), List.of(sandbox.stateRoot()), new NoKubernetes());
    }

    /** Prints one line of the step table (and returns the outcome). */
    Outcome report(Step s, Alert alert, long latency, String why) {
        out.printf("%-44s %-11s %-9s %-28s %s%n", s.name(), alert == null ? "NONE (" + s.ruleId() + ")" : alert.getRuleId(),
                alert == null ? "-" : alert.getSeverity(), alert == null ? "-" : alert.getContainerId(),
                alert == null ? why : latency + " ms");
        out.flush();
        return new Outcome(s, alert, latency);
    }

    PrintWriter out() {
        return out;
    }

    Config config() {
        return config;
    }

    /** Runs the scenario's quiet commands (each must succeed); returns the time after the last one. */
    private long quiet(RuncSandbox sandbox, List<Check> checks) {
        for (String command : scenario.quiet()) {
            RuncSandbox.ExecResult r = sandbox.exec("sh", "-c", command);
            out.println("quiet: " + command + " (exit " + r.exitCode() + ")");
            if (!r.succeeded()) {
                checks.add(new Check("quiet command " + command, false, "exit " + r.exitCode() + ": " + r.stderr().strip()));
            }
        }
        out.flush();
        return System.currentTimeMillis();
    }

    private List<Outcome> perform(RuncSandbox sandbox, String id, List<Alert> alerts) throws InterruptedException {
        List<Outcome> outcomes = new ArrayList<>();
        out.printf("%n%-44s %-11s %-9s %-28s %s%n", "step", "rule", "severity", "container", "latency");
        for (Step s : scenario.steps()) {
            long started = System.currentTimeMillis();
            RuncSandbox.ExecResult r = sandbox.exec("sh", "-c", s.command());
            Alert alert = null;
            long deadline = started + config.bound().toMillis();
            while (alert == null && System.currentTimeMillis() < deadline) {
                alert = alerts.stream().filter(a -> s.ruleId().equals(a.getRuleId()) && id.equals(a.getContainerId())
                        && s.path().equals(a.getPath()) && a.getTimestamp() >= started - 1_000).findFirst().orElse(null);
                if (alert == null) {
                    Thread.sleep(10);
                }
            }
            // From the start of the action to the alert read from the alerts topic (polled every 10 ms).
            long latency = alert == null ? -1 : System.currentTimeMillis() - started;
            outcomes.add(new Outcome(s, alert, latency));
            out.printf("%-44s %-11s %-9s %-28s %s%n", s.name(), alert == null ? "NONE (" + s.ruleId() + ")" : alert.getRuleId(),
                    alert == null ? "-" : alert.getSeverity(), alert == null ? "-" : alert.getContainerId(),
                    alert == null ? "no alert within " + config.bound().toMillis() + " ms (exec exit " + r.exitCode() + ")"
                            : latency + " ms");
            out.flush();
        }
        List<String> others = alerts.stream().filter(a -> id.equals(a.getContainerId())
                && outcomes.stream().noneMatch(o -> o.alert() == a))
                .map(a -> a.getRuleId() + " " + a.getPath()).distinct().toList();
        if (!others.isEmpty()) {
            out.println("other alerts for the container: " + others);
        }
        return outcomes;
    }

    /** The image's content: a binary to overwrite and a shell history to delete (made before the agent watches). */
    static void prepare(Path rootfs) throws IOException {
        Files.createDirectories(rootfs.resolve("usr/bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("usr/bin/healthcheck"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(rootfs.resolve("usr/bin/healthcheck"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(rootfs.resolve("root"));
        Files.writeString(rootfs.resolve("root/.ash_history"), "ls\ncat /etc/passwd\n");
    }

    /** A reader of committed records as Driftwatch's specific Avro classes, without a group. */
    static KafkaConsumer<String, Object> consumer(String bootstrap, String registry) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        return new KafkaConsumer<>(props);
    }

    private void step(String what) {
        out.println("  .. " + what);
        out.flush();
    }

    private void done(long began, String what) {
        out.printf("  ok %s (%.1f s)%n", what, (System.nanoTime() - began) / 1e9);
        out.flush();
    }
}
