package io.driftwatch.adapters.tetragon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One line of Tetragon's JSON export ({@code tetra getevents -o json}, or the export file
 * {@code /var/run/cilium/tetragon/tetragon.log}): a {@code GetEventsResponse} as protojson, e.g.
 * {@code {"process_kprobe":{"process":{...},"parent":{...},"function_name":"security_file_permission",
 * "args":[{"file_arg":{"path":"/etc/passwd","permission":"-rw-r--r--"}},{"int_arg":2}],"return":{"int_arg":0},
 * "action":"KPROBE_ACTION_POST","policy_name":"file-monitoring"},"node_name":"...","time":"2024-04-14T02:18:14.376304204Z"}}.
 * Stateless: which container records to emit is {@link TetragonAdapter}'s business. See src/adapters.md for the
 * mapping.
 */
public final class TetragonEventParser {
    public static final String SOURCE = "tetragon";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long UNSET_ID = 4294967295L;
    private static final int MAY_EXEC = 1;
    private static final int MAY_WRITE = 2;
    private static final int MAY_READ = 4;
    private static final int MAY_APPEND = 8;
    /** Top-level fields that are not the event. */
    private static final List<String> ENVELOPE = List.of("node_name", "time", "cluster_name", "node_labels",
            "aggregation_info");

    /** Why a well-formed line gave no file event. */
    public enum Skip {
        /** Another kind of event (process_exit, process_tracepoint, process_uprobe, ...). */
        OTHER_EVENT,
        /** A kprobe or LSM hook that is not a file operation the adapter maps. */
        OTHER_HOOK,
        /** The hook's return value says the operation was refused or failed, or the policy overrode it. */
        FAILED,
        /** A security_file_permission mask that is neither read nor write (MAY_EXEC, MAY_OPEN ...). */
        OTHER_ACCESS
    }

    /**
     * What one line holds.
     *
     * @param event the file event, or null when skipped
     * @param skip why there is no event
     * @param detail the event kind or hook name that was skipped
     * @param container the process's container as a metadata record (null for host processes and for processes
     *                  known only by the short id of the {@code docker} field)
     * @param shortId whether {@code event.containerId} is the {@code docker} field's short id
     * @param exitTime for the exit of a container's first process (pid 1 in its namespace): the time
     */
    public record Parsed(FileEvent event, Skip skip, String detail, ContainerMetadata container, boolean shortId,
                         Long exitTime) {
    }

    private record PathArg(String path, String permission) {
    }

    private record Args(List<PathArg> paths, List<Long> ints, List<String> strings) {
    }

    private TetragonEventParser() {
    }

    public static Parsed parse(String line) throws MalformedTetragonEventException {
        JsonNode root;
        try {
            root = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new MalformedTetragonEventException("not valid JSON: " + clip(e.getOriginalMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw new MalformedTetragonEventException("not a JSON object");
        }
        String kind = null;
        Iterator<String> names = root.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!ENVELOPE.contains(name)) {
                kind = name;
                break;
            }
        }
        if (kind == null) {
            throw new MalformedTetragonEventException("not a Tetragon event: no event field (process_exec, process_kprobe, ...)");
        }
        JsonNode body = root.get(kind);
        if (!body.isObject()) {
            throw new MalformedTetragonEventException("'" + clip(kind) + "' is not an object");
        }
        String node = text(root, "node_name");
        switch (kind) {
            case "process_kprobe", "process_lsm" -> {
                return hook(root, body, kind, node);
            }
            case "process_exec" -> {
                JsonNode process = process(body, kind);
                long time = time(root, kind);
                String binary = text(process, "binary");
                if (binary == null || binary.isEmpty()) {
                    throw new MalformedTetragonEventException("process_exec without process.binary");
                }
                FileEvent.Builder event = base(root, process, body.get("parent"), node, time);
                event.setType(EventType.EXEC).setPath(binary);
                return withContainer(event, process, node, time);
            }
            case "process_exit" -> {
                JsonNode process = body.get("process");
                Long exitTime = null;
                ContainerMetadata container = null;
                if (process != null && process.isObject()) {
                    container = container(process, node);
                    JsonNode pod = process.path("pod").path("container");
                    Long nsPid = number(pod, "pid", "pod.container.pid");
                    if (container != null && nsPid != null && nsPid == 1) {
                        String when = text(body, "time") != null ? text(body, "time") : text(root, "time");
                        exitTime = when == null ? null : parseTime(when, "process_exit.time");
                    }
                }
                return new Parsed(null, Skip.OTHER_EVENT, kind, container, false, exitTime);
            }
            default -> {
                return new Parsed(null, Skip.OTHER_EVENT, kind, null, false, null);
            }
        }
    }

