package io.driftwatch.cli;

import io.driftwatch.cli.replay.AdapterInput;
import io.driftwatch.cli.replay.Replay;
import io.driftwatch.cli.replay.ReplayInput;
import io.driftwatch.cli.replay.ReplayOutput;
import io.driftwatch.app.topology.PipelineSettings;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import io.driftwatch.rules.RuleCompilationException;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.schemas.json.JsonRecordException;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.avro.generic.IndexedRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Run recorded events through the same topology and rules as the streaming app, without a broker.",
                "Inputs and outputs are JSON lines with the field names of DESIGN.md; the same input gives the same output."})
final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--events", paramLabel = "FILE",
            description = {"FileEvent records (JSON lines), or a Tetragon export or audit log with --format. A capture "
                    + "(the JSON lines GET /api/v1/captures/{id} downloads) is recognised by its first line and replayed "
                    + "with its metadata, exec sessions and events, as it is."})
    Path events;

    @Option(names = "--capture", paramLabel = "FILE",
            description = "A capture file, as --events takes it (refused when the file is not a capture).")
    Path capture;

    @Option(names = "--metadata", paramLabel = "FILE", description = "ContainerMetadata records (JSON lines).")
    Path metadata;

    @Option(names = "--exec-sessions", paramLabel = "FILE", description = "ExecSession records (JSON lines).")
    Path sessions;

    @Option(names = "--k8s-audit", paramLabel = "FILE",
            description = "A Kubernetes audit log (JSON lines, as for ingest k8s-audit): its pods/exec requests become "
                    + "exec sessions, replayed with those of --exec-sessions (see src/k8s-audit.md).")
    Path k8sAudit;

    @Option(names = "--image-baselines", paramLabel = "FILE",
            description = {"Image baselines (JSON lines, as scan --baseline-out writes them; several images may follow "
                    + "each other): the image drift rules compare each container's events with its image's baseline, "
                    + "found by the container's imageDigest. Without it no image has a baseline and those rules stay "
                    + "silent."})
    Path imageBaselines;

    @Option(names = "--alerts", required = true, paramLabel = "FILE", description = "Where to write the alerts.")
    Path alerts;

    @Option(names = "--commands", paramLabel = "FILE", description = "Where to write the response commands.")
    Path commands;

    @Option(names = "--enriched", paramLabel = "FILE", description = "Where to write the enriched events (the audit trail).")
    Path enriched;

    @Option(names = "--rules", paramLabel = "DIR", description = "Your DRL rules, added to the built-in rule pack.")
    Path rulesDir;

    @Option(names = "--maturity", paramLabel = "TIERS", defaultValue = "stable",
            description = "Rule maturity tiers that fire, comma-separated: stable (default), incubating, sandbox, or all.")
    String maturity;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "native",
            description = {"Input format of --events: native (default: FileEvent JSON lines); tetragon (Tetragon's JSON "
                    + "export: its pods' containers are the metadata, with --metadata's); audit (a Linux audit log: "
                    + "containers by --audit-key/--audit-keys/--audit-rootfs). A line or event these adapters cannot "
                    + "read is reported and skipped, not fatal. See src/adapters.md."})
    String format;

    @Mixin
    AuditMappingOptions auditMapping;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if ((events == null) == (capture == null)) {
            err.println("error: give the recorded events with --events FILE or --capture FILE (one of them)");
            return 2;
        }
        if (capture != null) {
            if (!format.equals("native")) {
                err.println("error: --capture replays a capture; --format " + format + " goes with --events");
                return 2;
            }
            if (!Files.isReadable(capture) || !ReplayInput.isCapture(capture)) {
                err.println("error: " + capture + ": not a capture (its first line is not {\"capture\": {...}})");
                return 1;
            }
            events = capture;
        }
        if (!List.of("native", "tetragon", "audit").contains(format)) {
            err.println("error: --format " + format + ": want native, tetragon or audit");
            return 2;
        }
        boolean auditOptions = !auditMapping.keys.isEmpty() || auditMapping.keysFile != null
                || !auditMapping.roots.isEmpty() || auditMapping.node != null;
        if (auditOptions && !format.equals("audit")) {
            err.println("error: --audit-key, --audit-keys, --audit-rootfs and --node go with --format audit");
            return 2;
        }
        RuleSet rules;
        try {
            rules = rulesDir == null ? RuleSet.builtIn() : RuleSet.load(rulesDir);
        } catch (RuleCompilationException e) {
            err.println("error: rules refused:\n" + e.getMessage());
            return 1;
        }
        ReplayInput input;
        int auditSessions = 0;
        String from = "";
        try {
            if (format.equals("native")) {
                if (ReplayInput.isCapture(events)) {
                    from = " from capture " + events;
                }
                input = ReplayInput.read(events, metadata, sessions);
            } else {
                AdapterInput fromAdapter = format.equals("tetragon") ? AdapterInput.tetragon(events)
                        : AdapterInput.audit(events, auditMapping.map(), auditMapping.node);
                report(err, fromAdapter);
                List<ContainerMetadata> containers = new ArrayList<>(metadata == null ? List.of()
                        : JsonRecords.readLines(metadata, ContainerMetadata.class));
                containers.addAll(fromAdapter.metadata());
                input = new ReplayInput(fromAdapter.events(), containers,
                        sessions == null ? List.of() : JsonRecords.readLines(sessions, ExecSession.class));
                from = " from the " + format + " adapter";
            }
            if (k8sAudit != null) {
                List<ExecSession> fromAudit = ReplayInput.k8sAuditSessions(k8sAudit);
                auditSessions = fromAudit.size();
                input = input.withSessions(fromAudit);
            }
        } catch (JsonRecordException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        List<io.driftwatch.model.ImageBaseline> baselines = List.of();
        if (imageBaselines != null) {
            try {
                baselines = io.driftwatch.scanner.baseline.BaselineFiles.read(imageBaselines);
            } catch (JsonRecordException e) {
                err.println("error: " + e.getMessage());
                return 1;
            } catch (java.nio.file.NoSuchFileException e) {
                err.println("error: " + imageBaselines + ": no such file");
                return 1;
            }
        }
        ReplayOutput output;
        try {
            output = Replay.run(input, baselines, rules, io.driftwatch.app.Directories.home(),
                    java.util.Map.of(PipelineSettings.RULE_MATURITY, maturity));
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        write(alerts, output.alerts());
        if (commands != null) {
            write(commands, output.commands());
        }
        if (enriched != null) {
            write(enriched, output.enriched());
        }
        err.printf("replayed %d events%s (%d container records, %d exec-session records%s%s) with rules %s: "
                        + "%d alerts, %d commands, %d enriched events%s%n",
                input.events().size(), from,
                input.metadata().size(), input.sessions().size(),
                k8sAudit == null ? "" : ", " + auditSessions + " of them from the k8s audit log",
                imageBaselines == null ? "" : ", " + baselines.size() + " image baselines", rules.version(),
                output.alerts().size(), output.commands().size(), output.enriched().size(),
                output.imageBaselinesMissing() == 0 ? ""
                        : "; " + output.imageBaselinesMissing() + " images without a baseline (no drift decisions)");
        err.flush();
        return 0;
    }

    /** What the adapter made of the file, and what it could not read (replay goes on without it). */
    private static void report(PrintWriter err, AdapterInput input) {
        err.println(input.summary());
        int shown = 0;
        for (String problem : input.problems()) {
            if (shown++ == 20) {
                err.printf("(%d more malformed)%n", input.problems().size() - 20);
                break;
            }
            err.println("skipped " + problem);
        }
        err.flush();
    }

    private static void write(Path file, List<? extends IndexedRecord> records) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (IndexedRecord record : records) {
                out.write(JsonRecords.write(record));
                out.newLine();
            }
        }
    }
}
