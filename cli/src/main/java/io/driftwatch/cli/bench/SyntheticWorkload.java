package io.driftwatch.cli.bench;

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
                .setImageDigest(imageDigest(index % IMAGES))
                .setPodName("app-" + index).setNamespace("team-" + (index % 10)).setLabels(Map.of("app", "shop"))
                .setStartedAt(startTime - 60_000).build();
    }

    /** The containers run this many images (the image name's and digest's index). */
    static final int IMAGES = 50;
    /** Images from this index on have no baseline published: their containers take the no-baseline path. */
    static final int IMAGES_WITH_BASELINE = 45;

    static String imageDigest(int image) {
        return String.format("sha256:%064x", 0xbe4c0000L + image);
    }

    /**
     * The baseline of one image (image drift): what the workload runs and writes next to, so the drift rules look up
     * its EXECs and executable CREATEs (the dropped files run in the latency samples are not in it), plus 2,000
     * libraries so that the index is not trivially small.
     */
    static io.driftwatch.model.ImageBaseline baseline(int image) {
        java.util.List<io.driftwatch.model.ImageFile> files = new java.util.ArrayList<>();
        for (String dir : new String[] {"/bin", "/usr", "/usr/bin", "/usr/lib", "/usr/lib/jvm", "/usr/lib/jvm/bin",
                "/usr/lib/x86_64-linux-gnu", "/app", "/app/config", "/var", "/var/log", "/tmp", "/root"}) {
            files.add(imageFile(dir, io.driftwatch.model.ImageFileKind.DIR, dir.equals("/tmp") ? 01777 : 0755));
        }
        for (String program : new String[] {"/bin/sh", "/bin/cp", "/bin/rm", "/usr/bin/curl", "/usr/bin/dpkg",
                "/usr/lib/jvm/bin/java"}) {
            files.add(imageFile(program, io.driftwatch.model.ImageFileKind.FILE, 0755));
        }
        for (int i = 0; i < 2000; i++) {
            files.add(imageFile("/usr/lib/x86_64-linux-gnu/lib" + i + ".so.1", io.driftwatch.model.ImageFileKind.FILE, 0644));
        }
        return io.driftwatch.model.ImageBaseline.newBuilder().setImageDigest(imageDigest(image))
                .setImage("registry.example/shop/app-" + image + ":1.0").setScannedAt(0).setScanner("bench")
                .setLayers(java.util.List.of(imageDigest(image))).setFiles(files).build();
    }

    private static io.driftwatch.model.ImageFile imageFile(String path, io.driftwatch.model.ImageFileKind kind, int mode) {
        return io.driftwatch.model.ImageFile.newBuilder().setPath(path).setKind(kind).setMode(mode)
                .setSha256(kind == io.driftwatch.model.ImageFileKind.FILE ? String.format("%064x", path.hashCode()) : null)
                .setSize(0).setLayer(0).build();
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

    /**
     * A file written by the workload (no single-event rule minds it): the first half of a drop-then-execute pair, at
     * wall-clock {@code time}.
     */
    static FileEvent droppedFile(String id, String containerId, String path, long time) {
        return base(id, containerId, time).setType(EventType.CREATE).setPath(path).setMode(0644).setPid(1).setPpid(0)
                .setProcessName("java").setExe("/usr/lib/jvm/bin/java").setCmdline("java -jar app.jar")
                .setParentProcessName("containerd-shim").build();
    }

    /** The file {@link #droppedFile} wrote, now run: only the stateful rule (DW-EXE-001) sees the two together. */
    static FileEvent droppedFileRun(String id, String containerId, String path, long time) {
        return base(id, containerId, time).setType(EventType.EXEC).setPath(path).setExe(path)
                .setProcessName(path.substring(path.lastIndexOf('/') + 1)).setPid(7100).setPpid(1)
                .setCmdline(path).setParentProcessName("java").build();
    }

    /** Events in a mass-deletion burst, every {@link #SOAK_BURST_EVERY} events of the soak: one over the rule's 30. */
    static final int SOAK_BURST = 40;
    static final long SOAK_BURST_EVERY = 250_000;

    /**
     * The i-th event of the soak: every container cycles through 100 kinds of activity (offset by its
     * index), so the stateful rules hold state all the time: files created and written in /tmp (the
     * drop-then-execute memory), spool files deleted outside scratch directories (change bursts),
     * renames, image binaries run. One event in 2,000 runs a file its container created 16 rounds
     * before (DW-EXE-001), one in 2,000 overwrites a binary, and every {@link #SOAK_BURST_EVERY} events
     * one process in one container deletes {@link #SOAK_BURST} files at once (DW-FIM-090, then its
     * repeats collapsed). Deterministic.
     */
    FileEvent soakEvent(long i) {
        long time = startTime + span(i);
        String id = "soak-" + i;
        if (i % SOAK_BURST_EVERY < SOAK_BURST) {
            int victim = (int) ((i / SOAK_BURST_EVERY * 7919) % containers);
            return base(id, containerId(victim), time).setType(EventType.DELETE)
                    .setPath("/data/customers/part-" + (i % SOAK_BURST_EVERY) + ".parquet").setPid(6666).setPpid(900)
                    .setProcessName("shred").setExe("/usr/bin/shred").setCmdline("shred -u").setParentProcessName("sh")
                    .build();
        }
        int container = (int) (i % containers);
        long round = i / containers;
        int slot = (int) ((round + container) % 100);
        String containerId = containerId(container);
        FileEvent.Builder b = base(id, containerId, time).setPid(1).setPpid(0).setProcessName("java")
                .setExe("/usr/lib/jvm/bin/java").setCmdline("java -jar app.jar").setParentProcessName("containerd-shim");
        if (slot < 55) {
            return b.setType(EventType.OPEN_READ).setPath("/usr/lib/x86_64-linux-gnu/lib" + (slot % 20) + ".so.1").build();
        } else if (slot < 70) {
            return b.setType(EventType.MODIFY).setPath("/var/log/app/app.log").build();
        } else if (slot < 78) {
            return b.setType(EventType.OPEN_READ).setPath("/app/config/application.yml").build();
        } else if (slot < 83) {
            String tool = "/usr/bin/tool" + (slot - 78);
            return b.setType(EventType.EXEC).setPath(tool).setExe(tool).setProcessName("tool" + (slot - 78)).setPid(200 + slot)
                    .setPpid(1).build();
        } else if (slot < 88) {
            return b.setType(EventType.CREATE).setPath("/tmp/upload-" + container + "-" + round).setMode(0644).build();
        } else if (slot < 92) {
            return b.setType(EventType.MODIFY).setPath("/tmp/upload-" + container + "-" + (round - 5)).build();
        } else if (slot < 96) {
            return b.setType(EventType.DELETE).setPath("/srv/spool/job-" + container + "-" + round).build();
        } else if (slot < 98) {
            return b.setType(EventType.OPEN_WRITE).setPath("/var/cache/app/c" + (round % 100)).build();
        } else if (slot < 99) {
            return b.setType(EventType.RENAME).setPath("/app/data/.x" + round + ".tmp").setNewPath("/app/data/x" + round).build();
        }
        // Each container reaches slot 99 once per 100 rounds; one time in 20 (staggered by container) it runs a
        // dropped file, one time in 20 it overwrites a binary: each one event in 2,000, at any point of the soak.
        long cycle = (round / 100 + container) % 20;
        if (cycle == 0) {
            // The file this container created 16 rounds ago (slot 83), now executed: drop then execute.
            String dropped = "/tmp/upload-" + container + "-" + (round - 16);
            return b.setType(EventType.EXEC).setPath(dropped).setExe(dropped).setProcessName("upload").setPid(7000)
                    .setPpid(1).build();
        } else if (cycle == 10) {
            return b.setType(EventType.OPEN_WRITE).setPath("/usr/bin/dpkg").setProcessName("cp").setExe("/bin/cp")
                    .setCmdline("cp x /usr/bin/dpkg").setPid(901).setPpid(900).build();
        }
        return b.setType(EventType.OPEN_READ).setPath("/app/config/application.yml").build();
    }

    private static FileEvent.Builder base(String id, String containerId, long time) {
        return FileEvent.newBuilder().setEventId(id).setTimestamp(time).setNode("node-" + (containerId.hashCode() & 15))
                .setContainerId(containerId).setUid(0L).setGid(0L).setSource("bench");
    }
}
