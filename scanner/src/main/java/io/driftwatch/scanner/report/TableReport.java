package io.driftwatch.scanner.report;

import io.driftwatch.model.Severity;
import io.driftwatch.scanner.check.Finding;
import io.driftwatch.scanner.check.ScanReport;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * For people: the image, one aligned line per finding (most severe first) and a summary by severity. Suppressed
 * findings are counted, not listed (the JSON and SARIF reports list them). Control characters in paths are shown as
 * \xNN, so a file name cannot drive the terminal.
 */
final class TableReport {
    private static final int MAX_PATH = 60;

    private TableReport() {
    }

    static void write(ScanReport report, ReportContext context, Writer out) throws IOException {
        var image = report.image();
        String platform = image.os() == null ? "" : image.os() + (image.architecture() == null ? "" : "/" + image.architecture()) + ", ";
        out.write("image   " + Reports.printable(image.reference()) + "\n");
        out.write("digest  " + image.digest() + " (" + platform + image.layers().size() + " layers, "
                + Reports.mib(image.bytesRead()) + " read, " + image.files().size() + " paths)\n");
        out.write("policy  " + String.join(" + ", context.policies().stream().map(Reports::printable).toList()) + ": "
                + report.checks().size() + " checks\n\n");
        List<Finding> active = report.active();
        if (active.isEmpty()) {
            out.write("No findings.\n");
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"SEVERITY", "CHECK", "LAYER", "PATH", "FINDING"});
            for (Finding f : active) {
                String layer = f.layer() < 0 ? "-" : String.valueOf(f.layer());
                String finding = f.message() + (f.evidence() == null ? "" : " [" + f.evidence() + "]");
                rows.add(new String[] {f.severity().name(), f.checkId(), layer, Reports.printable(f.path()), Reports.printable(finding)});
            }
            int[] widths = new int[4];
            for (String[] row : rows) {
                for (int i = 0; i < widths.length; i++) {
                    widths[i] = Math.max(widths[i], Math.min(row[i].length(), i == 3 ? MAX_PATH : Integer.MAX_VALUE));
                }
            }
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < widths.length; i++) {
                    line.append(row[i]);
                    line.append(" ".repeat(Math.max(1, widths[i] - row[i].length() + 2)));
                }
                line.append(row[4]);
                out.write(line.toString().stripTrailing() + "\n");
            }
        }
        out.write("\n" + summary(report, context) + "\n");
    }

    /** "3 findings: 1 critical, 2 high, 0 medium, 0 low, 0 info; 1 suppressed by exceptions. Fails at HIGH." */
    static String summary(ScanReport report, ReportContext context) {
        Map<Severity, Integer> counts = report.countsBySeverity();
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        List<String> parts = new ArrayList<>();
        for (Severity s : List.of(Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)) {
            parts.add(counts.get(s) + " " + s.name().toLowerCase(Locale.ROOT));
        }
        StringBuilder text = new StringBuilder(total + (total == 1 ? " finding: " : " findings: ") + String.join(", ", parts));
        long suppressed = report.suppressedCount();
        if (suppressed > 0) {
            text.append("; ").append(suppressed).append(" suppressed by exceptions");
        }
        ScanReport.Stats stats = report.stats();
        if (stats.tooLarge() > 0) {
            text.append("; ").append(stats.tooLarge()).append(stats.tooLarge() == 1 ? " file" : " files")
                    .append(" over the content limit not searched");
        }
        if (context.failOn() == null) {
            text.append(". --fail-on none: never fails.");
        } else if (report.failsAt(context.failOn())) {
            text.append(". FAILED: findings at or above ").append(context.failOn()).append('.');
        } else {
            text.append(". Passed: nothing at or above ").append(context.failOn()).append('.');
        }
        return text.toString();
    }
}
