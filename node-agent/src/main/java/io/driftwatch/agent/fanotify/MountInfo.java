package io.driftwatch.agent.fanotify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A mount, from a mountinfo file: its mount point, filesystem type and super-block options, its device
 * ({@code major:minor}, one per super block) and its root (the directory of that filesystem mounted there:
 * not "/" for a bind mount).
 */
public record MountInfo(String mountPoint, String fsType, Map<String, String> superOptions, String device, String root) {

    public MountInfo(String mountPoint, String fsType, Map<String, String> superOptions) {
        this(mountPoint, fsType, superOptions, null, null);
    }

    /** Every mount of a mountinfo file, in its order (parents before the mounts on them). */
    public static List<MountInfo> all(Path mountinfo) throws IOException {
        List<MountInfo> mounts = new java.util.ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(mountinfo), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                MountInfo m = parse(line);
                if (m != null) {
                    mounts.add(m);
                }
            }
        }
        return mounts;
    }

    /**
     * The last (topmost) mount whose mount point is exactly {@code path}, or null. Read line by line: a node with
     * many containers has many mounts, and the whole table is never held at once.
     */
    public static MountInfo at(Path mountinfo, String path) throws IOException {
        MountInfo found = null;
        // An InputStreamReader replaces bytes that are not UTF-8 (a mount point may hold any) instead of failing.
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(mountinfo), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                MountInfo m = parse(line);
                if (m != null && m.mountPoint().equals(path)) {
                    found = m;
                }
            }
        }
        return found;
    }

    static MountInfo parse(String line) {
        String[] fields = line.split(" ");
        int dash = List.of(fields).indexOf("-");
        if (dash < 5 || dash + 1 >= fields.length) {
            return null;
        }
        String fsType = fields[dash + 1];
        Map<String, String> options = new HashMap<>();
        if (dash + 3 < fields.length) {
            for (String option : fields[dash + 3].split(",")) {
                int eq = option.indexOf('=');
                options.put(eq < 0 ? option : option.substring(0, eq), eq < 0 ? "" : unescape(option.substring(eq + 1)));
            }
        }
        return new MountInfo(unescape(fields[4]), fsType, options, fields[2], unescape(fields[3]));
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // not an escape: keep the backslash
                }
            }
            b.append(c);
        }
        return b.toString();
    }
}
