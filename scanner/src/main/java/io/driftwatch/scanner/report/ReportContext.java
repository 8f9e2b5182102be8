package io.driftwatch.scanner.report;

import io.driftwatch.model.Severity;
import java.util.List;

/**
 * What a report says besides the scan: the scanner's version, the policy it ran and the severity a scan fails at.
 *
 * @param version  the Driftwatch version ("0.1.0-SNAPSHOT"), or null
 * @param policies where the policy came from: "built-in", "policy.yaml"
 * @param failOn   findings at or above this fail the scan; null never fails
 */
public record ReportContext(String version, List<String> policies, Severity failOn) {

    public ReportContext {
        policies = List.copyOf(policies);
    }
}
