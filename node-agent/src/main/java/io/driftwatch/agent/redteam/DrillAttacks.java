package io.driftwatch.agent.redteam;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The attacks a drill of the response plan can name ({@code drills[].attack}): each is one or more of the red team's
 * steps ({@link RedTeam#STEPS}), run in a real runc container, and the same attack as recorded file events for a
 * synthetic container (the fallback without root or runc: they go through the produce path, as the sensor would have
 * sent them).
 */
public final class DrillAttacks {
    /** The names, in the order {@code attacks} (all five) runs them. */
    public static final Map<String, List<RedTeam.Step>> CATALOGUE;

    static {
        Map<String, RedTeam.Step> byRule = new TreeMap<>();
        RedTeam.STEPS.forEach(s -> byRule.put(s.ruleId(), s));
        Map<String, List<RedTeam.Step>> c = new LinkedHashMap<>();
        c.put("write-passwd", List.of(byRule.get("DW-FIM-021")));
        c.put("overwrite-binary", List.of(byRule.get("DW-FIM-001")));
        c.put("setuid", List.of(byRule.get("DW-FIM-006")));
        c.put("delete-history", List.of(byRule.get("DW-FIM-010")));
        c.put("dropped-binary", List.of(byRule.get("DW-EXE-001")));
        c.put("attacks", RedTeam.STEPS);
        CATALOGUE = java.util.Collections.unmodifiableMap(c);
    }

    private DrillAttacks() {
    }

    /** The steps of {@code name}, or null when the catalogue has no such attack. */
    public static List<RedTeam.Step> steps(String name) {
        return CATALOGUE.get(name);
    }

    /** One shell script of the attack's commands (as an attacker's script runs them: one after the other). */
    public static String script(String name) {
        StringBuilder script = new StringBuilder();
        for (RedTeam.Step s : steps(name)) {
            script.append(s.command()).append("; ");
        }
        return script.toString();
    }

    /** The synthetic container a recorded attack happens in. */
    public static ContainerMetadata recordedContainer(String containerId, String node, long now) {
        return ContainerMetadata.newBuilder().setContainerId(containerId).setNode(node).setRuntime("runc")
                .setContainerName("app").setImage("busybox:static").setImageDigest(null).setPodName("drill-target")
                .setNamespace("drill").setPodUid("uid-" + containerId).setLabels(Map.of("app", "drill-target"))
                .setPrivileged(false).setStartedAt(now - 60_000).setStoppedAt(null).setRootfs(null).setInitPid(null)
                .build();
    }

    /**
     * The attack {@code name} as the fanotify sensor reports it for a container (what {@code redteam} sees from the
     * same commands): the file events, timestamps from {@code at} on, a millisecond apart.
     */
    public static List<FileEvent> recordedEvents(String name, String containerId, String node, long at) {
        List<FileEvent> out = new ArrayList<>();
        for (RedTeam.Step s : steps(name)) {
            switch (s.ruleId()) {
                case "DW-FIM-021" -> out.add(event(containerId, node, EventType.OPEN_WRITE, "/etc/passwd", "sh",
                        "sh -c echo 'svc-backup:x:0:0::/root:/bin/sh' >> /etc/passwd", null, null));
                case "DW-FIM-001" -> out.add(event(containerId, node, EventType.OPEN_WRITE, "/usr/bin/healthcheck", "cp",
                        "cp /bin/busybox /usr/bin/healthcheck", null, null));
                case "DW-FIM-006" -> out.add(event(containerId, node, EventType.CHMOD, "/usr/bin/healthcheck", "chmod",
                        "chmod u+s /usr/bin/healthcheck", 0104755, 0100755));
                case "DW-FIM-010" -> out.add(event(containerId, node, EventType.DELETE, "/root/.ash_history", "rm",
                        "rm -f /root/.ash_history", null, null));
                case "DW-EXE-001" -> {
                    out.add(event(containerId, node, EventType.CREATE, "/tmp/payload", "cp", "cp /bin/busybox /tmp/payload",
                            0100644, null));
                    out.add(event(containerId, node, EventType.CHMOD, "/tmp/payload", "chmod", "chmod 755 /tmp/payload",
                            0100755, 0100644));
                    out.add(event(containerId, node, EventType.EXEC, "/tmp/payload", "payload", "/tmp/payload", null, null));
                }
                default -> throw new IllegalStateException("no recorded events for " + s.ruleId());
            }
        }
        for (int i = 0; i < out.size(); i++) {
            out.get(i).setTimestamp(at + i);
            out.get(i).setEventId(containerId + "-" + (i + 1));
        }
        return out;
    }

    private static FileEvent event(String containerId, String node, EventType type, String path, String process,
                                   String cmdline, Integer mode, Integer previousMode) {
        return FileEvent.newBuilder().setEventId("x").setTimestamp(0).setNode(node).setContainerId(containerId)
                .setType(type).setPath(path).setNewPath(null).setMode(mode).setPreviousMode(previousMode).setUid(0L)
                .setGid(0L).setPid(4242).setPpid(4241).setProcessName(process)
                .setExe(type == EventType.EXEC ? path : "/bin/busybox").setCmdline(cmdline).setParentProcessName("sh")
                .setLoginUid(null).setSource("drill-recorded").build();
    }
}
