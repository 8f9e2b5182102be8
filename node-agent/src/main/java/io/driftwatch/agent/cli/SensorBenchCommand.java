package io.driftwatch.agent.cli;

import io.driftwatch.agent.bench.SensorBench;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "sensor-bench", mixinStandardHelpOptions = true,
        description = "A burst of file operations inside a real runc container (root; runc and busybox-static), through the"
                + " fanotify sensor into a local Kafka: prints events/s, the agent's CPU time per event, and whether every"
                + " operation was published or counted as dropped (exit 1 if not).")
final class SensorBenchCommand implements Callable<Integer> {
    @Option(names = "--ops", paramLabel = "N", defaultValue = "50000",
            description = "File operations in the burst, half creates and half deletes (default: ${DEFAULT-VALUE}).")
    int operations;

    @Option(names = "--buffer", paramLabel = "EVENTS", defaultValue = "100000",
            description = "The agent's event buffer (default: ${DEFAULT-VALUE}); a small one shows drops being counted.")
    int buffer;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".driftwatch/sensor-bench",
            description = "Work directory, removed at the end (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--bursts", paramLabel = "N", defaultValue = "3",
            description = "Bursts of --ops operations, one after the other in the same agent (default: ${DEFAULT-VALUE});"
                    + " the first runs on a cold JVM, the last is the steady state reported.")
    int bursts;

    @Option(names = "--no-pins", negatable = false, description = "Run the sensor without its pin group (as `agent --no-pins`),"
            + " to see what holding new files costs.")
    boolean noPins;

    @Option(names = "--no-reads", negatable = false, description = "Run the sensor without reads and opens (as `agent --no-reads`).")
    boolean noReads;

    @Option(names = "--host-fim", negatable = false, description = "Also watch the node's own files with the agent's default"
            + " host paths (as `agent` does unless --no-host-fim): marks the filesystems of /etc, /usr... and sorts out every"
            + " event of this machine on them while the burst runs.")
    boolean hostFim;

    @Option(names = "--no-hash-exec", negatable = false, description = "Run the sensor without hashing executed files"
            + " (as `agent --no-hash-exec`).")
    boolean noHashExec;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        io.driftwatch.agent.fanotify.FanotifySensor.Config d = io.driftwatch.agent.fanotify.FanotifySensor.Config.defaults("bench-node");
        io.driftwatch.agent.fanotify.FanotifySensor.Config sensor = new io.driftwatch.agent.fanotify.FanotifySensor.Config(
                d.node(), !noReads, d.exec(), d.unlimitedQueue(), d.baselineLimit(), d.proc(), d.maxCmdlineBytes(),
                d.mounts(), !noPins).withHashExec(!noHashExec)
                .withHost(hostFim ? io.driftwatch.agent.fanotify.FanotifySensor.Host.defaults() : null);
        SensorBench.Result r = new SensorBench(operations, buffer, dir.toAbsolutePath(), out, sensor, bursts).run();
        out.printf("%nsensor-bench: %,d file operations in a runc container (reads and opens %s, pin group %s, exec hashing %s,"
                + " host FIM %s)%n", r.operations(), noReads ? "off" : "on", noPins ? "off" : "on", noHashExec ? "off" : "on",
                hostFim ? "on" : "off");
        for (int i = 0; i < r.bursts().size(); i++) {
            boolean last = i == r.bursts().size() - 1;
            print(out, "burst " + (i + 1) + (i == 0 ? " (cold JVM: its CPU includes the JIT compiling)" : "")
                    + (last ? " (steady state: the figure reported)" : ""), r.bursts().get(i));
        }
        out.printf("  agent CPU time per event   %.1f µs in the steady state, last burst (%.1f µs in the first, cold one)%n",
                r.cpuMicrosPerEvent(), r.cold().cpuMicrosPerEvent());
        out.println("  counters " + r.counters());
        out.flush();
        return r.accountedFor() ? 0 : 1;
    }

    private static void print(PrintWriter out, String title, SensorBench.Burst b) {
        SensorBench.Cpu cpu = b.cpu();
        out.printf("  %s, under %s:%n", title, b.dir());
        out.printf("    burst in the container     %,d ms%n", b.burstMs());
        out.printf("    kernel events read         %,d%n", b.kernelEvents());
        out.printf("    FileEvents emitted         %,d (published and acknowledged by Kafka: %,d)%n", b.emitted(), b.published());
        out.printf("    dropped (counted)          %,d%n", b.dropped());
        out.printf("    operations on the topic    %,d of %,d%s%n", b.onTopic(), b.operations(),
                b.accountedFor() ? " (all accounted for)" : " (MISSING events not counted as dropped)");
        out.printf("    throughput                 %,.0f events/s (burst start to last acknowledgement, %,d ms)%n",
                b.eventsPerSecond(), b.deliveredMs());
        out.printf("    agent CPU time per event   %.1f µs: sensor threads %.1f (%.1f of it in the kernel), publisher and"
                + " Kafka producer %.1f, other Java threads %.1f, the JVM's own threads %.1f (JIT compilers %.1f,"
                + " garbage collector and VM thread %.1f); wall time compiling %,d ms, in GC pauses %,d ms%n",
                b.cpuMicrosPerEvent(), b.perEvent(cpu.sensor()), b.perEvent(cpu.sensorKernel()), b.perEvent(cpu.publisher()),
                b.perEvent(cpu.otherJava()), b.perEvent(cpu.jvm()), b.perEvent(cpu.jit()), b.perEvent(cpu.gc()), cpu.jitMs(),
                cpu.gcMs());
    }
}
