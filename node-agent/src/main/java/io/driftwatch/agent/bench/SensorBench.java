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
 * <p>Several bursts of the same size (three by default) run one after the other in the same agent. The first
 * ({@code /b1}) runs on a JVM that has only seen a 2,000-operation warm-up, so its CPU time includes the JIT compiling
 * the sensor's and the publisher's code; after each burst the bench waits until the JIT has compiled nothing for two
 * seconds. The last burst ({@code /bench}) is the steady state, and is the figure the bench reports as the agent's
 * CPU per event. Every burst is printed, each with the JIT's compile time during it. For each burst the bench prints events/s (from the burst's start until
 * Kafka acknowledged the last event) and the agent JVM's CPU time per event (user + system of the whole process,
 * from the burst's start to the last acknowledgement), split by thread: the sensor's threads, the publisher's
 * (its sending thread and the Kafka producer's network thread), the other Java threads, and the JVM's own threads
 * (JIT compilers; garbage collector and VM thread), which are the process's CPU time minus that of every Java thread.
 */
public final class SensorBench {
    /** CPU time (ns) of the agent JVM during a burst, by part. */
    /**
     * CPU time (ns) of the agent JVM during a burst, by part: {@code sensorKernel} is the part of {@code sensor} spent
     * in the kernel (system calls, the kernel opening a descriptor per pinned file, freeing what it closes);
     * {@code jvm} is the process's time minus that of every Java thread, of which {@code jit} and {@code gc} are the
     * compiler threads' and the collector's (its threads and the VM thread, which runs the safepoint operations and is
     * where the Serial collector collects; from /proc/self/task, in clock ticks); {@code jitMs} and {@code gcMs} are
     * wall-clock times (compilations, pauses), longer than CPU time when the machine is busy.
     */
    public record Cpu(long total, long sensor, long sensorKernel, long publisher, long otherJava, long jvm, long jit,
            long gc, long jitMs, long gcMs) {
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

    /** What one run measured: every burst, the first cold, the last the steady one whose figures the accessors give. */
    public record Result(int operations, List<Burst> bursts, Map<String, Long> counters) {
        public boolean accountedFor() {
            return bursts.stream().allMatch(Burst::accountedFor);
        }

        public Burst cold() {
            return bursts.get(0);
        }

        public Burst steady() {
            return bursts.get(bursts.size() - 1);
        }

        public long burstMs() {
            return steady().burstMs();
        }

        public long deliveredMs() {
            return steady().deliveredMs();
        }

        public long kernelEvents() {
            return steady().kernelEvents();
        }

        public long emitted() {
            return steady().emitted();
        }

        public long dropped() {
            return steady().dropped();
        }

        public long published() {
            return steady().published();
        }

        public long benchEventsPublished() {
            return steady().onTopic();
        }

        public double eventsPerSecond() {
            return steady().eventsPerSecond();
        }

        public double cpuMicrosPerEvent() {
            return steady().cpuMicrosPerEvent();
        }
    }

    private final int operations;
    private final int buffer;
    private final Path workDir;
    private final PrintWriter out;

    private final FanotifySensor.Config sensor;
    private final int bursts;

    public SensorBench(int operations, int buffer, Path workDir, PrintWriter out) {
        this(operations, buffer, workDir, out, FanotifySensor.Config.defaults("bench-node"), 3);
    }

    /** {@code bursts}: how many bursts of {@code operations} run; the last is the steady state reported. */
    public SensorBench(int operations, int buffer, Path workDir, PrintWriter out, FanotifySensor.Config sensor, int bursts) {
        if (bursts < 1) {
            throw new IllegalArgumentException("--bursts must be at least 1");
        }
        this.bursts = bursts;
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
                List<Burst> done = new ArrayList<>();
                for (int i = 1; i <= bursts; i++) {
                    boolean last = i == bursts;
                    done.add(burst(agent, sandbox, last ? "/bench" : "/b" + i, "burst " + i + " of " + bursts
                            + (i == 1 ? ", cold JVM" : "") + (last ? ", steady state (the figure reported)" : "")));
                    if (!last) {
                        awaitJitQuiet();
                    }
                }
                Map<String, Long> onTopic = countBenchEvents(stack, sandbox.id());
                done.replaceAll(b -> withOnTopic(b, onTopic.getOrDefault(b.dir(), 0L)));
                return new Result(operations, List.copyOf(done), agent.counters().snapshot());
            }
        } finally {
            io.driftwatch.agent.AgentFiles.deleteQuietly(workDir);
        }
    }

    /**
     * Waits (at most 60 s) until the JIT has finished no compilation for two seconds: what a burst made hot is compiled
     * before the next burst starts, as it would be on an agent that has been running a while.
     */
    private void awaitJitQuiet() throws InterruptedException {
        long t0 = System.nanoTime();
        long last = CpuClock.jitMs();
        int quiet = 0;
        while (quiet < 8 && System.nanoTime() - t0 < 60_000_000_000L) {
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
        private final Map<Long, Long> user0 = new HashMap<>();
        private final long[] vm0;
        private final long jit0;
        private final long gc0;

        CpuClock() {
            for (long id : threads.getAllThreadIds()) {
                thread0.put(id, Math.max(0, threads.getThreadCpuTime(id)));
                user0.put(id, Math.max(0, threads.getThreadUserTime(id)));
            }
            vm0 = vmThreads();
            jit0 = jitMs();
            gc0 = gcMs();
            process0 = os.getProcessCpuTime();
        }

        Cpu since() {
            long process = os.getProcessCpuTime() - process0;
            long[] vm = vmThreads();
            long sensor = 0;
            long sensorKernel = 0;
            long publisher = 0;
            long otherJava = 0;
            long[] ids = threads.getAllThreadIds();
            ThreadInfo[] infos = threads.getThreadInfo(ids);
            for (int i = 0; i < ids.length; i++) {
                long now = threads.getThreadCpuTime(ids[i]);
                long user = threads.getThreadUserTime(ids[i]);
                if (now < 0 || infos[i] == null) {
                    continue;
                }
                long used = now - thread0.getOrDefault(ids[i], 0L);
                String name = infos[i].getThreadName();
                if (name.startsWith("fanotify-") || name.equals("exec-args")) {
                    sensor += used;
                    sensorKernel += used - (user - user0.getOrDefault(ids[i], 0L));
                } else if (name.equals("driftwatch-agent-publisher") || name.startsWith("kafka-producer-network-thread")) {
                    publisher += used;
                } else {
                    otherJava += used;
                }
            }
            return new Cpu(process, sensor, sensorKernel, publisher, otherJava,
                    Math.max(0, process - sensor - publisher - otherJava), vm[0] - vm0[0], vm[1] - vm0[1], jitMs() - jit0,
                    gcMs() - gc0);
        }

        /** CPU time (ns, from clock ticks) of the JVM's compiler threads and of its collector's threads and VM thread, from /proc. */
        private static long[] vmThreads() {
            long jit = 0;
            long gc = 0;
            try (java.nio.file.DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path task : tasks) {
                    String stat;
                    try {
                        stat = Files.readString(task.resolve("stat"));
                    } catch (java.io.IOException gone) {
                        continue;
                    }
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String comm = stat.substring(open + 1, close);
                    String[] f = stat.substring(close + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
                    if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                        jit += ticks;
                    } else if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.equals("VM Thread")) {
                        // The VM thread runs the safepoint operations, the Serial collector's collections among them.
                        gc += ticks;
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                return new long[] {0, 0};
            }
            long nsPerTick = 10_000_000; // USER_HZ is 100 on Linux
            return new long[] {jit * nsPerTick, gc * nsPerTick};
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
