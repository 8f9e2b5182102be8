package io.driftwatch.scanner.report;

import java.util.Locale;

/** The report formats of {@code driftwatch scan --format}. */
public enum ReportFormat {
    /** Aligned plain text for people, with a summary by severity. */
    TABLE,
    /** The whole report as one JSON document. */
    JSON,
    /** SARIF 2.1.0, for code-scanning dashboards (GitHub's upload-sarif). */
    SARIF,
    /** JUnit XML: a test suite per check, a failed test case per finding (GitLab, Jenkins, ...). */
    JUNIT;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
