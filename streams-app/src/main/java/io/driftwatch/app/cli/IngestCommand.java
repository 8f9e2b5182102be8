package io.driftwatch.app.cli;

import io.driftwatch.app.adapters.RecordProducer;
import io.driftwatch.app.adapters.k8saudit.AuditLogProcessor;
import io.driftwatch.app.adapters.k8saudit.ExecSessionExtractor.Update;
import io.driftwatch.app.adapters.k8saudit.K8sAuditSettings;
import io.driftwatch.app.adapters.k8saudit.LineTailer;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
        private static final int PRINTED_PROBLEMS = 50;
        private static final long POLL_MS = 250;

        @Option(names = "--file", required = true, paramLabel = "FILE", description = "The audit log file.")
        Path file;

        @Option(names = "--follow", description = "Keep reading what is appended (tail -F), until Ctrl-C or --duration.")
        boolean follow;

        @Option(names = "--from-start",
                description = "With --follow: read what the file holds already first (default: only what is appended).")
        boolean fromStart;

        @Option(names = "--dry-run",
                description = "Print the ExecSession records as JSON lines (replay's --exec-sessions form) instead of producing.")
        boolean dryRun;

        @Option(names = "--progress", paramLabel = "SECONDS", defaultValue = "5",
                description = "With --follow: print progress this often (default: ${DEFAULT-VALUE}; 0: never).")
        long progressSeconds;

        @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
                description = "With --follow: stop after this many seconds (default 0: run until Ctrl-C).")
        long durationSeconds;

        @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE",
                description = "Set any configuration key, e.g. -Ddriftwatch.k8saudit.start.hold.ms=2000 (wins over --config).")
        Map<String, String> properties = new LinkedHashMap<>();

        @Mixin
        ConfigOptions options;

        @Spec
        CommandSpec spec;

        private PrintWriter out;
        private PrintWriter err;
        private long problemsPrinted;

        @Override
        public Integer call() throws Exception {
            out = spec.commandLine().getOut();
            err = spec.commandLine().getErr();
            if (!follow && !Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "audit log not found");
            }
            DriftwatchConfig config = options.load().withOverrides(properties);
            K8sAuditSettings settings = K8sAuditSettings.from(config);

            CountDownLatch stop = new CountDownLatch(1);
            CountDownLatch cleanedUp = new CountDownLatch(1);
            // On Ctrl-C the JVM waits for shutdown hooks, not for this thread: the hook waits for the flush below.
            Thread hook = new Thread(() -> {
                stop.countDown();
                try {
                    cleanedUp.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "ingest-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try (RecordProducer producer = dryRun ? null : new RecordProducer(config, "exec-sessions")) {
                AuditLogProcessor.Sink sink = dryRun
                        ? update -> {
                            out.println(JsonRecords.write(update.session()));
                            if (follow) {
                                out.flush();
                            }
                        }
                        : (Update update) -> producer.send(update.key(), update.time(), update.session());
                AuditLogProcessor processor = new AuditLogProcessor(settings.extractor(), sink, this::problem);
                String target = dryRun ? "standard output (dry run)" : producer.topic();
                if (follow) {
                    err.printf("following %s into %s; Ctrl-C stops%n", file, target);
                    err.flush();
                }
                try (LineTailer lines = new LineTailer(file, !follow || fromStart)) {
                    if (follow) {
                        follow(lines, processor, producer, stop);
                    } else {
                        readToEnd(lines, processor);
                    }
                    processor.finish();
                }
                out.flush();
                if (producer != null) {
                    producer.flush();
                }
                err.printf("%s: %s%s%n", file, processor.summary(),
                        producer != null ? ", produced to " + producer.topic() : dryRun ? " printed" : "");
                err.flush();
                return 0;
            } finally {
                cleanedUp.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is running and now returns
                }
            }
        }

        private void readToEnd(LineTailer lines, AuditLogProcessor processor) throws Exception {
            LineTailer.Line line;
            while ((line = lines.poll()) != null) {
                processor.line(line.where(), line.text());
            }
            line = lines.remainder();
            if (line != null) {
                processor.line(line.where(), line.text());
            }
        }

        private void follow(LineTailer lines, AuditLogProcessor processor, RecordProducer producer, CountDownLatch stop)
                throws Exception {
            long started = System.currentTimeMillis();
            long deadline = durationSeconds > 0 ? started + TimeUnit.SECONDS.toMillis(durationSeconds) : Long.MAX_VALUE;
            long progressMs = TimeUnit.SECONDS.toMillis(progressSeconds);
            long nextProgress = progressMs > 0 ? started + progressMs : Long.MAX_VALUE;
            boolean waitingNoted = false;
            long sinceCheck = 0;
            while (stop.getCount() > 0) {
                LineTailer.Line line = lines.poll();
                long now;
                if (line != null) {
                    processor.line(line.where(), line.text());
                    if (++sinceCheck < 1000) {
                        continue; // a backlog: look at the clock now and then only
                    }
                    sinceCheck = 0;
                    now = System.currentTimeMillis();
                } else {
                    sinceCheck = 0;
                    now = System.currentTimeMillis();
                    if (!lines.isOpen() && !waitingNoted) {
                        err.printf("waiting for %s to appear%n", file);
                        err.flush();
                        waitingNoted = true;
                    }
                    // Caught up: the log is quiet, so time moves on by the wall clock.
                    processor.tick(now);
                }
                if (producer != null) {
                    producer.check();
                }
                if (now >= nextProgress) {
                    err.printf("progress: %s%s%n", processor.summary(),
                            lines.rotations() + lines.truncations() > 0
                                    ? "; file rotated " + lines.rotations() + "x, truncated " + lines.truncations() + "x"
                                    : "");
                    err.flush();
                    nextProgress = now + progressMs;
                }
                if (now >= deadline) {
                    break;
                }
                if (line == null) {
                    stop.await(POLL_MS, TimeUnit.MILLISECONDS);
                }
            }
            // What is still appended now (a last line without newline waits: it may be half-written).
            LineTailer.Line line;
            while ((line = lines.poll()) != null) {
                processor.line(line.where(), line.text());
            }
        }

        private void problem(String where, String message) {
            if (problemsPrinted < PRINTED_PROBLEMS) {
                err.printf("skipped %s: %s%n", where, message);
            } else if (problemsPrinted == PRINTED_PROBLEMS) {
                err.printf("(further unreadable lines are only counted)%n");
            }
            problemsPrinted++;
            err.flush();
        }
    }
}
