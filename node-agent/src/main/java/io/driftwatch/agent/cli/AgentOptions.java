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

    @Option(names = "--no-hash-exec", negatable = false, description = "Do not compute the SHA-256 of executed files"
            + " (EXEC events' sha256). By default each executed file is hashed once per (device, inode, change time, size),"
            + " files over 64 MiB are not (src/sensors.md, Exec hashing).")
    boolean noHashExec;

    @Option(names = "--no-host-fim", negatable = false, description = "Do not watch the node's own files (host FIM);"
            + " only containers are watched. Also driftwatch.agent.host.fim=false in --config.")
    boolean noHostFim;

    @Option(names = "--host-paths", paramLabel = "PATH[,PATH...]", split = ",",
            description = "The node's paths host FIM watches, as the node sees them; a component may be a glob (* ?)."
                    + " Default: driftwatch.agent.host.paths in --config, else /etc, /usr/bin, /usr/sbin, /bin, /sbin,"
                    + " /usr/lib, /lib, /lib64, /boot, /root/.ssh, /home/*/.ssh, /etc/cron*, /var/spool/cron.")
    List<String> hostPaths;

    @Option(names = "--host-root", paramLabel = "DIR",
            description = "Where the node's root is as the agent sees it: / when the agent runs on the node (the default,"
                    + " or driftwatch.agent.host.root in --config), /host in a pod that mounts the node's root there.")
    Path hostRoot;

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
                maxCmdlineBytes, !noMounts, !noPins, !noExecArgs, !noHashExec, host());
    }

    static final String HOST_FIM = "driftwatch.agent.host.fim";
    static final String HOST_PATHS = "driftwatch.agent.host.paths";
    static final String HOST_ROOT = "driftwatch.agent.host.root";

    /** Host FIM's settings: flags, else the --config file and DRIFTWATCH_AGENT_HOST_* variables, else defaults; null when off. */
    FanotifySensor.Host host() {
        ClientSettings settings = node.settings();
        if (noHostFim || settings.get(HOST_FIM) != null && !settings.flag(HOST_FIM)) {
            return null;
        }
        io.driftwatch.agent.fanotify.HostPaths paths;
        if (hostPaths != null && !hostPaths.isEmpty()) {
            paths = new io.driftwatch.agent.fanotify.HostPaths(hostPaths);
        } else if (settings.get(HOST_PATHS) != null && !settings.get(HOST_PATHS).isBlank()) {
            paths = io.driftwatch.agent.fanotify.HostPaths.parse(settings.get(HOST_PATHS));
        } else {
            paths = new io.driftwatch.agent.fanotify.HostPaths(io.driftwatch.agent.fanotify.HostPaths.DEFAULTS);
        }
        Path root = hostRoot != null ? hostRoot
                : settings.get(HOST_ROOT) != null && !settings.get(HOST_ROOT).isBlank() ? Path.of(settings.get(HOST_ROOT).strip())
                : Path.of("/");
        return new FanotifySensor.Host(root, paths);
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
