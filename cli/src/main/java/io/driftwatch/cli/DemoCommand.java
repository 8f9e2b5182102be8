package io.driftwatch.cli;

import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.app.topology.CommandSigning;
import io.driftwatch.cli.embedded.EmbeddedStack;
import io.driftwatch.cli.replay.ReplayInput;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.schemas.json.JsonRecords;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The embedded default, no setup: starts a local Kafka broker and schema registry, creates the topics,",
                "starts the app with the built-in rules and the node agent's responder for node-a (dry run, a JVM of its own),",
                "plays the seed scenario (a binary overwritten through kubectl exec) and prints alerts, commands and their",
                "results as they arrive. State goes under ./.driftwatch/demo. Ctrl-C stops it."})
final class DemoCommand implements Callable<Integer> {
    private static final String SCENARIO = "/io/driftwatch/app/demo/";
    /** The node the seed scenario's container runs on: its commands are addressed to it. */
    static final String NODE = "node-a";

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
            description = "Stop after this many seconds (default 0: run until Ctrl-C).")
    long durationSeconds;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".driftwatch/demo",
            description = "Where the demo keeps its state (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--http-port", paramLabel = "N",
            description = "Port of the investigation console (default 8470 when free; 0: none).")
    Integer httpPort;

    @Spec
    CommandSpec spec;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        out.println("Driftwatch demo: a local Kafka and schema registry, the built-in rules, and the seed scenario");
        CountDownLatch finished = new CountDownLatch(1);
        // Ctrl-C ends the watch below; the hook waits for the clean-up.
        StopHook hook = new StopHook("demo-stop", finished::countDown, Duration.ofSeconds(30));
        try (EmbeddedStack stack = EmbeddedStack.start(dir, out)) {
            // A key of its own, as run --embedded makes: the app signs its commands, the responder checks them.
            Path key = DemoResponder.newSigningKey(dir.toAbsolutePath().resolve("response-signing.key"));
            DriftwatchConfig config = RunCommand.withHttpPort(
                    stack.config("driftwatch-demo", Map.of(CommandSigning.KEY_FILE, key.toString())), httpPort,
                    spec.commandLine().getErr());
            stack.createTopics(config, 2);
            EmbeddedStack.step(out, "starting Driftwatch with the built-in rules");
            try (DriftwatchApp app = DriftwatchApp.start(config);
                 DemoResponder responder = DemoResponder.start(NODE, stack.kafka().bootstrapServers(),
                         stack.registry().confluentApiUrl(), config.get(DriftwatchConfig.TOPIC_PREFIX, "driftwatch."), key,
                         dir.toAbsolutePath(), out)) {
                if (responder != null) {
                    stack.done("responder for " + NODE + " started: dry run, its own JVM (pid " + responder.pid()
                            + "), log " + responder.log());
                }
                DriftwatchApp.awaitRunning(app.streams(), Duration.ofSeconds(60));
                stack.done("Driftwatch running: " + app.rules().rules().size() + " rules, version " + app.rules().version());
                AtomicBoolean stop = new AtomicBoolean();
                Thread printer = new Thread(() -> printOutputs(config, stop), "demo-printer");
                printer.start();
                stack.done("seed scenario played: " + play(config));
                if (app.consoleUrl() != null) {
                    out.println("Investigation console: " + app.consoleUrl() + "/  (incidents, their timelines and captures,"
                            + " the trail; API under " + app.consoleUrl() + "/api/v1)");
                }
                TopicCatalog catalog = TopicCatalog.builtIn();
                out.println("Watching " + catalog.name("alerts", config) + ", " + catalog.name("response-commands", config)
                        + " and " + catalog.name("response-results", config)
                        + (durationSeconds > 0 ? " for " + durationSeconds + " s" : "; Ctrl-C to stop") + ":");
                out.flush();
                if (durationSeconds > 0) {
                    finished.await(durationSeconds, TimeUnit.SECONDS);
                } else {
                    finished.await();
                }
                stop.set(true);
                printer.join(10_000);
                out.println(app.counters());
                out.println("stopping ...");
                out.flush();
            }
        } catch (Exception | Error e) {
            if (finished.getCount() == 0) {
                // Stopped by Ctrl-C: the JVM halts as soon as the hook is closed, before picocli could say what failed.
                spec.commandLine().getErr().println("error: while stopping: " + e);
                spec.commandLine().getErr().flush();
            }
            throw e;
        } finally {
            hook.close();
        }
        return 0;
    }

    /** Produces the seed scenario with its times shifted so that it happened just now. */
    private String play(DriftwatchConfig config) throws Exception {
        ReplayInput scenario = new ReplayInput(readResource("events.jsonl", FileEvent.class),
                readResource("containers.jsonl", ContainerMetadata.class),
                readResource("exec-sessions.jsonl", ExecSession.class));
        ProduceCommand.produce(config, scenario.shiftedSoNewestIsAt(System.currentTimeMillis() - 1000), null);
        return scenario.metadata().size() + " container, " + scenario.sessions().size() + " exec session and "
                + scenario.events().size() + " file events produced";
    }

    private void printOutputs(DriftwatchConfig config, AtomicBoolean stop) {
        TopicCatalog catalog = TopicCatalog.builtIn();
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "driftwatch-demo-printer");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        String alerts = catalog.name("alerts", config);
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(alerts, catalog.name("response-commands", config),
                    catalog.name("response-results", config)));
            while (!stop.get()) {
                for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() instanceof Alert alert) {
                        out.println(AlertPrinter.alert(alert));
                    } else if (record.value() instanceof ResponseCommand command) {
                        out.println(AlertPrinter.command(command));
                    } else if (record.value() instanceof ResponseResult result) {
                        out.println(ResultPrinter.result(result));
                    }
                    out.flush();
                }
            }
        }
    }

    private static <T extends SpecificRecord> List<T> readResource(String name, Class<T> type) throws Exception {
        List<T> records = new ArrayList<>();
        try (InputStream in = DemoCommand.class.getResourceAsStream(SCENARIO + name);
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    records.add(JsonRecords.read(line, type));
                }
            }
        }
        return records;
    }

}
