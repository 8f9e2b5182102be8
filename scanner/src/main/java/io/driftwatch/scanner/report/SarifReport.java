package io.driftwatch.scanner.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.Severity;
import io.driftwatch.scanner.check.CheckInfo;
import io.driftwatch.scanner.check.Finding;
import io.driftwatch.scanner.check.ScanReport;
import io.driftwatch.scanner.image.ImageScan;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * SARIF 2.1.0: one run whose tool.driver lists every check of the policy as a rule (id, shortDescription, help,
 * defaultConfiguration.level, properties.security-severity as GitHub code scanning reads it), and one result per
 * finding: the path inside the image as artifactLocation.uri, a logicalLocation naming the image and the layer, a
 * partialFingerprint, and a suppression for findings a policy exception covers.
 */
final class SarifReport {
    static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
    static final String FINGERPRINT = "driftwatchFinding/v1";

    private SarifReport() {
    }

    /** SARIF's level for a severity. */
    static String level(Severity severity) {
        return switch (severity) {
            case CRITICAL, HIGH -> "error";
            case MEDIUM -> "warning";
            default -> "note";
        };
    }

    /** GitHub's security-severity (0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0 critical). */
    static String securitySeverity(Severity severity) {
        return switch (severity) {
            case CRITICAL -> "9.5";
            case HIGH -> "8.0";
            case MEDIUM -> "5.5";
            case LOW -> "2.0";
            default -> "0.0";
        };
    }

    static void write(ScanReport report, ReportContext context, Writer out) throws IOException {
        JsonReport.JSON.writeValue(new JsonReport.NonClosingWriter(out), tree(report, context));
        out.write("\n");
    }

    static ObjectNode tree(ScanReport report, ReportContext context) {
        ImageScan image = report.image();
        ObjectNode root = JsonReport.JSON.createObjectNode();
        root.put("$schema", SCHEMA).put("version", "2.1.0");
        ObjectNode run = root.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "driftwatch");
        if (context.version() != null) {
            driver.put("version", context.version());
        }
        ArrayNode rules = driver.putArray("rules");
        Map<String, Integer> ruleIndex = new HashMap<>();
        for (CheckInfo check : report.checks()) {
            ruleIndex.put(check.id(), rules.size());
            ObjectNode rule = rules.addObject();
            rule.put("id", check.id());
            rule.put("name", ruleName(check));
            rule.putObject("shortDescription").put("text", check.description());
            String help = check.help().isBlank() ? check.description() : check.help();
            rule.putObject("fullDescription").put("text", help);
            rule.putObject("help").put("text", help).put("markdown", "**" + check.description() + "**\n\n" + help
                    + "\n\nCheck type `" + check.type() + "`, defined at " + check.source() + ".");
            rule.putObject("defaultConfiguration").put("level", level(check.severity()));
            ObjectNode properties = rule.putObject("properties");
            properties.put("security-severity", securitySeverity(check.severity()));
            properties.put("severity", check.severity().name());
            properties.put("precision", "high");
            properties.putArray("tags").add("security").add("container-image").add(check.type());
        }
        ObjectNode invocation = run.putArray("invocations").addObject();
        invocation.put("executionSuccessful", true)
                .put("startTimeUtc", Instant.ofEpochMilli(report.scannedAt()).toString())
                .put("endTimeUtc", Instant.ofEpochMilli(report.scannedAt() + report.durationMs()).toString());
        ArrayNode results = run.putArray("results");
        for (Finding f : report.findings()) {
            ObjectNode result = results.addObject();
            result.put("ruleId", f.checkId());
            Integer index = ruleIndex.get(f.checkId());
            if (index != null) {
                result.put("ruleIndex", index);
            }
            result.put("level", level(f.severity()));
            result.putObject("message").put("text", f.message() + (f.evidence() == null ? "" : " (" + f.evidence() + ")"));
            ObjectNode location = result.putArray("locations").addObject();
            ObjectNode physical = location.putObject("physicalLocation");
            physical.putObject("artifactLocation").put("uri", uri(f.path()));
            if (f.line() > 0) {
                physical.putObject("region").put("startLine", f.line());
            }
            ObjectNode logical = location.putArray("logicalLocations").addObject();
            String imageName = image.reference() + "@" + image.digest();
            if (f.layer() >= 0) {
                logical.put("name", "layer " + f.layer() + " " + f.layerDigest());
                logical.put("fullyQualifiedName", imageName + " layer " + f.layer() + " " + f.layerDigest());
            } else {
                logical.put("name", image.reference());
                logical.put("fullyQualifiedName", imageName);
            }
            logical.put("kind", "module");
            result.putObject("partialFingerprints").put(FINGERPRINT, f.fingerprint());
            ObjectNode properties = result.putObject("properties");
            properties.put("severity", f.severity().name()).put("path", f.path()).put("image", image.reference())
                    .put("imageDigest", image.digest());
            if (f.layer() >= 0) {
                properties.put("layer", f.layer()).put("layerDigest", f.layerDigest());
            }
            if (f.removedInLayer() != null) {
                properties.put("removedInLayer", f.removedInLayer()).put("removedInLayerDigest", f.removedInDigest());
            }
            if (f.evidence() != null) {
                properties.put("evidence", f.evidence());
            }
            if (f.secretFingerprint() != null) {
                properties.put("secretFingerprint", f.secretFingerprint());
            }
            if (f.isSuppressed()) {
                result.putArray("suppressions").addObject().put("kind", "external").put("status", "accepted")
                        .put("justification", f.suppressed());
            }
        }
        ObjectNode properties = run.putObject("properties");
        properties.put("image", image.reference()).put("imageDigest", image.digest());
        if (image.os() != null) {
            properties.put("os", image.os());
        }
        if (image.architecture() != null) {
            properties.put("architecture", image.architecture());
        }
        ArrayNode layers = properties.putArray("layers");
        image.layers().forEach(l -> layers.add(l.digest()));
        ArrayNode policies = properties.putArray("policies");
        context.policies().forEach(policies::add);
        return root;
    }

    /** The description in PascalCase, letters and digits only: "SetuidOrSetgidFileOutsideTheAllowList". */
    static String ruleName(CheckInfo check) {
        StringBuilder name = new StringBuilder();
        for (String part : check.description().split("[^A-Za-z0-9]+")) {
            if (!part.isEmpty()) {
                name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return name.length() == 0 ? check.id() : name.toString();
    }

    /** The path as a URI reference: characters outside RFC 3986's path characters percent-encoded (UTF-8). */
    static String uri(String path) {
        StringBuilder out = new StringBuilder();
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~/!$&'()*+,;=:@".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }
}
