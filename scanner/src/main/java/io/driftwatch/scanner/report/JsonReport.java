package io.driftwatch.scanner.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.Severity;
import io.driftwatch.scanner.check.CheckInfo;
import io.driftwatch.scanner.check.Finding;
import io.driftwatch.scanner.check.ScanReport;
import io.driftwatch.scanner.image.ImageScan;
import io.driftwatch.scanner.image.Layer;
import java.io.IOException;
import java.io.Writer;
import java.time.Instant;
import java.util.Map;

/**
 * The whole report as one JSON document: {@code scanner}, {@code image} (reference, digest, platform, layers),
 * {@code policy} (sources, checks), {@code summary} (counts by severity, suppressed, failed) and {@code findings}
 * (suppressed ones included, with their reason). Secrets appear only redacted.
 */
final class JsonReport {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    static void write(ScanReport report, ReportContext context, Writer out) throws IOException {
        JSON.writeValue(new NonClosingWriter(out), tree(report, context));
        out.write("\n");
    }

    static ObjectNode tree(ScanReport report, ReportContext context) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("scanner").put("name", "driftwatch").put("version", context.version());
        ImageScan image = report.image();
        ObjectNode img = root.putObject("image");
        img.put("reference", image.reference()).put("digest", image.digest()).put("os", image.os())
                .put("architecture", image.architecture()).put("bytesRead", image.bytesRead()).put("paths", image.files().size());
        ArrayNode layers = img.putArray("layers");
        for (Layer layer : image.layers()) {
            layers.addObject().put("index", layer.index()).put("digest", layer.digest()).put("mediaType", layer.mediaType())
                    .put("size", layer.size()).put("createdBy", layer.createdBy());
        }
        root.put("scannedAt", Instant.ofEpochMilli(report.scannedAt()).toString()).put("durationMs", report.durationMs());
        ObjectNode policy = root.putObject("policy");
        ArrayNode sources = policy.putArray("sources");
        context.policies().forEach(sources::add);
        ArrayNode checks = policy.putArray("checks");
        for (CheckInfo check : report.checks()) {
            checks.addObject().put("id", check.id()).put("type", check.type()).put("severity", check.severity().name())
                    .put("description", check.description()).put("source", check.source());
        }
        ObjectNode summary = root.putObject("summary");
        Map<Severity, Integer> counts = report.countsBySeverity();
        ObjectNode bySeverity = summary.putObject("bySeverity");
        for (Severity s : new Severity[] {Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO}) {
            bySeverity.put(s.name(), counts.get(s));
        }
        summary.put("findings", report.active().size()).put("suppressed", report.suppressedCount())
                .put("failOn", context.failOn() == null ? "none" : context.failOn().name())
                .put("failed", report.failsAt(context.failOn()));
        ScanReport.Stats stats = report.stats();
        summary.putObject("content").put("layerEntries", stats.entries()).put("searched", stats.searched())
                .put("binarySkipped", stats.binary()).put("overContentLimit", stats.tooLarge());
        ArrayNode findings = root.putArray("findings");
        for (Finding f : report.findings()) {
            ObjectNode node = findings.addObject();
            node.put("checkId", f.checkId()).put("severity", f.severity().name()).put("path", f.path());
            if (f.line() > 0) {
                node.put("line", f.line());
            }
            if (f.layer() >= 0) {
                node.put("layer", f.layer()).put("layerDigest", f.layerDigest());
            }
            if (f.removedInLayer() != null) {
                node.put("removedInLayer", f.removedInLayer()).put("removedInLayerDigest", f.removedInDigest());
            }
            node.put("message", f.message());
            if (f.evidence() != null) {
                node.put("evidence", f.evidence());
            }
            if (f.secretFingerprint() != null) {
                node.put("secretFingerprint", f.secretFingerprint());
            }
            node.put("fingerprint", f.fingerprint());
            if (f.isSuppressed()) {
                node.put("suppressed", f.suppressed());
            }
        }
        return root;
    }

    /** Jackson closes the writer it is given; the caller owns it. */
    static final class NonClosingWriter extends java.io.FilterWriter {
        NonClosingWriter(Writer out) {
            super(out);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
