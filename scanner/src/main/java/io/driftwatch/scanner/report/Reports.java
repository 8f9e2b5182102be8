package io.driftwatch.scanner.report;

import io.driftwatch.scanner.check.ScanReport;
import java.io.IOException;
import java.io.Writer;

/** Writes a scan report in one of the formats. */
public final class Reports {
    private Reports() {
    }

    public static void write(ReportFormat format, ScanReport report, ReportContext context, Writer out) throws IOException {
        switch (format) {
            case TABLE -> TableReport.write(report, context, out);
            case JSON -> JsonReport.write(report, context, out);
            case SARIF -> SarifReport.write(report, context, out);
            case JUNIT -> JunitReport.write(report, context, out);
            default -> throw new IllegalArgumentException(format.name());
        }
        out.flush();
    }

    /** One line: findings by severity, suppressed ones, and whether the scan fails at the context's --fail-on. */
    public static String summary(ScanReport report, ReportContext context) {
        return TableReport.summary(report, context);
    }

    /** "12.3 MiB". */
    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1024.0 / 1024.0);
    }

    /** The text with control characters (an ESC in a file name, say) shown as \xNN, for terminals and logs. */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0);
            if (control && out == null) {
                out = new StringBuilder(s.substring(0, i));
            }
            if (out != null) {
                if (control) {
                    out.append(String.format("\\x%02x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? s : out.toString();
    }
}
