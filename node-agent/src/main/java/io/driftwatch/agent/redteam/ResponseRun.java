package io.driftwatch.agent.redteam;

import io.driftwatch.agent.respond.CommandHandler;
import io.driftwatch.agent.respond.ContainerActions;
import io.driftwatch.agent.respond.EvidenceCollector;
import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.schemas.sign.CommandSignatures;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code redteam --respond}: the same five attacks, run as one script (an attacker's script is fast;
 * the container is paused once the first alert's commands land), with the responder enforcing. Then
 * the checks: the container ends up paused (runc says so), an evidence bundle exists whose manifest
 * hashes match its files and which holds the dropped binary, a forged command is refused, and a
 * correctly signed command for a protected namespace is refused.
 */
final class ResponseRun {
    private static final long RESPONSE_BOUND_MS = 30_000;

    private final RedTeam redTeam;
    private final PrintWriter out;
    private final String bootstrap;
    private final String registry;
    private final Path key;
    private final RuncSandbox sandbox;
    private final String id;
    private final List<Alert> alerts;
    private final CommandHandler handler;

    ResponseRun(RedTeam redTeam, String bootstrap, String registry, Path key, RuncSandbox sandbox, String id,
            List<Alert> alerts, CommandHandler handler) {
        this.redTeam = redTeam;
        this.out = redTeam.out();
        this.bootstrap = bootstrap;
        this.registry = registry;
        this.key = key;
        this.sandbox = sandbox;
        this.id = id;
        this.alerts = alerts;
        this.handler = handler;
    }

    RedTeam.Report run() throws Exception {
        String node = redTeam.config().node();
        List<ResponseResult> results = new CopyOnWriteArrayList<>();
        try (KafkaConsumer<String, Object> resultReader = RedTeam.consumer(bootstrap, registry);
                KafkaProducer<String, SpecificRecord> injector = producer()) {
            List<TopicPartition> parts = resultReader.partitionsFor("driftwatch.response-results", Duration.ofSeconds(30))
                    .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            resultReader.assign(parts);
            resultReader.seekToEnd(parts);
            parts.forEach(resultReader::position);

            // The attack, as one script.
            StringBuilder script = new StringBuilder();
            for (RedTeam.Step s : RedTeam.STEPS) {
                script.append(s.command()).append("; ");
            }
            long started = System.currentTimeMillis();
            RuncSandbox.ExecResult r = sandbox.exec("sh", "-c", script.toString());
            out.printf("%nthe five attacks as one script in %d ms (exit %d); then the responder acts%n",
                    System.currentTimeMillis() - started, r.exitCode());
            out.printf("%-44s %-11s %-9s %-28s %s%n", "step", "rule", "severity", "container", "latency");
            List<RedTeam.Outcome> outcomes = new ArrayList<>();
            for (RedTeam.Step s : RedTeam.STEPS) {
                Alert alert = null;
                while (alert == null && System.currentTimeMillis() < started + redTeam.config().bound().toMillis()) {
                    alert = alerts.stream().filter(a -> s.ruleId().equals(a.getRuleId()) && id.equals(a.getContainerId())
                            && s.path().equals(a.getPath()) && a.getTimestamp() >= started - 1_000).findFirst().orElse(null);
                    if (alert == null) {
                        Thread.sleep(10);
                    }
                }
                outcomes.add(redTeam.report(s, alert, System.currentTimeMillis() - started,
                        "no alert within " + redTeam.config().bound().toMillis() + " ms"));
            }

            // Two commands that must be refused: one forged, one for a protected namespace.
            byte[] wrongKey = ("forged-" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
            ResponseCommand forged = command(node, "redteam-forged-" + UUID.randomUUID(), ResponseAction.KILL_CONTAINER, id,
                    "redteam");
            CommandSignatures.of(List.of(wrongKey)).signed(forged);
            ResponseCommand protectedOne = command(node, "redteam-protected-" + UUID.randomUUID(),
                    ResponseAction.PAUSE_CONTAINER, "kube-proxy-redteam", "kube-system");
            CommandSignatures.of(List.of(CommandSignatures.readKey(key))).signed(protectedOne);
            injector.send(new ProducerRecord<>("driftwatch.response-commands", node, forged));
            injector.send(new ProducerRecord<>("driftwatch.response-commands", node, protectedOne));
            injector.flush();

            long deadline = System.currentTimeMillis() + RESPONSE_BOUND_MS;
            ContainerActions runc = new ContainerActions(List.of(sandbox.stateRoot()), "runc");
            while (System.currentTimeMillis() < deadline && !(isPaused(runc) && has(results, forged) && has(results, protectedOne)
                    && handler.lastBundle(id).isPresent())) {
                for (ConsumerRecord<String, Object> rec : resultReader.poll(Duration.ofMillis(100))) {
                    if (rec.value() instanceof ResponseResult res) {
                        results.add(res);
                    }
                }
            }
            for (ConsumerRecord<String, Object> rec : resultReader.poll(Duration.ofMillis(300))) {
                if (rec.value() instanceof ResponseResult res) {
                    results.add(res);
                }
            }
            out.println();
            out.println("responder results:");
            for (ResponseResult res : results) {
                out.printf("  %-17s %-16s %s%n", res.getAction(), res.getStatus(), res.getDetail());
            }
            List<RedTeam.Check> checks = new ArrayList<>();
            String state = runc.state(id);
            checks.add(new RedTeam.Check("the container ends up paused", "paused".equals(state), "runc state: " + state));
            checks.add(bundleCheck());
            checks.add(refusal("a forged command is refused", results, forged, "signature"));
            checks.add(refusal("a command for a protected namespace is refused", results, protectedOne, "protected"));
            out.println();
            for (RedTeam.Check c : checks) {
                out.printf("  %-4s %-48s %s%n", c.passed() ? "ok" : "FAIL", c.name(), c.detail());
            }
            out.flush();
            return new RedTeam.Report(outcomes, checks);
        }
    }

    private RedTeam.Check bundleCheck() throws IOException {
        String name = "an evidence bundle, hashes match, holds the dropped binary";
        Optional<Path> bundle = handler.lastBundle(id);
        if (bundle.isEmpty()) {
            return new RedTeam.Check(name, false, "no evidence bundle was taken");
        }
        List<String> problems = EvidenceCollector.verify(bundle.get());
        Path payload = bundle.get().resolve("files/tmp/payload");
        boolean hasPayload = Files.isRegularFile(payload) && sha256(payload).equals(sha256(Path.of("/bin/busybox")));
        String detail = bundle.get() + (problems.isEmpty() ? ": manifest verified" : ": " + problems)
                + (hasPayload ? ", files/tmp/payload present (same SHA-256 as the binary dropped)" : ", files/tmp/payload MISSING");
        return new RedTeam.Check(name, problems.isEmpty() && hasPayload, detail);
    }

    private static RedTeam.Check refusal(String name, List<ResponseResult> results, ResponseCommand c, String reason) {
        ResponseResult r = results.stream().filter(x -> x.getCommandId().equals(c.getCommandId())).findFirst().orElse(null);
        if (r == null) {
            return new RedTeam.Check(name, false, "no result for " + c.getCommandId());
        }
        boolean ok = r.getStatus() == ResponseStatus.REFUSED && r.getDetail() != null && r.getDetail().contains(reason);
        return new RedTeam.Check(name, ok, r.getStatus() + ": " + r.getDetail());
    }

    private boolean isPaused(ContainerActions runc) {
        return "paused".equals(runc.state(id));
    }

    private static boolean has(List<ResponseResult> results, ResponseCommand c) {
        return results.stream().anyMatch(r -> r.getCommandId().equals(c.getCommandId()));
    }

    private static ResponseCommand command(String node, String commandId, ResponseAction action, String container, String ns) {
        long now = System.currentTimeMillis();
        return ResponseCommand.newBuilder().setCommandId(commandId).setAlertId("redteam-injected").setAction(action)
                .setNode(node).setContainerId(container).setNamespace(ns).setPodName("redteam-target")
                .setIssuedAt(now).setExpiresAt(now + 600_000).build();
    }

    private KafkaProducer<String, SpecificRecord> producer() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry);
        AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
        values.configure(props, false);
        return new KafkaProducer<>(props, new StringSerializer(), values);
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
