package io.driftwatch.agent.redteam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.NodeAgent;
import io.driftwatch.agent.fanotify.FanotifySensor;
import io.driftwatch.agent.publish.Publisher;
import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.FileEvent;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's proof on a real container: a process inside it with a 1 MiB command line (256 arguments of 4 KiB: one
 * argument may be at most 128 KiB) appends to a binary under /usr/bin. The alert (DW-FIM-001) arrives, the event
 * behind it carries a command line cut to the agent's cap (4096) with {@code truncated = [cmdline]}, and the pipeline
 * keeps running: a later ordinary write is alerted too. The streams app runs with its embedded broker and registry in a
 * JVM of its own (as for {@code redteam}); the agent and a runc container in this one. Needs root, runc and
 * busybox-static.
 */
class LongCommandLineIT {
    static final String NODE = "longcmd-node";

    @TempDir
    Path tmp;

    @Test
    void aOneMebibyteCommandLineIsAlertedCutToTheCapAndThePipelineGoesOn() throws Exception {
        RuncSandbox.requirePrerequisites(Path.of("/bin/busybox"));
        PrintWriter progress = new PrintWriter(System.out, true);
        long began = System.nanoTime();
        try (StackProcess stack = StackProcess.start(tmp.resolve("stack"), progress, 240)) {
            progress.printf("stack up after %.1f s%n", (System.nanoTime() - began) / 1e9);
            List<Alert> alerts = new CopyOnWriteArrayList<>();
            List<EnrichedEvent> enriched = new CopyOnWriteArrayList<>();
            AtomicBoolean reading = new AtomicBoolean(true);
            String id = "longcmd-" + Long.toString(System.currentTimeMillis(), 36);
            try (KafkaConsumer<String, Object> consumer = RedTeam.consumer(stack.bootstrapServers(), stack.registryUrl())) {
                List<TopicPartition> parts = new ArrayList<>();
                for (String topic : List.of("driftwatch.alerts", "driftwatch.enriched-events")) {
                    for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                        parts.add(new TopicPartition(p.topic(), p.partition()));
                    }
                }
                consumer.assign(parts);
                consumer.seekToEnd(parts);
                parts.forEach(consumer::position);
                Thread reader = new Thread(() -> {
                    while (reading.get()) {
                        for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(50))) {
                            if (r.value() instanceof Alert a && id.equals(a.getContainerId())) {
                                alerts.add(a);
                            } else if (r.value() instanceof EnrichedEvent e && id.equals(e.getEvent().getContainerId())) {
                                enriched.add(e);
                            }
                        }
                    }
                }, "longcmd-reader");
                reader.setDaemon(true);
                reader.start();
                try (RuncSandbox sandbox = RuncSandbox.create(tmp.resolve("containers"), id, Map.of())) {
                    Path usrBin = sandbox.rootfs().resolve("usr/bin");
                    Files.createDirectories(usrBin);
                    Files.writeString(usrBin.resolve("healthcheck"), "#!/bin/sh\nexit 0\n");
                    Files.writeString(usrBin.resolve("other"), "#!/bin/sh\nexit 0\n");
                    RuntimeWatcher.Config watcher = RuntimeWatcher.Config.runcOnly(sandbox.stateRoot())
                            .withPollInterval(Duration.ofMillis(200));
                    Publisher.Config publisher = new Publisher.Config(stack.bootstrapServers(), stack.registryUrl(),
                            "driftwatch.file-events", "driftwatch.container-metadata", 100_000, Map.of());
                    try (NodeAgent agent = new NodeAgent(NODE, FanotifySensor.Config.defaults(NODE), watcher, publisher).start()) {
                        assertTrue(agent.failures().isEmpty(), agent.failures().toString());
                        assertTrue(agent.watcher().byId(id).isPresent(), "the watcher did not find " + id);

                        // 1. A shell with a 1 MiB command line appends to a binary itself (echo is a builtin), then
                        // waits a second, so the sensor reads its /proc while it runs (the ':' at the end keeps ash
                        // from exec'ing sleep in its place: the shell stays, with its command line).
                        String script = "a=$(head -c 4095 /dev/zero | tr '\\0' A); set --; i=0;"
                                + " while [ $i -lt 256 ]; do set -- \"$@\" \"$a\"; i=$((i+1)); done;"
                                + " exec sh -c 'echo x >> /usr/bin/healthcheck; sleep 1; :' long \"$@\"";
                        long started = System.currentTimeMillis();
                        RuncSandbox.ExecResult r = sandbox.exec("sh", "-c", script);
                        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
                        Alert alert = await("DW-FIM-001 for /usr/bin/healthcheck", 20_000, () -> alerts.stream()
                                .filter(a -> "DW-FIM-001".equals(a.getRuleId()) && "/usr/bin/healthcheck".equals(a.getPath()))
                                .findFirst());
                        progress.printf("alert %s %s after %d ms: %s%n", alert.getRuleId(), alert.getPath(),
                                System.currentTimeMillis() - started, alert.getMessage());
                        EnrichedEvent behind = await("the enriched event behind the alert", 10_000, () -> enriched.stream()
                                .filter(e -> alert.getEventIds().contains(e.getEvent().getEventId())).findFirst());
                        FileEvent e = behind.getEvent();
                        progress.printf("event %s %s by %s, cmdline %d characters, truncated %s%n", e.getType(),
                                e.getPath(), e.getProcessName(), e.getCmdline() == null ? -1 : e.getCmdline().length(),
                                e.getTruncated());
                        assertEquals("live", e.getProcessInfo(), "the sensor read the process while it ran");
                        assertTrue(e.getCmdline().length() <= 4096, "cmdline of " + e.getCmdline().length() + " characters");
                        assertTrue(e.getCmdline().startsWith("sh -c echo x >> /usr/bin/healthcheck; sleep 1; : long AAAA"),
                                e.getCmdline().substring(0, Math.min(80, e.getCmdline().length())));
                        assertTrue(e.getTruncated().contains("cmdline"), "truncated " + e.getTruncated());
                        assertTrue(agent.counters().cmdlineTruncated.get() >= 1, agent.counters().toString());

                        // 2. The pipeline goes on: an ordinary write afterwards is alerted too, uncut.
                        long later = System.currentTimeMillis();
                        RuncSandbox.ExecResult r2 = sandbox.exec("sh", "-c", "echo y >> /usr/bin/other; sleep 0.3; :");
                        assertEquals(0, r2.exitCode(), r2.stdout() + r2.stderr());
                        Alert next = await("DW-FIM-001 for /usr/bin/other", 20_000, () -> alerts.stream()
                                .filter(a -> "DW-FIM-001".equals(a.getRuleId()) && "/usr/bin/other".equals(a.getPath()))
                                .findFirst());
                        progress.printf("later alert %s %s after %d ms%n", next.getRuleId(), next.getPath(),
                                System.currentTimeMillis() - later);
                        EnrichedEvent nextEvent = await("the later enriched event", 10_000, () -> enriched.stream()
                                .filter(x -> next.getEventIds().contains(x.getEvent().getEventId())).findFirst());
                        assertEquals(List.of(), nextEvent.getEvent().getTruncated());
                        progress.println("agent: " + agent.status());
                    }
                } finally {
                    reading.set(false);
                    reader.join(2_000);
                }
            }
            List<String> trouble = stack.lastOutput(2_000).stream()
                    .filter(l -> l.contains("RecordTooLarge") || l.contains("ERROR") && l.contains("stream")).toList();
            assertTrue(trouble.isEmpty(), "the streams app logged: " + trouble);
            progress.printf("done after %.1f s%n", (System.nanoTime() - began) / 1e9);
        }
    }

    static <T> T await(String what, long ms, Supplier<Optional<T>> probe) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < deadline) {
            Optional<T> found = probe.get();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + what + " within " + ms + " ms");
    }
}