    private static Parsed hook(JsonNode root, JsonNode body, String kind, String node) throws MalformedTetragonEventException {
        String function = text(body, "function_name");
        if (function == null || function.isEmpty()) {
            throw new MalformedTetragonEventException(kind + " without function_name");
        }
        String hook = hook(function);
        if (hook == null) {
            return new Parsed(null, Skip.OTHER_HOOK, function, null, false, null);
        }
        JsonNode process = process(body, kind);
        long time = time(root, kind);
        JsonNode argsNode = body.get("args");
        if (argsNode == null || !argsNode.isArray()) {
            throw new MalformedTetragonEventException(function + " without an 'args' array");
        }
        Args args = args(argsNode, function);
        JsonNode result = body.get("return");
        if (result != null && result.isObject()) {
            Long value = number(result, "int_arg", "return.int_arg");
            if (value != null && value != 0) {
                return new Parsed(null, Skip.FAILED, function, container(process, node), false, null);
            }
        }
        if ("KPROBE_ACTION_OVERRIDE".equals(text(body, "action"))) {
            return new Parsed(null, Skip.FAILED, function, container(process, node), false, null);
        }
        FileEvent.Builder event = base(root, process, body.get("parent"), node, time);
        List<PathArg> paths = args.paths();
        String cwd = text(process, "cwd");
        switch (hook) {
            case "file_permission" -> {
                PathArg file = firstPath(paths, function);
                if (args.ints().isEmpty()) {
                    throw new MalformedTetragonEventException(function + " without its access mask (int_arg)");
                }
                long mask = args.ints().get(0);
                if ((mask & (MAY_WRITE | MAY_APPEND)) != 0) {
                    event.setType(EventType.MODIFY);
                } else if ((mask & MAY_READ) != 0) {
                    event.setType(EventType.OPEN_READ);
                } else {
                    return new Parsed(null, Skip.OTHER_ACCESS, function + " mask " + mask, container(process, node),
                            false, null);
                }
                event.setPath(path(file, cwd, function));
            }
            case "file_open", "fd_install", "mmap_file" -> event.setType(EventType.OPEN_READ)
                    .setPath(path(firstPath(paths, function), cwd, function));
            case "file_truncate", "path_truncate" -> event.setType(EventType.TRUNCATE)
                    .setPath(path(firstPath(paths, function), cwd, function));
            case "path_unlink", "inode_unlink" -> event.setType(EventType.DELETE)
                    .setPath(path(lastPath(paths, function), cwd, function));
            case "path_rmdir", "inode_rmdir" -> event.setType(EventType.RMDIR)
                    .setPath(path(lastPath(paths, function), cwd, function));
            case "path_mkdir", "inode_mkdir" -> event.setType(EventType.MKDIR)
                    .setPath(path(lastPath(paths, function), cwd, function)).setMode(mode(args));
            case "path_mknod", "inode_mknod", "inode_create" -> event.setType(EventType.CREATE)
                    .setPath(path(lastPath(paths, function), cwd, function)).setMode(mode(args));
            case "path_rename", "inode_rename" -> {
                if (paths.size() < 2) {
                    throw new MalformedTetragonEventException(function + " needs the old and the new name (two or four path args)");
                }
                // security_path_rename(old_dir, old_dentry, new_dir, new_dentry, flags): with all four, the dentries.
                PathArg from = paths.size() >= 4 ? paths.get(1) : paths.get(0);
                PathArg to = paths.size() >= 4 ? paths.get(3) : paths.get(paths.size() - 1);
                event.setType(EventType.RENAME).setPath(path(from, cwd, function)).setNewPath(path(to, cwd, function));
            }
            case "path_link", "inode_link" -> {
                if (paths.size() < 2) {
                    throw new MalformedTetragonEventException(function + " needs the existing file and the new link");
                }
                event.setType(EventType.LINK).setPath(path(paths.get(paths.size() - 1), cwd, function))
                        .setNewPath(path(paths.get(0), cwd, function));
            }
            case "path_symlink", "inode_symlink" -> event.setType(EventType.SYMLINK)
                    .setPath(path(lastPath(paths, function), cwd, function))
                    .setNewPath(args.strings().isEmpty() ? null : args.strings().get(0));
            case "path_chmod" -> {
                PathArg file = firstPath(paths, function);
                event.setType(EventType.CHMOD).setPath(path(file, cwd, function)).setMode(mode(args))
                        .setPreviousMode(permission(file.permission()));
            }
            case "path_chown" -> event.setType(EventType.CHOWN).setPath(path(firstPath(paths, function), cwd, function));
            default -> throw new IllegalStateException("unmapped hook " + hook);
        }
        return withContainer(event, process, node, time);
    }

