package io.driftwatch.agent.bench;

import io.driftwatch.agent.NodeAgent;
import io.driftwatch.agent.fanotify.FanotifySensor;
import io.driftwatch.agent.fanotify.SensorCounters;
import io.driftwatch.agent.publish.Publisher;
import io.driftwatch.agent.redteam.StackProcess;
import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A burst of file operations inside a real container, through the real sensor into a real Kafka: half
 * the operations create files ({@code : > /bench/fN}, a shell builtin, so no process is started per
 * file), the other half delete them ({@code rm -r}). Every operation is on a name of its own, so each
 * must arrive as exactly one FileEvent: the bench reads the topic back and checks that what was
 * published plus what the agent counted as dropped accounts for every operation. It prints events/s
 * (from the burst's start until Kafka acknowledged the last event) and the agent's CPU time per event.
 */
public final class SensorBench {
    /** What one run measured. */
    public record Result(int operations, long burstMs, long deliveredMs, long kernelEvents, long emitted, long dropped,
            long published, long benchEventsPublished, double eventsPerSecond, double cpuMicrosPerEvent,
            Map<String, Long> counters) {
        /** Every operation is on the topic or counted as dropped, and none twice. */
        public boolean accountedFor() {
            return benchEventsPublished <= operations && benchEventsPublished + dropped >= operations;
        }
    }

    private final int operations;
    private final int buffer;
    private final Path workDir;
    private final PrintWriter out;

    private final FanotifySensor.Config sensor;

    public SensorBench(int operations, int buffer, Path workDir, PrintWriter out) {
        this(operations, buffer, workDir, out, FanotifySensor.Config.defaults("bench-node"));
    }

    public SensorBench(int operations, int buffer, Path workDir, PrintWriter out, FanotifySensor.Config sensor) {
        this.sensor = sensor;
        if (operations < 2 || operations % 2 != 0) {
            throw new IllegalArgumentException("--ops must be an even number of at least 2 (half creates, half deletes)");
        }
        this.operations = operations;
        this.buffer = buffer;
        this.workDir = workDir;
        this.out = out;
    }

    public Result run() throws Exception {
        RuncSandbox.requirePrerequisites(Path.of("/bin/busybox"));
        Files.createDirectories(workDir);
        out.println("  .. starting Kafka and the schema registry (run --embedded --no-app, its own JVM)");
        out.flush();
        try (StackProcess stack = StackProcess.start(workDir.resolve("stack"), out, 240, false);
                RuncSandbox sandbox = RuncSandbox.create(workDir.resolve("containers"), "bench-"
                        + Long.toString(System.currentTimeMillis(), 36), Map.of(),
                        RuncSandbox.Options.defaults().withTmpfsMegabytes(512))) {
            Publisher.Config publisher = new Publisher.Config(stack.bootstrapServers(), stack.registryUrl(),
                    "driftwatch.file-events", "driftwatch.container-metadata", buffer, Map.of());
            try (NodeAgent agent = new NodeAgent("bench-node", sensor,
                    RuntimeWatcher.Config.runcOnly(sandbox.stateRoot()), publisher).start()) {
                if (agent.watcher().byId(sandbox.id()).isEmpty() || !agent.failures().isEmpty()) {
                    throw new IllegalStateException("the agent is not watching the container: " + agent.failures());
                }
                out.println("  .. warming up (2,000 operations, not counted)");
                out.flush();
                sandbox.exec("sh", "-c", script("/warm", 1_000));
                awaitDelivered(agent, 60_000);

                SensorCounters c = agent.counters();
                long kernel0 = c.kernelEvents.get();
                long emitted0 = c.emitted.get();
                long dropped0 = c.dropped.get();
                long acked0 = agent.publisher().acknowledged.get();
                var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                long cpu0 = os.getProcessCpuTime();
                out.printf("  .. burst: %,d operations in container %s (%,d creates, then rm -r)%n", operations,
                        sandbox.id(), operations / 2);
                out.flush();
                long t0 = System.nanoTime();
                RuncSandbox.ExecResult r = sandbox.exec("sh", "-c", script("/bench", operations / 2));
                long burstMs = (System.nanoTime() - t0) / 1_000_000;
                if (r.exitCode() != 0) {
                    throw new IllegalStateException("the burst failed in the container: " + r.stderr());
                }
                awaitDelivered(agent, 120_000);
                long deliveredMs = (System.nanoTime() - t0) / 1_000_000;
                long cpu = os.getProcessCpuTime() - cpu0;
                long emitted = c.emitted.get() - emitted0;
                long dropped = c.dropped.get() - dropped0;
                long published = agent.publisher().acknowledged.get() - acked0;
                long kernel = c.kernelEvents.get() - kernel0;
                long bench = countBenchEvents(stack, sandbox.id());
                return new Result(operations, burstMs, deliveredMs, kernel, emitted, dropped, published, bench,
                        emitted * 1000.0 / Math.max(1, deliveredMs), cpu / 1000.0 / Math.max(1, emitted + dropped),
                        c.snapshot());
            }
        } finally {
            io.driftwatch.agent.AgentFiles.deleteQuietly(workDir);
        }
    }

    /** {@code n} creates of distinct names under {@code dir}, then one rm -r of them all. */
    private static String script(String dir, int n) {
        return "mkdir -p " + dir + " && i=0; while [ $i -lt " + n + " ]; do : > " + dir + "/f$i; i=$((i+1)); done; rm -r "
                + dir;
    }

    private static void awaitDelivered(NodeAgent agent, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        long last = -1;
        int quiet = 0;
        while (System.currentTimeMillis() < deadline) {
            agent.publisher().flush();
            long seen = agent.counters().kernelEvents.get();
            boolean delivered = agent.publisher().buffered() == 0
                    && agent.publisher().acknowledged.get() + agent.publisher().failed.get()
                            >= agent.publisher().sent.get() + agent.publisher().metadataSent.get();
            quiet = seen == last && delivered ? quiet + 1 : 0;
            if (quiet >= 3) {
                return;
            }
            last = seen;
            Thread.sleep(100);
        }
        throw new IllegalStateException("events still in flight after " + timeoutMs + " ms: " + agent.status());
    }

    /** Reads the file-events topic back: the container's CREATE and DELETE events under /bench/. */
    private static long countBenchEvents(StackProcess stack, String containerId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, stack.registryUrl());
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        long count = 0;
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor("driftwatch.file-events", Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, Object> rec : consumer.poll(Duration.ofMillis(500))) {
                    if (rec.value() instanceof FileEvent e && containerId.equals(e.getContainerId())
                            && e.getPath().startsWith("/bench/f")
                            && (e.getType() == EventType.CREATE || e.getType() == EventType.DELETE)) {
                        count++;
                    }
                }
            }
        }
        return count;
    }
}
