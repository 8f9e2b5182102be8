package io.driftwatch.scanner.check;

import io.driftwatch.model.Severity;
import io.driftwatch.scanner.image.ImageScan;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a scan found: the image, the checks that ran and the findings, most severe first (suppressed ones included,
 * marked).
 *
 * @param image      what reading the image gave
 * @param checks     the enabled checks of the policy, in policy order
 * @param findings   most severe first, then by check and path
 * @param stats      how much was read and searched
 * @param scannedAt  epoch milliseconds at the start
 * @param durationMs how long reading and checking took
 */
public record ScanReport(ImageScan image, List<CheckInfo> checks, List<Finding> findings, Stats stats, long scannedAt,
        long durationMs) {

    /**
     * @param entries    layer entries seen (every layer, before whiteouts)
     * @param searched   regular files whose content was searched by at least one check
     * @param binary     regular files skipped by the content checks because they are binary
     * @param tooLarge   regular files over the content limit, not searched
     */
    public record Stats(long entries, long searched, long binary, long tooLarge) {
    }

    /** Unsuppressed findings by severity (every severity present, 0 when none). */
    public Map<Severity, Integer> countsBySeverity() {
        Map<Severity, Integer> counts = new EnumMap<>(Severity.class);
        for (Severity s : Severity.values()) {
            counts.put(s, 0);
        }
        for (Finding f : findings) {
            if (!f.isSuppressed()) {
                counts.merge(f.severity(), 1, Integer::sum);
            }
        }
        return counts;
    }

    public List<Finding> active() {
        return findings.stream().filter(f -> !f.isSuppressed()).toList();
    }

    public long suppressedCount() {
        return findings.stream().filter(Finding::isSuppressed).count();
    }

    /** Whether an unsuppressed finding is at or above {@code threshold} (null: never). */
    public boolean failsAt(Severity threshold) {
        return threshold != null && findings.stream().anyMatch(f -> !f.isSuppressed() && f.severity().compareTo(threshold) >= 0);
    }
}