    /** The hook a function name stands for (kprobe {@code security_X}, LSM {@code X} or {@code bpf_lsm_X}), or null. */
    static String hook(String function) {
        String hook = function;
        if (hook.startsWith("bpf_lsm_")) {
            hook = hook.substring("bpf_lsm_".length());
        } else if (hook.startsWith("security_")) {
            hook = hook.substring("security_".length());
        }
        return switch (hook) {
            case "file_permission", "file_open", "fd_install", "mmap_file", "file_truncate", "path_truncate",
                 "path_unlink", "inode_unlink", "path_rmdir", "inode_rmdir", "path_mkdir", "inode_mkdir",
                 "path_mknod", "inode_mknod", "inode_create", "path_rename", "inode_rename", "path_link", "inode_link",
                 "path_symlink", "inode_symlink", "path_chmod", "path_chown" -> hook;
            default -> null;
        };
    }

    private static JsonNode process(JsonNode body, String kind) throws MalformedTetragonEventException {
        JsonNode process = body.get("process");
        if (process == null || !process.isObject()) {
            throw new MalformedTetragonEventException(kind + " without a 'process' object");
        }
        return process;
    }

    private static long time(JsonNode root, String kind) throws MalformedTetragonEventException {
        String time = text(root, "time");
        if (time == null) {
            throw new MalformedTetragonEventException(kind + " without 'time'");
        }
        return parseTime(time, "time");
    }

    static long parseTime(String value, String field) throws MalformedTetragonEventException {
        try {
            return OffsetDateTime.parse(value).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            throw new MalformedTetragonEventException("'" + field + "' is not an RFC 3339 time: '" + clip(value) + "'", e);
        }
    }

    /** The fields every file event takes from the process: pids, ids, names. */
    private static FileEvent.Builder base(JsonNode root, JsonNode process, JsonNode parent, String node, long time)
            throws MalformedTetragonEventException {
        String binary = text(process, "binary");
        String arguments = text(process, "arguments");
        Long auid = number(process, "auid", "process.auid");
        Long uid = number(process, "uid", "process.uid");
        JsonNode credentials = process.path("process_credentials");
        Long gid = number(credentials, "egid", "process.process_credentials.egid");
        Long parentPid = parent != null && parent.isObject() ? number(parent, "pid", "parent.pid") : null;
        String parentBinary = parent != null && parent.isObject() ? text(parent, "binary") : null;
        return FileEvent.newBuilder()
                .setEventId("tetragon-" + digest(root))
                .setTimestamp(time)
                .setNode(node)
                .setContainerId("host")
                .setType(EventType.OPEN_READ)
                .setPath("/")
                .setUid(uid)
                .setGid(gid)
                .setPid(pid(number(process, "pid", "process.pid"), "process.pid"))
                .setPpid(pid(parentPid, "parent.pid"))
                .setProcessName(basename(binary))
                .setExe(binary)
                .setCmdline(binary == null ? null : arguments == null || arguments.isEmpty() ? binary : binary + " " + arguments)
                .setParentProcessName(basename(parentBinary))
                .setLoginUid(auid == null || auid == UNSET_ID ? null : auid)
                .setSource(SOURCE);
    }

