package io.driftwatch.cli;

import io.driftwatch.cli.RecordProducer;
import io.driftwatch.adapters.k8saudit.AuditLogProcessor;
import io.driftwatch.adapters.k8saudit.ExecSessionExtractor.Update;
import io.driftwatch.adapters.k8saudit.K8sAuditSettings;
import io.driftwatch.adapters.k8saudit.LineTailer;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ./driftwatch ingest ...}: adapters that turn other sources into Driftwatch's records on its topics. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Turn another source's records into Driftwatch's and produce them to its topics.",
        subcommands = {IngestCommand.K8sAudit.class, AdapterIngest.Tetragon.class, AdapterIngest.Audit.class})
final class IngestCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code ./driftwatch ingest k8s-audit --file F [--follow] [--from-start] [--dry-run]}; see src/k8s-audit.md. */
    @Command(name = "k8s-audit", mixinStandardHelpOptions = true,
            description = {"Read a Kubernetes audit log (JSON lines of audit.k8s.io/v1 Events, or of EventLists as the "
                    + "webhook backend posts them) and produce its pods/exec requests as ExecSession records to the "
                    + "exec-sessions topic, keyed namespace/pod.",
                    "Without --follow: reads the file to its end, flushes and prints a summary. With --follow: tails the "
                    + "file like tail -F (rotation and truncation included), prints progress every few seconds and stops "
                    + "cleanly on Ctrl-C. See src/k8s-audit.md."})
    static final class K8sAudit implements Callable<Integer> {
        @Option(names = "--file", required = true, paramLabel = "FILE", description = "The audit log file.")
        Path file;

        @Mixin
        FollowOptions input;

        @Option(names = "--dry-run",
                description = "Print the ExecSession records as JSON lines (replay's --exec-sessions form) instead of producing.")
        boolean dryRun;

        @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE",
                description = "Set any configuration key, e.g. -Ddriftwatch.k8saudit.start.hold.ms=2000 (wins over --config).")
        Map<String, String> properties = new LinkedHashMap<>();

        @Mixin
        ConfigOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            input.requireFile(file, "audit log");
            DriftwatchConfig config = options.load().withOverrides(properties);
            K8sAuditSettings settings = K8sAuditSettings.from(config::get);
            LineIngest.Problems problems = new LineIngest.Problems(err, "(further unreadable lines are only counted)");
            try (LineIngest run = new LineIngest(file, input, err);
                 RecordProducer producer = dryRun ? null : new RecordProducer(config, "exec-sessions")) {
                AuditLogProcessor.Sink sink = dryRun
                        ? update -> {
                            out.println(JsonRecords.write(update.session()));
                            if (input.follow) {
                                out.flush();
                            }
                        }
                        : (Update update) -> producer.send(update.key(), update.time(), update.session());
                AuditLogProcessor processor = new AuditLogProcessor(settings.extractor(), sink,
                        (where, message) -> problems.print("skipped " + where + ": " + message));
                run.read(dryRun ? "standard output (dry run)" : producer.topic(), new LineIngest.Lines() {
                    @Override
                    public void line(LineTailer.Line line) throws Exception {
                        processor.line(line.where(), line.text());
                    }

                    @Override
                    public void tick(long now) throws Exception {
                        processor.tick(now);
                    }

                    @Override
                    public void finish() throws Exception {
                        processor.finish();
                    }

                    @Override
                    public String summary() {
                        return processor.summary();
                    }

                    @Override
                    public String progress(LineTailer tailer) {
                        return processor.summary() + (tailer.rotations() + tailer.truncations() > 0
                                ? "; file rotated " + tailer.rotations() + "x, truncated " + tailer.truncations() + "x"
                                : "");
                    }
                }, () -> {
                    if (producer != null) {
                        producer.check();
                    }
                });
                out.flush();
                if (producer != null) {
                    producer.flush();
                }
                err.printf("%s: %s%s%n", file, processor.summary(),
                        producer != null ? ", produced to " + producer.topic() : dryRun ? " printed" : "");
                err.flush();
                return 0;
            }
        }
    }
}
