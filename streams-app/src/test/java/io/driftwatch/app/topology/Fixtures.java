package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import java.util.List;
import java.util.Map;

/** Small records for topology tests. */
final class Fixtures {
    static final long T0 = 1_795_082_400_000L;

    private Fixtures() {
    }

    static ContainerMetadata container(String id, long startedAt) {
        return ContainerMetadata.newBuilder().setContainerId(id).setNode("node-a").setRuntime("containerd")
                .setContainerName("app").setImage("registry.example/app:1").setPodName("app-" + id)
                .setNamespace("shop").setLabels(Map.of()).setStartedAt(startedAt).build();
    }

    static FileEvent event(String id, String containerId, long time, EventType type, String path, int pid, int ppid,
                           String process) {
        return FileEvent.newBuilder().setEventId(id).setTimestamp(time).setNode("node-a").setContainerId(containerId)
                .setType(type).setPath(path).setPid(pid).setPpid(ppid).setProcessName(process).setExe("/bin/" + process)
                .setCmdline(process).setUid(0L).setGid(0L).setSource("test").build();
    }

    static FileEvent read(String id, String containerId, long time) {
        return event(id, containerId, time, EventType.OPEN_READ, "/app/config.yml", 1, 0, "java");
    }

    static ExecSession session(String id, String containerId, String user, long startedAt, Long endedAt) {
        return ExecSession.newBuilder().setSessionId(id).setUser(user).setGroups(List.of("dev")).setSourceIps(List.of())
                .setNamespace("shop").setPodName("app-" + containerId).setContainerName("app").setContainerId(containerId)
                .setCommand("sh").setStartedAt(startedAt).setEndedAt(endedAt).build();
    }
}