    private static Parsed withContainer(FileEvent.Builder event, JsonNode process, String node, long time)
            throws MalformedTetragonEventException {
        ContainerMetadata container = container(process, node);
        boolean shortId = false;
        if (container != null) {
            event.setContainerId(container.getContainerId());
        } else {
            String docker = text(process, "docker");
            if (docker != null && !docker.isBlank()) {
                event.setContainerId(docker.trim());
                shortId = true;
            }
        }
        return new Parsed(event.build(), null, null, container, shortId, null);
    }

    /**
     * The process's container from {@code process.pod} (Kubernetes), as a metadata record: the id without its
     * runtime prefix ({@code containerd://}, {@code docker://}, {@code cri-o://}), which names the runtime.
     */
    static ContainerMetadata container(JsonNode process, String node) throws MalformedTetragonEventException {
        JsonNode pod = process.get("pod");
        if (pod == null || !pod.isObject()) {
            return null;
        }
        JsonNode c = pod.path("container");
        String rawId = text(c, "id");
        if (rawId == null || rawId.isBlank()) {
            return null;
        }
        String id = rawId.trim();
        String runtime = null;
        int scheme = id.indexOf("://");
        if (scheme >= 0) {
            runtime = id.substring(0, scheme);
            id = id.substring(scheme + 3);
        }
        if (id.isEmpty() || id.contains("/") || id.length() > 256) {
            throw new MalformedTetragonEventException("pod.container.id is not a container id: '" + clip(rawId) + "'");
        }
        JsonNode image = c.path("image");
        String imageId = text(image, "id");
        String digest = null;
        if (imageId != null) {
            int at = imageId.indexOf('@');
            digest = at >= 0 ? imageId.substring(at + 1) : imageId.startsWith("sha256:") ? imageId : null;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode podLabels = pod.get("pod_labels");
        if (podLabels != null && podLabels.isObject()) {
            podLabels.fields().forEachRemaining(e -> {
                if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                    labels.put(e.getKey(), e.getValue().asText());
                }
            });
        }
        String started = text(c, "start_time");
        Long nsPid = number(c, "pid", "pod.container.pid");
        Long pid = number(process, "pid", "process.pid");
        JsonNode privileged = c.path("security_context").path("privileged");
        return ContainerMetadata.newBuilder()
                .setContainerId(id)
                .setNode(node)
                .setRuntime(runtime)
                .setContainerName(text(c, "name"))
                .setImage(text(image, "name"))
                .setImageDigest(digest)
                .setPodName(text(pod, "name"))
                .setNamespace(text(pod, "namespace"))
                .setPodUid(text(pod, "uid"))
                .setLabels(labels)
                .setPrivileged(privileged.isBoolean() && privileged.booleanValue())
                .setStartedAt(started == null ? null : parseTime(started, "pod.container.start_time"))
                .setStoppedAt(null)
                .setRootfs(null)
                // container.pid is the pid inside the container: 1 means this process is the container's first one.
                .setInitPid(nsPid != null && nsPid == 1 && pid != null ? pid(pid, "process.pid") : null)
                .build();
    }

