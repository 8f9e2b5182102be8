package io.driftwatch.app.cli;

import io.driftwatch.app.bench.Bench;
import io.driftwatch.app.embedded.EmbeddedStack;
import io.driftwatch.rules.EvaluatorBenchmark;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the pipeline on an embedded broker and registry: events/s of the full pipeline and of a",
                "pass-through topology on the same input (the physical limit), their ratio, and event-to-alert latency.",
                "With --evaluator, measure the rule evaluator alone on one thread (events/s per core): the shipped",
                "single-event rules, the stateful rules, and the single-event rules with ten times as many rules."})
final class BenchCommand implements Callable<Integer> {
    static final long EVALUATOR_DEFAULT_EVENTS = 1_000_000;

    @Option(names = "--events", defaultValue = "200000", paramLabel = "N",
            description = "Synthetic events (default ${DEFAULT-VALUE}; with --evaluator 1,000,000 per rule set).")
    long events;

    @Option(names = "--evaluator", description = "Benchmark the rule evaluator alone, without Kafka (no broker is started).")
    boolean evaluator;

    @Option(names = "--containers", defaultValue = "1000", paramLabel = "N", description = "Containers they come from (default ${DEFAULT-VALUE}).")
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

    @Option(names = "--json", description = "Print one JSON object with the figures (progress goes to stderr).")
    boolean json;

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
        progress.println("Driftwatch bench: " + String.format("%,d", events) + " events at " + rate + "/s of event time, "
                + containers + " containers, " + partitions + " partitions, " + threads + " stream thread(s)");
        Bench.Result result;
        try (EmbeddedStack stack = EmbeddedStack.start(dir, progress)) {
            result = new Bench(stack, progress, events, containers, partitions, latencySamples, rate, threads).run();
        }
        if (json) {
            out.println(result.toJson());
        } else {
            StringWriter table = new StringWriter();
            PrintWriter t = new PrintWriter(table);
            t.printf("%nresults (%,d events, %d partitions):%n", result.events(), result.partitions());
            t.printf("  pipeline       %,12.0f events/s%n", result.pipelineEventsPerSec());
            t.printf("  pass-through   %,12.0f events/s  (copies bytes: the limit on this machine)%n",
                    result.passThroughEventsPerSec());
            t.printf("  ratio          %12.2f%n", result.ratio());
            t.printf("  event->alert   p50 %.0f ms, p99 %.0f ms%n", result.p50LatencyMs(), result.p99LatencyMs());
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
            row(out, result.single(), "[>= 150,000]");
            row(out, result.stateful(), "[>= 50,000]");
            row(out, result.singleTimesTen(), "");
            out.printf("  10x rules cost %.2fx the time per event [<= 2.0]%n", result.tenfoldCost());
            out.printf("  goals %s%n", result.met() ? "met" : "NOT met");
        }
        out.flush();
        return 0;
    }

    private static void row(PrintWriter out, EvaluatorBenchmark.Phase phase, String goal) {
        out.printf("  %-17s %4d rules  %,10.0f events/s  %s%n", phase.name(), phase.rules(), phase.eventsPerSecond(), goal);
    }
}
