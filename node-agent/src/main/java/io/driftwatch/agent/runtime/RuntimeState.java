package io.driftwatch.agent.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.agent.fanotify.ProcFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads what runtimes leave on disk: runc's {@code <root>/<id>/state.json} and a containerd v2 task directory
 * ({@code config.json}, {@code init.pid}), and the kernel's view of a pid ({@code /proc/<pid>/stat}).
 * Every reader throws {@link IOException} on a missing or unparseable file so that the scan can skip the
 * container for one poll.
 */
final class RuntimeState {

    /** What one runtime directory says about a container; {@code initStart} is null when the source does not know it. */
    record Found(String id, int initPid, Long initStart, Long createdAt, Path rootfs, Map<String, String> annotations,
            boolean privileged) {
    }

    static final String CAP_SYS_ADMIN = "CAP_SYS_ADMIN";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RuntimeState() {
    }

    /**
     * Parses runc's state.json. Fields used: {@code id}, {@code init_process_pid}, {@code init_process_start} (clock
     * ticks after boot, field 22 of /proc/pid/stat), {@code created}, {@code config.rootfs}, {@code config.labels}
     * ({@code key=value}: the OCI annotations, plus {@code bundle=<dir>} that runc adds and that is left out here) and
     * {@code config.capabilities.Bounding}.
     */
    static Found readRuncState(Path stateJson) throws IOException {
        JsonNode root = readJson(stateJson);
        String id = text(root, "id");
        JsonNode pidNode = root.get("init_process_pid");
        JsonNode config = root.get("config");
        if (id == null || pidNode == null || !pidNode.canConvertToInt() || config == null || !config.isObject()) {
            throw new IOException(stateJson + ": not a runc state file (id, init_process_pid or config missing)");
        }
        String rootfs = text(config, "rootfs");
        if (rootfs == null) {
            throw new IOException(stateJson + ": config.rootfs missing");
        }
        JsonNode start = root.get("init_process_start");
        Map<String, String> annotations = new LinkedHashMap<>();
        for (JsonNode label : config.path("labels")) {
            String kv = label.asText();
            int eq = kv.indexOf('=');
            String key = eq < 0 ? kv : kv.substring(0, eq);
            if (!key.equals("bundle")) {
                annotations.put(key, eq < 0 ? "" : kv.substring(eq + 1));
            }
        }
        boolean privileged = contains(config.path("capabilities").path("Bounding"), CAP_SYS_ADMIN);
        return new Found(id, pidNode.asInt(), start != null && start.canConvertToLong() ? start.asLong() : null,
                parseTime(text(root, "created")), Path.of(rootfs), annotations, privileged);
    }

    /**
     * Reads a containerd v2 task directory (the bundle): {@code config.json} (OCI spec: {@code annotations},
     * {@code root.path}, relative to the bundle when not absolute, and {@code process.capabilities.bounding}) and
     * {@code init.pid}, which the shim writes once the task exists; the creation time is that file's modification
     * time.
     */
    static Found readContainerdTask(Path taskDir) throws IOException {
        Path pidFile = taskDir.resolve("init.pid");
        String pidText = Files.readString(pidFile, StandardCharsets.US_ASCII).trim();
        int pid;
        try {
            pid = Integer.parseInt(pidText);
        } catch (NumberFormatException e) {
            throw new IOException(pidFile + ": not a pid: '" + pidText + "'");
        }
        JsonNode spec = readJson(taskDir.resolve("config.json"));
        String rootPath = text(spec.path("root"), "path");
        if (rootPath == null) {
            throw new IOException(taskDir.resolve("config.json") + ": root.path missing");
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        spec.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        boolean privileged = contains(spec.path("process").path("capabilities").path("bounding"), CAP_SYS_ADMIN);
        long created = Files.getLastModifiedTime(pidFile).toMillis();
        return new Found(taskDir.getFileName().toString(), pid, null, created, taskDir.resolve(rootPath).normalize(),
                annotations, privileged);
    }

    /**
     * The start time (clock ticks after boot) of a live process, or null when the pid does not exist or is a
     * zombie (a container's init that exited but was not reaped yet is gone for our purposes, as it is for runc).
     */
    static Long processStart(Path proc, int pid) {
        String stat;
        try {
            stat = ProcFiles.text(proc.resolve(Integer.toString(pid)).resolve("stat"), ProcFiles.MAX_STAT_BYTES);
        } catch (IOException e) {
            return null;
        }
        // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so count from the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        if (fields.length < 20 || fields[0].equals("Z") || fields[0].equals("X")) {
            return null;
        }
        try {
            return Long.parseLong(fields[19]);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static JsonNode readJson(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static Long parseTime(String rfc3339) {
        if (rfc3339 == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(rfc3339).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || !v.isTextual() || v.asText().isEmpty() ? null : v.asText();
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.asText())) {
                return true;
            }
        }
        return false;
    }
}
