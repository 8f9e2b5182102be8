package io.driftwatch.scanner.check;

import io.driftwatch.model.Severity;

/**
 * What a check is, as reports show it.
 *
 * @param id          "DW-IMG-010"
 * @param type        the policy's check type: "setuid", "content", ...
 * @param severity    of every finding of the check
 * @param description one line, for tables and SARIF's shortDescription
 * @param help        what to do about a finding (SARIF's help); never null
 * @param source      where the check was defined, "file:line" (the built-in policy is "built-in:LINE")
 */
public record CheckInfo(String id, String type, Severity severity, String description, String help, String source) {
}
