package io.driftwatch.scanner.policy;

import io.driftwatch.scanner.check.ContentCheck;
import java.util.List;
import java.util.Set;

/**
 * A policy exception: findings of {@code checks} (every check when empty) at {@code paths} (every path when empty)
 * with one of {@code fingerprints} (any when empty) are suppressed, for {@code reason}. Suppressed findings stay in
 * JSON and SARIF reports, marked, and never fail a scan.
 *
 * @param source "file:line" of the exception
 */
public record Exemption(List<Glob> paths, Set<String> checks, List<String> fingerprints, String reason, String source) {

    public Exemption {
        paths = List.copyOf(paths);
        checks = Set.copyOf(checks);
        fingerprints = fingerprints.stream().map(ContentCheck::hex).toList();
    }

    public boolean covers(String checkId, String path, String secretFingerprint) {
        if (!checks.isEmpty() && !checks.contains(checkId)) {
            return false;
        }
        if (!paths.isEmpty() && paths.stream().noneMatch(g -> g.matches(path))) {
            return false;
        }
        if (!fingerprints.isEmpty()) {
            if (secretFingerprint == null) {
                return false;
            }
            String hex = ContentCheck.hex(secretFingerprint);
            return fingerprints.stream().anyMatch(f -> hex.startsWith(f) || f.startsWith(hex));
        }
        return true;
    }
}
