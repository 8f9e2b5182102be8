package io.driftwatch.app.bench;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Synthetic but realistic file activity: about 95% benign workload (a JVM reading its config,
 * writing logs and temp files, loading libraries), about 5% suspicious activity from an exec'd
 * shell (binaries overwritten, history wiped, a dropped file executed). Deterministic for a seed.
 */
final class SyntheticWorkload {
    private final int containers;
    private final long startTime;
    private final double eventsPerSecond;
    private final SplittableRandom random;

    /** @param eventsPerSecond how dense the events are in event time (the cluster's file-event rate) */
    SyntheticWorkload(int containers, long startTime, double eventsPerSecond, long seed) {
        this.containers = containers;
        this.startTime = startTime;
        this.eventsPerSecond = eventsPerSecond;
        this.random = new SplittableRandom(seed);
    }

    /** Event time spanned by n events. */
    long span(long n) {
        return (long) (n * 1000 / eventsPerSecond);
    }

    static String containerId(int index) {
        return String.format("bench-%05d", index);
    }

    ContainerMetadata container(int index) {
        return ContainerMetadata.newBuilder().setContainerId(containerId(index)).setNode("node-" + (index % 20))
                .setRuntime("containerd").setContainerName("app").setImage("registry.example/shop/app-" + (index % 50) + ":1.0")
                .setPodName("app-" + index).setNamespace("team-" + (index % 10)).setLabels(Map.of("app", "shop"))
                .setStartedAt(startTime - 60_000).build();
    }

    /** The i-th event, at the configured event-time rate. */
    FileEvent event(long i) {
        int container = (int) (i % containers);
        long time = startTime + span(i);
        String id = "bench-" + i;
        String containerId = containerId(container);
        int roll = random.nextInt(100);
        if (roll < 95) {
            return benign(id, containerId, time, roll);
        }
        return suspicious(id, containerId, time, roll);
    }

    private static FileEvent benign(String id, String containerId, long time, int roll) {
        FileEvent.Builder b = base(id, containerId, time).setPid(roll % 3 == 0 ? 1 : 100 + roll).setPpid(roll % 3 == 0 ? 0 : 1)
                .setProcessName("java").setExe("/usr/lib/jvm/bin/java").setCmdline("java -jar app.jar")
                .setParentProcessName("containerd-shim");
        return switch (roll % 5) {
            case 0 -> b.setType(EventType.OPEN_READ).setPath("/app/config/application.yml").build();
            case 1 -> b.setType(EventType.MODIFY).setPath("/var/log/app/app.log").build();
            case 2 -> b.setType(EventType.CREATE).setPath("/tmp/upload-" + (roll * 7) + ".tmp").setMode(0644).build();
            case 3 -> b.setType(EventType.DELETE).setPath("/tmp/upload-" + (roll * 7) + ".tmp").build();
            default -> b.setType(EventType.OPEN_READ).setPath("/usr/lib/x86_64-linux-gnu/libssl.so.3").build();
        };
    }

    static FileEvent suspicious(String id, String containerId, long time, int roll) {
        FileEvent.Builder b = base(id, containerId, time).setPid(900 + roll).setPpid(0).setProcessName("sh")
                .setExe("/bin/sh").setCmdline("sh").setParentProcessName("runc");
        return switch (roll % 3) {
            case 0 -> b.setType(EventType.OPEN_WRITE).setPath("/usr/bin/curl").setProcessName("cp").setExe("/bin/cp")
                    .setCmdline("cp x /usr/bin/curl").build();
            case 1 -> b.setType(EventType.DELETE).setPath("/root/.bash_history").setProcessName("rm").setExe("/bin/rm")
                    .build();
            default -> b.setType(EventType.CREATE).setPath("/tmp/.x" + roll).setMode(0755).setProcessName("curl")
                    .setExe("/usr/bin/curl").build();
        };
    }

    private static FileEvent.Builder base(String id, String containerId, long time) {
        return FileEvent.newBuilder().setEventId(id).setTimestamp(time).setNode("node-" + (containerId.hashCode() & 15))
                .setContainerId(containerId).setUid(0L).setGid(0L).setSource("bench");
    }
}
