package io.driftwatch.scanner.check;

import io.driftwatch.scanner.policy.Glob;
import java.util.List;

/**
 * Which paths a check looks at: those matching one of {@code paths} (every path when empty) and none of {@code allow}.
 */
public record PathFilter(List<Glob> paths, List<Glob> allow) {

    public static final PathFilter ALL = new PathFilter(List.of(), List.of());

    public PathFilter {
        paths = List.copyOf(paths);
        allow = List.copyOf(allow);
    }

    public boolean applies(String path) {
        return included(path) && !allowed(path);
    }

    public boolean included(String path) {
        if (paths.isEmpty()) {
            return true;
        }
        for (Glob glob : paths) {
            if (glob.matches(path)) {
                return true;
            }
        }
        return false;
    }

    public boolean allowed(String path) {
        for (Glob glob : allow) {
            if (glob.matches(path)) {
                return true;
            }
        }
        return false;
    }
}
