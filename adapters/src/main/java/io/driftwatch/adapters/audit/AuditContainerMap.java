package io.driftwatch.adapters.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which container an audit event belongs to. Audit records carry no container id; what they carry is the key of
 * the rule that matched ({@code auditctl -w ROOTFS -p wa -k KEY}) and the path names. So the mapping is given:
 *
 * <ul>
 *   <li>by key: {@code KEY=CONTAINERID}, where a KEY ending in {@code *} is a prefix ({@code dw-abc*} matches
 *       {@code dw-abc} and {@code dw-abc-secrets}); an exact key wins over a prefix, a longer prefix over a shorter;</li>
 *   <li>by root filesystem: {@code /host/path/of/rootfs=CONTAINERID}: a path name under that host path belongs to
 *       the container and is rewritten to the path inside it. This is what a host process writing into the
 *       container's root logs; the container's own processes log paths as they see them (inside the container).</li>
 * </ul>
 *
 * A root filesystem match wins over a key. An event that matches neither is a host event ({@code "host"}).
 * The file form holds one mapping a line, {@code KEY CONTAINERID} or {@code /ROOTFS CONTAINERID} (a first word
 * starting with {@code /} is a root filesystem), {@code #} starts a comment.
 */
public final class AuditContainerMap {
    public static final String HOST = "host";

    private final Map<String, String> exact = new LinkedHashMap<>();
    private final List<Map.Entry<String, String>> prefixes = new ArrayList<>();
    private final List<Map.Entry<String, String>> roots = new ArrayList<>();

    /** Where an event goes, and its path names as seen in the container. */
    public record Resolved(String containerId, String path, String newPath, boolean byKey, boolean byRootfs) {
    }

    public static AuditContainerMap empty() {
        return new AuditContainerMap();
    }

    /** {@code KEY=CONTAINERID} (KEY may end in {@code *}); a KEY starting with {@code /} is a root filesystem. */
    public AuditContainerMap add(String assignment) {
        int eq = assignment.lastIndexOf('=');
        if (eq <= 0 || eq == assignment.length() - 1) {
            throw new IllegalArgumentException("audit mapping '" + assignment + "': want KEY=CONTAINERID or /ROOTFS=CONTAINERID");
        }
        return add(assignment.substring(0, eq).trim(), assignment.substring(eq + 1).trim(), assignment);
    }

    private AuditContainerMap add(String key, String containerId, String what) {
        if (key.isEmpty() || containerId.isEmpty() || containerId.contains(" ")) {
            throw new IllegalArgumentException("audit mapping '" + what + "': want KEY=CONTAINERID or /ROOTFS=CONTAINERID");
        }
        if (key.startsWith("/")) {
            String root = key.length() > 1 && key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
            if (root.equals("/")) {
                throw new IllegalArgumentException("audit mapping '" + what + "': / cannot be a container's root filesystem");
            }
            roots.add(Map.entry(root, containerId));
            roots.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
        } else if (key.endsWith("*")) {
            prefixes.add(Map.entry(key.substring(0, key.length() - 1), containerId));
            prefixes.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
        } else {
            exact.put(key, containerId);
        }
        return this;
    }

    /** Reads a mapping file ({@code KEY CONTAINERID} or {@code /ROOTFS CONTAINERID} a line, # comments). */
    public AuditContainerMap load(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] words = line.split("\\s+");
            if (words.length != 2) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": want 'KEY CONTAINERID' or '/ROOTFS CONTAINERID'");
            }
            try {
                add(words[0], words[1], line);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return this;
    }

    public boolean isEmpty() {
        return exact.isEmpty() && prefixes.isEmpty() && roots.isEmpty();
    }

    /** The container of a key, or null. */
    public String byKey(String key) {
        if (key == null) {
            return null;
        }
        String id = exact.get(key);
        if (id != null) {
            return id;
        }
        for (Map.Entry<String, String> prefix : prefixes) {
            if (key.startsWith(prefix.getKey())) {
                return prefix.getValue();
            }
        }
        return null;
    }

    /**
     * Resolves an event: its keys (a rule may carry several), its path and second path (absolute where known).
     */
    public Resolved resolve(List<String> keys, String path, String newPath) {
        for (Map.Entry<String, String> root : roots) {
            String inside = under(root.getKey(), path);
            if (inside != null) {
                String otherInside = under(root.getKey(), newPath);
                return new Resolved(root.getValue(), inside, otherInside != null ? otherInside : newPath, false, true);
            }
        }
        for (String key : keys) {
            String id = byKey(key);
            if (id != null) {
                return new Resolved(id, path, newPath, true, false);
            }
        }
        return new Resolved(HOST, path, newPath, false, false);
    }

    /** The path inside the root, or null when the path is not under it. */
    private static String under(String root, String path) {
        if (path == null || !path.startsWith(root)) {
            return null;
        }
        if (path.length() == root.length()) {
            return "/";
        }
        return path.charAt(root.length()) == '/' ? path.substring(root.length()) : null;
    }
}
