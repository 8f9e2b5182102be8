package io.driftwatch.cli;

import io.driftwatch.cli.bench.Bench;
import io.driftwatch.cli.bench.MetadataRaceBench;
import io.driftwatch.cli.bench.ScanBench;
import io.driftwatch.cli.bench.SoakBench;
import io.driftwatch.cli.embedded.EmbeddedStack;
import io.driftwatch.rules.EvaluatorBenchmark;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the pipeline on an embedded broker and registry: events/s of the full pipeline and of a",
                "pass-through topology on the same input (the physical limit), their ratio, and event-to-alert latency.",
                "With --evaluator, measure the rule evaluator alone on one thread (events/s per core): the shipped",
                "single-event rules, the stateful rules, and the single-event rules with ten times as many rules.",
                "With --metadata-delay MIN-MAX, measure the container-start race: the share of events enriched and the",
                "extra event-to-enriched latency when each container's metadata comes MIN-MAX ms after its first event.",
                "With --soak, run 10,000,000 events from 10,000 containers (stateful rules holding state) and print the",
                "heap after a full GC every 10 s; cap the heap with DRIFTWATCH_JAVA_OPTS=-Xmx512m to prove the bound.",
                "With --scan, measure the image reader (no Kafka): generate an image of --scan-mib MiB over a few thousand",
                "files, scan it with uncompressed and with gzip layers, and compare MB/s and files/s with sha256sum over the",
                "same files (and gzip -dc over the same layers) in the same run."})
final class BenchCommand implements Callable<Integer> {
    static final long EVALUATOR_DEFAULT_EVENTS = 1_000_000;
    static final long SOAK_DEFAULT_EVENTS = 10_000_000;
    static final int SOAK_DEFAULT_CONTAINERS = 10_000;
    static final int RACE_DEFAULT_CONTAINERS = 200;
    static final int RACE_EVENTS_PER_CONTAINER = 20;

    @Option(names = "--events", defaultValue = "200000", paramLabel = "N",
            description = "Synthetic events (default ${DEFAULT-VALUE}; with --evaluator 1,000,000 per rule set).")
    long events;

    @Option(names = "--evaluator", description = "Benchmark the rule evaluator alone, without Kafka (no broker is started).")
    boolean evaluator;

    @Option(names = "--metadata-delay", paramLabel = "MIN-MAX",
            description = "Container-start race: publish each container's metadata a uniformly random MIN to MAX ms (wall clock) "
                    + "after its first event, e.g. 0-3000; compared with a baseline phase where it comes first.")
    String metadataDelay;

    @Option(names = "--start-spread", defaultValue = "10", paramLabel = "SECONDS",
            description = "With --metadata-delay: the containers of each phase start over this many seconds (default ${DEFAULT-VALUE}).")
    long startSpreadSeconds;

    @Option(names = "--soak", description = "Soak: the full pipeline over many events (default 10,000,000 from 10,000 containers), "
            + "heap sampled every --sample-seconds after a full GC.")
    boolean soak;

    @Option(names = "--sample-seconds", defaultValue = "10", paramLabel = "N",
            description = "With --soak: seconds between heap samples (default ${DEFAULT-VALUE}).")
    long sampleSeconds;

    @Option(names = "--max-lag", defaultValue = "500000", paramLabel = "N",
            description = "With --soak: how far (events) the producer may run ahead of the app's committed offsets (default ${DEFAULT-VALUE}).")
    long maxLag;

    @Option(names = "--containers", defaultValue = "1000", paramLabel = "N",
            description = "Containers they come from (default ${DEFAULT-VALUE}; --soak 10,000; --metadata-delay 200 per phase).")
    int containers;

    @Option(names = "--partitions", defaultValue = "2", paramLabel = "N", description = "Partitions of every topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--latency-samples", defaultValue = "500", paramLabel = "N",
            description = "Suspicious events sent at 100/s to measure event-to-alert latency (default ${DEFAULT-VALUE}).")
    int latencySamples;

