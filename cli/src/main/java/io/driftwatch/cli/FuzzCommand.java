package io.driftwatch.cli;

import io.driftwatch.cli.bench.TopicFuzz;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.cli.embedded.EmbeddedStack;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = {"Fuzz the running streams app at the topic level, on an embedded broker and registry: random bytes",
                "and mutated valid Avro (flipped bits, truncation, inserted bytes, changed schema ids, huge lengths)",
                "on every input topic under random, null and right keys, interleaved with valid file events.",
                "Passes when every valid event is enriched exactly once, the app never reaches ERROR and no stream",
                "thread dies (exit 0), else exit 1. Progress every 10 s."})
final class FuzzCommand implements Callable<Integer> {
    @Option(names = "--duration", defaultValue = "180", paramLabel = "SECONDS",
            description = "How long to send records (default ${DEFAULT-VALUE} s).")
    long seconds;

    @Option(names = "--rate", defaultValue = "300", paramLabel = "N",
            description = "Records per second, hostile and valid together (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--seed", defaultValue = "13", paramLabel = "N", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dir", defaultValue = ".driftwatch/fuzz", paramLabel = "DIR",
            description = "State directory, wiped at start (default ${DEFAULT-VALUE}).")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progress = spec.commandLine().getErr();
        if (seconds < 1 || rate < 1) {
            progress.println("error: --duration and --rate must be at least 1");
            return 2;
        }
        progress.printf("Driftwatch fuzz: %d s at %d records/s, seed %d%n", seconds, rate, seed);
        try (EmbeddedStack stack = EmbeddedStack.start(dir.toAbsolutePath(), progress)) {
            DriftwatchConfig config = stack.config("driftwatch-fuzz", Map.of());
            stack.createTopics(config, 2);
            TopicFuzz.Result result = TopicFuzz.run(config, Duration.ofSeconds(seconds), seed, rate, progress);
            out.println(result.summary());
            out.flush();
            return result.passed() ? 0 : 1;
        }
    }
}
