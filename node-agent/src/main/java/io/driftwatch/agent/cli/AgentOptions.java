package io.driftwatch.agent.cli;

import io.driftwatch.agent.fanotify.FanotifySensor;
import io.driftwatch.agent.publish.Publisher;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The agent's settings: where it connects ({@link NodeOptions}) and the sensor's switches. */
final class AgentOptions {
    @Mixin
    NodeOptions node;

    @Option(names = "--buffer", paramLabel = "EVENTS", defaultValue = "100000",
            description = "Events held while Kafka is slow or away; past that they are dropped and counted (default: ${DEFAULT-VALUE}).")
    int buffer;

    @Option(names = "--no-reads", negatable = false, description = "Do not report reads and opens (OPEN_READ, OPEN_WRITE); they are the noisiest events.")
    boolean noReads;

    @Option(names = "--no-mounts", negatable = false, description = "Watch only each container's root, not its other"
            + " mounts (/dev, /dev/shm, volumes). A volume on the host's root filesystem puts a mark on that filesystem,"
            + " whose every event the agent then reads and sorts out.")
    boolean noMounts;

    @Option(names = "--no-pins", negatable = false, description = "Do not hold new files open for a moment to read their"
            + " mode after they are gone (a second fanotify group that sees every open). Saves the cost of an open"
            + " per open; a file created, changed and deleted within milliseconds then loses its mode.")
    boolean noPins;

    @Option(names = "--no-exec-args", negatable = false, description = "Do not take executions' arguments from the kernel"
            + " with bpftrace (used when it is installed and tracefs is mounted); /proc alone then names them, and a"
            + " program that lives a millisecond may go unnamed.")
    boolean noExecArgs;

    @Option(names = "--no-exec", negatable = false, description = "Do not report executions (EXEC).")
    boolean noExec;

    @Option(names = "--bounded-kernel-queue", description = "Let the kernel queue only 16,384 events and drop past that (FAN_Q_OVERFLOW, counted but not exactly);"
            + " by default the kernel queue is unlimited and the agent's own buffer counts every drop exactly.")
    boolean boundedKernelQueue;

    @Option(names = "--max-cmdline-bytes", paramLabel = "BYTES", defaultValue = "4096",
            description = "Read at most this many bytes of a process's command line from /proc (its text is at most as many"
                    + " characters); a longer one is cut and the event's 'truncated' lists cmdline (default: ${DEFAULT-VALUE}).")
    int maxCmdlineBytes;

    String node() {
        return node.node();
    }

    String bootstrapServers() {
        return node.bootstrapServers();
    }

    String registryUrl() {
        return node.registryUrl();
    }

    String topicPrefix() {
        return node.topicPrefix();
    }

    FanotifySensor.Config sensor() {
        FanotifySensor.Config d = FanotifySensor.Config.defaults(node());
        if (maxCmdlineBytes < 1) {
            throw new IllegalArgumentException("--max-cmdline-bytes must be at least 1, not " + maxCmdlineBytes);
        }
        return new FanotifySensor.Config(d.node(), !noReads, !noExec, !boundedKernelQueue, d.baselineLimit(), d.proc(),
                maxCmdlineBytes, !noMounts, !noPins, !noExecArgs);
    }

    /** The runc roots the watcher reads and the responder acts through. */
    List<Path> runcRoots() {
        return node.runcRoots();
    }

    RuntimeWatcher.Config watcher() {
        return node.watcher();
    }

    Publisher.Config publisher() {
        return new Publisher.Config(bootstrapServers(), registryUrl(), topicPrefix() + "file-events",
                topicPrefix() + "container-metadata", buffer, node.clientOverrides());
    }

    NodeOptions connection() {
        return node;
    }
}