    @Option(names = "--rate", defaultValue = "2000", paramLabel = "EVENTS_PER_SEC",
            description = "Event-time density of the synthetic events: the cluster's file-event rate (default ${DEFAULT-VALUE}/s). "
                    + "It sets how many events the rule sessions hold at once.")
    double rate;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
            description = "Stream threads, the same for both topologies (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--commit-interval-ms", defaultValue = "100", paramLabel = "MS",
            description = "Exactly-once commit interval of both topologies (default ${DEFAULT-VALUE}, Kafka Streams' own): an "
                    + "alert is readable once its transaction commits, so this bounds its latency; shorter costs throughput.")
    long commitIntervalMs;

    @Option(names = "--scan", description = "Benchmark the image reader against sha256sum (no broker is started).")
    boolean scan;

    @Option(names = "--scan-mib", defaultValue = "300", paramLabel = "MIB",
            description = "With --scan: MiB of file content in the generated image (default ${DEFAULT-VALUE}); it is written "
                    + "three times (tree, uncompressed layers, gzip layers) under the temporary directory.")
    long scanMib;

    @Option(names = "--json", description = "Print one JSON object with the figures (progress goes to stderr).")
    boolean json;

    @Option(names = "--plan", paramLabel = "FILE",
            description = "Run the pipeline with this incident response plan (driftwatch.plan.file): incidents get their class, "
                    + "timers and notifications, so the figures include the plan's cost.")
    Path plan;

    @Option(names = "--dir", defaultValue = ".driftwatch/bench", paramLabel = "DIR", description = "State directory (default ${DEFAULT-VALUE}).")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progress = json ? spec.commandLine().getErr() : out;
        if (evaluator) {
            return evaluator(out, progress);
        }
        if (scan) {
            return scan(out, progress);
        }
        if (metadataDelay != null) {
            return metadataRace(out, progress);
        }
        if (soak) {
            return soak(out, progress);
        }
        progress.println("Driftwatch bench: " + String.format("%,d", events) + " events at " + rate + "/s of event time, "
                + containers + " containers, " + partitions + " partitions, " + threads + " stream thread(s)");
        Bench.Result result;
        try (EmbeddedStack stack = EmbeddedStack.start(dir, progress)) {
            Bench bench = new Bench(stack, progress, events, containers, partitions, latencySamples, rate, threads,
                    commitIntervalMs);
            if (plan != null) {
                bench.withAppConfig(Map.of("driftwatch.plan.file", plan.toAbsolutePath().toString()));
            }
            result = bench.run();
        }
        if (json) {
            out.println(result.toJson());
        } else {
            StringWriter table = new StringWriter();
            PrintWriter t = new PrintWriter(table);
            t.printf("%nresults (%,d events, %d partitions):%n", result.events(), result.partitions());
            t.printf("  pipeline       %,12.0f events/s  (mean of two passes with the trail)%n", result.pipelineEventsPerSec());
            t.printf("  pass-through   %,12.0f events/s  (copies bytes: the limit on this machine)%n",
                    result.passThroughEventsPerSec());
            t.printf("  ratio          %12.3f%n", result.ratio());
            t.printf("  event->alert   p50 %.0f ms, p99 %.0f ms  (single-event rules, evaluated as events arrive) [goal p99 <= 200 ms]%n",
                    result.p50LatencyMs(), result.p99LatencyMs());
            t.printf("  event->alert   p50 %.0f ms, p99 %.0f ms  (stateful rules, after the reorder buffer)%n",
                    result.p50StatefulLatencyMs(), result.p99StatefulLatencyMs());
            t.printf("  CPU per event  pass-through %.1f µs, pipeline %.1f µs (%.1f µs on its %d stream thread(s)); broker and"
                    + " registry share the JVM%n", result.passThroughCpu().processMicrosPerEvent(),
                    result.pipelineCpu().processMicrosPerEvent(), result.pipelineCpu().streamThreadMicrosPerEvent(),
                    result.threads());
            t.printf("  unindexed      %,12.0f events/s, ratio %.3f (two passes, trail kept, no index): the index costs %.1f%% of the"
                    + " ratio [goal <= 10%%]%n", result.unindexedEventsPerSec(), result.unindexedRatio(),
                    100 * result.indexRatioDrop());
            t.printf("  no trail       %,12.0f events/s, ratio %.3f: the whole trail (store, index, captures) costs %.1f%%%n",
                    result.noTrailEventsPerSec(), result.noTrailRatio(), 100 * result.trailRatioDrop());
            result.trailQueries().forEach((name, p) -> t.printf("  trail query    %-34s first page p50 %6.1f ms, p99 %6.1f ms"
                    + " (%.0f rows)%n", name, p[0], p[1], p[2]));
            t.flush();
            out.print(table);
        }
        out.flush();
        return 0;
    }

    private Integer evaluator(PrintWriter out, PrintWriter progress) throws Exception {
        long count = spec.commandLine().getParseResult().hasMatchedOption("--events") ? events : EVALUATOR_DEFAULT_EVENTS;
        progress.printf("Driftwatch evaluator bench: %,d events per rule set, one thread (figures are per core), Java %s, max heap %d MB%n",
                count, Runtime.version(), Runtime.getRuntime().maxMemory() / (1024 * 1024));
        EvaluatorBenchmark.Result result = new EvaluatorBenchmark(count, progress).run();
        if (json) {
            out.println(result.toJson());
        } else {
            out.printf("%nresults (events/s per core; goal in brackets):%n");
            row(out, result.single(), "[>= 300,000]");
            row(out, result.stateful(), "[>= 150,000]");
            row(out, result.singleTimesTen(), "");
            out.printf("  10x rules cost %.2fx the time per event [<= 2.0]%n", result.tenfoldCost());
            out.printf("  goals %s%n", result.met() ? "met" : "NOT met");
        }
        out.flush();
        return 0;
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private Integer metadataRace(PrintWriter out, PrintWriter progress) throws Exception {
        String[] range = metadataDelay.trim().split("-");
        long min;
        long max;
        try {
            min = Long.parseLong(range[0].trim());
            max = range.length > 1 ? Long.parseLong(range[1].trim()) : min;
        } catch (NumberFormatException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--metadata-delay takes MIN-MAX in milliseconds, e.g. 0-3000; got " + metadataDelay);
        }
        if (range.length > 2 || min < 0 || max < min) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--metadata-delay takes MIN-MAX in milliseconds with 0 <= MIN <= MAX, e.g. 0-3000; got " + metadataDelay);
        }
        int count = given("--containers") ? containers : RACE_DEFAULT_CONTAINERS;
        int perContainer = given("--events") ? (int) Math.max(1, events / count) : RACE_EVENTS_PER_CONTAINER;
        progress.printf("Driftwatch bench, container-start race: metadata %d-%d ms after the first event, %d containers per phase, "
                + "%d events each, %d partitions%n", min, max, count, perContainer, partitions);
        MetadataRaceBench.Result result;
        try (EmbeddedStack stack = EmbeddedStack.start(dir, progress)) {
            result = new MetadataRaceBench(stack, progress, count, perContainer, partitions, min, max,
                    startSpreadSeconds * 1000).run();
        }
        if (json) {
            out.println(result.toJson());
        } else {
            out.printf("%nresults (metadata %d-%d ms after the first event; grace %d ms of event time):%n", result.minDelayMs(),
                    result.maxDelayMs(), result.graceMs());
            for (MetadataRaceBench.Phase phase : List.of(result.baseline(), result.delayed())) {
                out.printf("  %-9s %,6d events: %,6d complete, %,6d metadata late, %,6d metadata missing -> %.2f%% enriched%n",
                        phase.name(), phase.events(), phase.complete(), phase.late(), phase.missing(),
                        100 * phase.enrichedShare());
                out.printf("  %-9s event->enriched p50 %.0f ms, p99 %.0f ms, max %.0f ms; %,d events sent before their metadata: "
                                + "p50 %.0f ms, p99 %.0f ms%n", "", phase.p50Ms(), phase.p99Ms(), phase.maxMs(), phase.held(),
                        phase.heldP50Ms(), phase.heldP99Ms());
            }
            out.printf("  extra latency of the race: p50 %+.0f ms, p99 %+.0f ms%n",
                    result.delayed().p50Ms() - result.baseline().p50Ms(), result.delayed().p99Ms() - result.baseline().p99Ms());
            out.printf("  goal (every event enriched within the grace) %s%n",
                    result.delayed().missing() == 0 && result.delayed().complete() + result.delayed().late()
                            == result.delayed().events() ? "met" : "NOT met");
        }
        out.flush();
        return 0;
    }

    private Integer soak(PrintWriter out, PrintWriter progress) throws Exception {
        long count = given("--events") ? events : SOAK_DEFAULT_EVENTS;
        int from = given("--containers") ? containers : SOAK_DEFAULT_CONTAINERS;
        progress.printf("Driftwatch soak: %,d events from %,d containers, %d partitions, %d stream thread(s), Java %s, max heap %d MB%n",
                count, from, partitions, threads, Runtime.version(), Runtime.getRuntime().maxMemory() / (1024 * 1024));
        SoakBench.Result result;
        try (EmbeddedStack stack = EmbeddedStack.start(dir, progress)) {
            result = new SoakBench(stack, progress, count, from, partitions, rate, threads, sampleSeconds, maxLag).run();
        }
        if (json) {
            out.println(result.toJson());
        } else {
            out.printf("%nsoak results (%,d events, %,d containers, %d partitions, max heap %d MB):%n", result.events(),
                    result.containers(), result.partitions(), Runtime.getRuntime().maxMemory() / (1024 * 1024));
            out.printf("  throughput     %,.0f events/s over %.0f s%n", result.eventsPerSec(), result.seconds());
            out.printf("  heap after GC  max %d MB (first half %d MB, second half %d MB), last %d MB%n", result.maxLiveMb(),
                    result.maxLiveFirstHalfMb(), result.maxLiveSecondHalfMb(), result.lastLiveMb());
            out.printf("  heap in use    max %d MB (before the sample's GC)%n", result.maxHeapMb());
            out.printf("  process RSS    max %,d MB (broker, app, RocksDB)%n", result.maxRssMb());
            out.printf("  goal (heap after GC bounded, under 512 MB, embedded broker included) %s%n",
                    result.maxLiveMb() < 512 && result.maxLiveSecondHalfMb() <= result.maxLiveFirstHalfMb() * 1.25 + 16
                            ? "met" : "NOT met");
        }
        out.flush();
        return 0;
    }

    private Integer scan(PrintWriter out, PrintWriter progress) throws Exception {
        progress.printf("Driftwatch scan bench: %,d MiB of files, one thread each, Java %s, %d cores%n", scanMib,
                Runtime.version(), Runtime.getRuntime().availableProcessors());
        ScanBench.Result r = new ScanBench(scanMib, progress).run();
        if (json) {
            out.println(r.toJson());
        } else {
            out.printf("%nresults (%,d files, %,.1f MB of content; layers %,.1f MB uncompressed, %,.1f MB gzip; best of 3;"
                    + " MB = 10^6 bytes of file content):%n", r.files(), r.contentBytes() / 1e6, r.uncompressedBlobBytes() / 1e6,
                    r.gzipBlobBytes() / 1e6);
            out.printf("  %-20s %13s %15s %10s %16s%n", "", "wall", "", "", "per CPU-second");
            scanRow(out, "scan, uncompressed", r.scanUncompressed(), String.format("ratio %.2f wall, %.2f CPU [goal >= %.1f]",
                    r.ratioUncompressed(), r.cpuRatioUncompressed(), ScanBench.GOAL_RATIO));
            scanRow(out, "scan, gzip", r.scanGzip(), String.format("ratio %.2f wall, %.2f CPU", r.ratioGzip(), r.cpuRatioGzip()));
            scanRow(out, "sha256sum", r.sha256sum(), "(one process, same file bytes)");
            if (r.gunzip() != null) {
                scanRow(out, "gzip -dc", r.gunzip(), "(inflate alone, MB of output)");
            }
            scanRow(out, "JDK inflate alone", r.jdkInflate(), "");
            scanRow(out, "JDK SHA-256 alone", r.jdkSha256(), "(over the uncompressed layer blobs)");
            out.printf("  goal %s%n", r.met() ? "met" : "NOT met");
        }
        out.flush();
        return 0;
    }

    private static void scanRow(PrintWriter out, String name, ScanBench.Timing t, String note) {
        out.printf("  %-20s %,8.0f MB/s %,9.0f files/s %6.2f s  %,8.0f MB/s  %s%n", name, t.mbPerSec(), t.filesPerSec(),
                t.seconds(), t.mbPerCpuSec(), note);
    }

    private static void row(PrintWriter out, EvaluatorBenchmark.Phase phase, String goal) {
        out.printf("  %-17s %4d rules  %,10.0f events/s  %s%n", phase.name(), phase.rules(), phase.eventsPerSecond(), goal);
    }
}
