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
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
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
 * Bursts of file operations inside a real container, through the real sensor into a real Kafka: half
 * the operations create files ({@code : > /DIR/fN}, a shell builtin, so no process is started per
 * file), the other half delete them ({@code rm -r}). Every operation is on a name of its own, so each
 * must arrive as exactly one FileEvent: the bench reads the topic back and checks that what was
 * published plus what the agent counted as dropped accounts for every operation.
 *
 * <p>Two bursts of the same size run one after the other in the same agent: the first ({@code /cold}) on a JVM that
 * has only seen a 2,000-operation warm-up, so its CPU time includes the JIT compiling the sensor's and the
 * publisher's code; then the bench waits until the JIT has been idle for a second; the second burst ({@code /bench})
 * is the steady state, and is the figure the bench reports as the agent's CPU per event. Both are printed, each with
 * the JIT's compile time during it. For each burst the bench prints events/s (from the burst's start until
 * Kafka acknowledged the last event) and the agent JVM's CPU time per event (user + system of the whole process,
 * from the burst's start to the last acknowledgement), split by thread: the sensor's threads, the publisher's
 * (its sending thread and the Kafka producer's network thread), the other Java threads, and the JVM's own threads
 * (JIT compilers, garbage collector), which are the process's CPU time minus that of every Java thread.
 */
public final class SensorBench {
    /** CPU time (ns) of the agent JVM during a burst, by part. */
    public record Cpu(long total, long sensor, long publisher, long otherJava, long jvm, long jitMs, long gcMs) {
    }

    /** What one burst measured. */
    public record Burst(String dir, int operations, long burstMs, long deliveredMs, long kernelEvents, long emitted,
            long dropped, long published, long onTopic, Cpu cpu) {
        /** Every operation is on the topic or counted as dropped, and none twice. */
        public boolean accountedFor() {
            return onTopic <= operations && onTopic + dropped >= operations;
        }

        public double eventsPerSecond() {
            return emitted * 1000.0 / Math.max(1, deliveredMs);
        }

        /** The agent JVM's CPU time per event handled (emitted or dropped), in µs. */
        public double cpuMicrosPerEvent() {
            return perEvent(cpu.total());
        }

        public double perEvent(long nanos) {
            return nanos / 1000.0 / Math.max(1, emitted + dropped);
        }
    }

    /** What one run measured: the cold burst, and the steady one whose figures the accessors give. */
    public record Result(int operations, Burst cold, Burst steady, Map<String, Long> counters) {
        public boolean accountedFor() {
            return cold.accountedFor() && steady.accountedFor();
        }

        public long burstMs() {
            return steady.burstMs();
        }

        public long deliveredMs() {
            return steady.deliveredMs();
        }

        public long kernelEvents() {
            return steady.kernelEvents();
        }

        public long emitted() {
            return steady.emitted();
        }

        public long dropped() {
            return steady.dropped();
        }

        public long published() {
            return steady.published();
        }

        public long benchEventsPublished() {
            return steady.onTopic();
        }

        public double eventsPerSecond() {
            return steady.eventsPerSecond();
        }

        public double cpuMicrosPerEvent() {
            return steady.cpuMicrosPerEvent();
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
                Burst cold = burst(agent, sandbox, "/cold", "first burst, cold JVM");
                awaitJitQuiet();
                Burst steady = burst(agent, sandbox, "/bench", "second burst, steady state (the figure reported)");
                Map<String, Long> onTopic = countBenchEvents(stack, sandbox.id());
                cold = withOnTopic(cold, onTopic.getOrDefault(cold.dir(), 0L));
                steady = withOnTopic(steady, onTopic.getOrDefault(steady.dir(), 0L));
                return new Result(operations, cold, steady, agent.counters().snapshot());
            }
        } finally {
            io.driftwatch.agent.AgentFiles.deleteQuietly(workDir);
        }
    }

    /**
     * Waits (at most 60 s) until the JIT has compiled nothing for a second: what the first burst made hot is compiled
     * before the second burst starts, as it would be on an agent that has been running a while.
     */
    private void awaitJitQuiet() throws InterruptedException {
        long t0 = System.nanoTime();
        long last = CpuClock.jitMs();
        int quiet = 0;
        while (quiet < 4 && System.nanoTime() - t0 < 60_000_000_000L) {
            Thread.sleep(250);
            long now = CpuClock.jitMs();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
        out.printf("  .. the JIT was quiet after %,d ms%n", (System.nanoTime() - t0) / 1_000_000);
        out.flush();
    }

    private static Burst withOnTopic(Burst b, long onTopic) {
        return new Burst(b.dir(), b.operations(), b.burstMs(), b.deliveredMs(), b.kernelEvents(), b.emitted(), b.dropped(),
                b.published(), onTopic, b.cpu());
    }

    private Burst burst(NodeAgent agent, RuncSandbox sandbox, String dir, String what) throws Exception {
        SensorCounters c = agent.counters();
        long kernel0 = c.kernelEvents.get();
        long emitted0 = c.emitted.get();
        long dropped0 = c.dropped.get();
        long acked0 = agent.publisher().acknowledged.get();
        CpuClock clock = new CpuClock();
        out.printf("  .. %s: %,d operations in container %s under %s (%,d creates, then rm -r)%n", what, operations,
                sandbox.id(), dir, operations / 2);
        out.flush();
        long t0 = System.nanoTime();
        RuncSandbox.ExecResult r = sandbox.exec("sh", "-c", script(dir, operations / 2));
        long burstMs = (System.nanoTime() - t0) / 1_000_000;
        if (r.exitCode() != 0) {
            throw new IllegalStateException("the burst failed in the container: " + r.stderr());
        }
        awaitDelivered(agent, 120_000);
        long deliveredMs = (System.nanoTime() - t0) / 1_000_000;
        Cpu cpu = clock.since();
        return new Burst(dir, operations, burstMs, deliveredMs, c.kernelEvents.get() - kernel0, c.emitted.get() - emitted0,
                c.dropped.get() - dropped0, agent.publisher().acknowledged.get() - acked0, -1, cpu);
    }

    /** The agent JVM's CPU time from its creation on, by part (see the class comment). */
    private static final class CpuClock {
        private final com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final long process0;
        private final Map<Long, Long> thread0 = new HashMap<>();
        private final long jit0;
        private final long gc0;

        CpuClock() {
            for (long id : threads.getAllThreadIds()) {
                thread0.put(id, Math.max(0, threads.getThreadCpuTime(id)));
            }
            jit0 = jitMs();
            gc0 = gcMs();
            process0 = os.getProcessCpuTime();
        }

        Cpu since() {
            long process = os.getProcessCpuTime() - process0;
            long sensor = 0;
            long publisher = 0;
            long otherJava = 0;
            long[] ids = threads.getAllThreadIds();
            ThreadInfo[] infos = threads.getThreadInfo(ids);
            for (int i = 0; i < ids.length; i++) {
                long now = threads.getThreadCpuTime(ids[i]);
                if (now < 0 || infos[i] == null) {
                    continue;
                }
                long used = now - thread0.getOrDefault(ids[i], 0L);
                String name = infos[i].getThreadName();
                if (name.startsWith("fanotify-") || name.equals("exec-args")) {
                    sensor += used;
                } else if (name.equals("driftwatch-agent-publisher") || name.startsWith("kafka-producer-network-thread")) {
                    publisher += used;
                } else {
                    otherJava += used;
                }
            }
            return new Cpu(process, sensor, publisher, otherJava, Math.max(0, process - sensor - publisher - otherJava),
                    jitMs() - jit0, gcMs() - gc0);
        }

        static long jitMs() {
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
        }

        private static long gcMs() {
            long ms = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ms += Math.max(0, gc.getCollectionTime());
            }
            return ms;
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

    /** Reads the file-events topic back: the container's CREATE and DELETE events under /DIR/f, by DIR ("/bench"). */
    private static Map<String, Long> countBenchEvents(StackProcess stack, String containerId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, stack.registryUrl());
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        Map<String, Long> count = new HashMap<>();
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
                            && (e.getType() == EventType.CREATE || e.getType() == EventType.DELETE)) {
                        String path = e.getPath();
                        int f = path.indexOf("/f", 1);
                        if (f > 0 && path.indexOf('/', 1) == f) {
                            count.merge(path.substring(0, f), 1L, Long::sum);
                        }
                    }
                }
            }
        }
        return count;
    }
}