    private static Args args(JsonNode array, String function) throws MalformedTetragonEventException {
        List<PathArg> paths = new ArrayList<>();
        List<Long> ints = new ArrayList<>();
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode arg = array.get(i);
            if (!arg.isObject()) {
                throw new MalformedTetragonEventException(function + ": args[" + i + "] is not an object");
            }
            for (String pathKind : List.of("file_arg", "path_arg", "linux_binprm_arg")) {
                JsonNode value = arg.get(pathKind);
                if (value != null) {
                    if (!value.isObject()) {
                        throw new MalformedTetragonEventException(function + ": args[" + i + "]." + pathKind + " is not an object");
                    }
                    paths.add(new PathArg(text(value, "path"), text(value, "permission")));
                }
            }
            for (String intKind : List.of("int_arg", "uint_arg", "long_arg", "size_arg")) {
                if (arg.has(intKind)) {
                    Long value = number(arg, intKind, function + " args[" + i + "]." + intKind);
                    if (value != null) {
                        ints.add(value);
                    }
                }
            }
            String string = text(arg, "string_arg");
            if (string != null) {
                strings.add(string);
            }
        }
        return new Args(paths, ints, strings);
    }

    private static PathArg firstPath(List<PathArg> paths, String function) throws MalformedTetragonEventException {
        if (paths.isEmpty()) {
            throw new MalformedTetragonEventException(function + " without a file or path argument");
        }
        return paths.get(0);
    }

    private static PathArg lastPath(List<PathArg> paths, String function) throws MalformedTetragonEventException {
        if (paths.isEmpty()) {
            throw new MalformedTetragonEventException(function + " without a file or path argument");
        }
        return paths.get(paths.size() - 1);
    }

    private static String path(PathArg arg, String cwd, String function) throws MalformedTetragonEventException {
        String path = arg.path();
        if (path == null || path.isEmpty()) {
            throw new MalformedTetragonEventException(function + ": a file or path argument without 'path'");
        }
        if (!path.startsWith("/") && cwd != null && cwd.startsWith("/")) {
            return cwd.endsWith("/") ? cwd + path : cwd + "/" + path;
        }
        return path;
    }

    private static Integer mode(Args args) {
        return args.ints().isEmpty() ? null : (int) (args.ints().get(0) & 07777);
    }

    /** {@code -rwsr-xr-x} (ls -l form, as Tetragon writes file permissions) to mode bits; null when not that form. */
    static Integer permission(String text) {
        if (text == null || text.length() != 10) {
            return null;
        }
        int mode = 0;
        for (int i = 0; i < 9; i++) {
            char c = text.charAt(i + 1);
            int bit = 1 << (8 - i);
            int role = i / 3; // 0 user, 1 group, 2 other
            int which = i % 3; // 0 r, 1 w, 2 x
            char plain = which == 0 ? 'r' : which == 1 ? 'w' : 'x';
            if (c == plain) {
                mode |= bit;
            } else if (which == 2 && (c == 's' || c == 't' || c == 'S' || c == 'T')) {
                boolean expected = role == 2 ? (c == 't' || c == 'T') : (c == 's' || c == 'S');
                if (!expected) {
                    return null;
                }
                if (c == 's' || c == 't') {
                    mode |= bit;
                }
                mode |= role == 0 ? 04000 : role == 1 ? 02000 : 01000;
            } else if (c != '-') {
                return null;
            }
        }
        return mode;
    }

    static String text(JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    /** A number field: a JSON integer, or a string of digits (protojson writes 64-bit integers as strings). */
    static Long number(JsonNode node, String field, String what) throws MalformedTetragonEventException {
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue();
        }
        if (value.isTextual()) {
            try {
                return Long.parseLong(value.textValue().trim());
            } catch (NumberFormatException e) {
                throw new MalformedTetragonEventException("'" + what + "' is not an integer: '" + clip(value.textValue()) + "'");
            }
        }
        throw new MalformedTetragonEventException("'" + what + "' is not an integer: " + clip(value.toString()));
    }

    private static Integer pid(Long value, String what) throws MalformedTetragonEventException {
        if (value == null) {
            return null;
        }
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new MalformedTetragonEventException("'" + what + "' out of range: " + value);
        }
        return value.intValue();
    }

    private static String basename(String path) {
        if (path == null || path.isEmpty()) {
            return null;
        }
        String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    /** A stable id: a hash of the event as compact JSON (the same event, however it was spaced, has one id). */
    private static String digest(JsonNode root) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] hash = sha.digest(root.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String clip(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
