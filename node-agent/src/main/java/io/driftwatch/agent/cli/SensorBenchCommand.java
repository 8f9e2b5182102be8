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

    @Option(names = "--no-pins", negatable = false, description = "Run the sensor without its pin group (as `agent --no-pins`),"
            + " to see what holding new files costs.")
    boolean noPins;

    @Option(names = "--no-reads", negatable = false, description = "Run the sensor without reads and opens (as `agent --no-reads`).")
    boolean noReads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        io.driftwatch.agent.fanotify.FanotifySensor.Config d = io.driftwatch.agent.fanotify.FanotifySensor.Config.defaults("bench-node");
        io.driftwatch.agent.fanotify.FanotifySensor.Config sensor = new io.driftwatch.agent.fanotify.FanotifySensor.Config(
                d.node(), !noReads, d.exec(), d.unlimitedQueue(), d.baselineLimit(), d.proc(), d.maxCmdlineBytes(),
                d.mounts(), !noPins);
        SensorBench.Result r = new SensorBench(operations, buffer, dir.toAbsolutePath(), out, sensor).run();
        out.printf("%nsensor-bench: %,d file operations in a runc container (reads and opens %s, pin group %s)%n",
                r.operations(), noReads ? "off" : "on", noPins ? "off" : "on");
        out.printf("  burst in the container     %,d ms%n", r.burstMs());
        out.printf("  kernel events read         %,d%n", r.kernelEvents());
        out.printf("  FileEvents emitted         %,d (published and acknowledged by Kafka: %,d)%n", r.emitted(), r.published());
        out.printf("  dropped (counted)          %,d%n", r.dropped());
        out.printf("  operations on the topic    %,d of %,d%s%n", r.benchEventsPublished(), r.operations(),
                r.accountedFor() ? " (all accounted for)" : " (MISSING events not counted as dropped)");
        out.printf("  throughput                 %,.0f events/s (burst start to last acknowledgement, %,d ms)%n",
                r.eventsPerSecond(), r.deliveredMs());
        out.printf("  agent CPU time per event   %.1f µs%n", r.cpuMicrosPerEvent());
        out.println("  counters " + r.counters());
        out.flush();
        return r.accountedFor() ? 0 : 1;
    }
}
