package io.driftwatch.agent.fanotify;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's own paths that host file-integrity monitoring watches (issue 19, part 5), and the test of whether an event's
 * path is one of them.
 *
 * <p>A filesystem mark sees the whole filesystem: on a node whose root is one ext4 filesystem, marking /etc means reading
 * every write of every process on the node (builds, logs, caches). So the sensor marks the filesystems that hold these
 * paths and keeps only the events below them: a prefix match on path boundaries ({@code /etc} matches {@code /etc} and
 * {@code /etc/passwd}, not {@code /etcetera}), where a component may be a glob with {@code *} and {@code ?} that stays
 * within one component ({@code /home/*}{@code /.ssh} matches {@code /home/bob/.ssh/authorized_keys}, {@code /etc/cron*}
 * matches {@code /etc/cron.d/job} and {@code /etc/crontab}). Most events on such a node are outside every path: the
 * decision is cached per directory ({@link #inDirectory}) so that they cost one map look-up.
 *
 * <p>Paths are as the host sees them (no host-root prefix); the sensor strips its host root before asking.
 */
public final class HostPaths {
    /**
     * What the issue asks for by default: account and system configuration (/etc, with cron and ssh under it), the binary
     * and library directories, the boot files, and root's and users' ssh keys and cron spools.
     */
    public static final List<String> DEFAULTS = List.of("/etc", "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/lib",
            "/lib", "/lib64", "/boot", "/root/.ssh", "/home/*/.ssh", "/etc/cron*", "/var/spool/cron");

    private static final int CACHE = 16_384;

    /** What a directory's entries are: all inside, none, or depending on the entry's name. */
    enum Dir { ALL, NONE, SOME }

    private final List<String> patterns;
    private final String[][] components;
    private final Map<String, Dir> dirs = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Dir> eldest) {
            return size() > CACHE;
        }
    };

    public HostPaths(List<String> patterns) {
        List<String> clean = new ArrayList<>();
        for (String p : patterns) {
            String s = p.strip();
            if (s.isEmpty()) {
                continue;
            }
            if (!s.startsWith("/")) {
                throw new IllegalArgumentException("host path '" + s + "' is not absolute");
            }
            while (s.length() > 1 && s.endsWith("/")) {
                s = s.substring(0, s.length() - 1);
            }
            if (s.contains("/../") || s.endsWith("/..") || s.contains("/./")) {
                throw new IllegalArgumentException("host path '" + s + "' is not canonical");
            }
            if (!clean.contains(s)) {
                clean.add(s);
            }
        }
        if (clean.isEmpty()) {
            throw new IllegalArgumentException("no host paths given");
        }
        this.patterns = List.copyOf(clean);
        this.components = new String[clean.size()][];
        for (int i = 0; i < clean.size(); i++) {
            components[i] = split(clean.get(i));
        }
    }

    /** A comma-separated list (a flag's or a property's value). */
    public static HostPaths parse(String commaSeparated) {
        return new HostPaths(List.of(commaSeparated.split(",")));
    }

    public List<String> patterns() {
        return patterns;
    }

    /**
     * The directories to mark: each pattern's part before its first glob component ({@code /home} for
     * {@code /home/*}{@code /.ssh}), without those that lie below another one.
     */
    public List<String> bases() {
        List<String> bases = new ArrayList<>();
        for (String[] c : components) {
            StringBuilder b = new StringBuilder();
            for (String part : c) {
                if (isGlob(part)) {
                    break;
                }
                b.append('/').append(part);
            }
            String base = b.length() == 0 ? "/" : b.toString();
            if (!bases.contains(base)) {
                bases.add(base);
            }
        }
        List<String> kept = new ArrayList<>();
        for (String base : bases) {
            boolean below = bases.stream().anyMatch(other -> !other.equals(base) && within(base, other));
            if (!below) {
                kept.add(base);
            }
        }
        return kept;
    }

    /** Whether {@code path} is {@code base} or below it (on a component boundary). */
    static boolean within(String path, String base) {
        return "/".equals(base) || path.equals(base) || path.startsWith(base) && path.charAt(base.length()) == '/';
    }

    /** Whether {@code path} (absolute, as the host sees it) is one of the watched paths or below one. */
    public boolean matches(String path) {
        String[] p = split(path);
        for (String[] c : components) {
            if (prefixMatches(c, p)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the entry {@code name} of directory {@code dir} (host view) is watched; cached per directory. */
    boolean inDirectory(String dir, String name) {
        Dir d = dirs.get(dir);
        if (d == null) {
            d = classify(dir);
            dirs.put(dir, d);
        }
        return switch (d) {
            case ALL -> true;
            case NONE -> false;
            case SOME -> matches("/".equals(dir) ? "/" + name : dir + "/" + name);
        };
    }

    private Dir classify(String dir) {
        String[] p = split(dir);
        boolean some = false;
        for (String[] c : components) {
            if (prefixMatches(c, p)) {
                return Dir.ALL;
            }
            // a child of dir has p.length + 1 components: it can match a pattern of at most that many whose first
            // p.length components match dir's
            if (c.length == p.length + 1 && componentsMatch(c, p, p.length)) {
                some = true;
            }
        }
        return some ? Dir.SOME : Dir.NONE;
    }

    /** Forgets the per-directory decisions (a directory renamed, a host path added). */
    void clearCache() {
        dirs.clear();
    }

    private static boolean prefixMatches(String[] pattern, String[] path) {
        return path.length >= pattern.length && componentsMatch(pattern, path, pattern.length);
    }

    private static boolean componentsMatch(String[] pattern, String[] path, int n) {
        for (int i = 0; i < n; i++) {
            if (!glob(pattern[i], path[i])) {
                return false;
            }
        }
        return true;
    }

    private static String[] split(String path) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                if (i > start) {
                    parts.add(path.substring(start, i));
                }
                start = i + 1;
            }
        }
        return parts.toArray(new String[0]);
    }

    static boolean isGlob(String part) {
        return part.indexOf('*') >= 0 || part.indexOf('?') >= 0;
    }

    /** Glob match of one component: {@code *} any run of characters, {@code ?} one character. */
    static boolean glob(String pattern, String text) {
        if (!isGlob(pattern)) {
            return pattern.equals(text);
        }
        int p = 0;
        int t = 0;
        int star = -1;
        int mark = 0;
        while (t < text.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))) {
                p++;
                t++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    /** Where the sensor reaches a host path: {@code root} (the host's root as the agent sees it) joined with it. */
    static Path under(Path root, String hostPath) {
        return "/".equals(root.toString()) ? Path.of(hostPath) : Path.of(root.toString() + hostPath);
    }

    @Override
    public String toString() {
        return String.join(",", patterns);
    }
}
