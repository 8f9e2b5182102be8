package io.driftwatch.app.cli;

import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the streaming app against your Kafka and schema registry until stopped (Ctrl-C).",
                "Needs bootstrap.servers and schema.registry.url; the topics must exist (./driftwatch topics create)."})
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DriftwatchConfig config = options.load();
        PrintWriter out = spec.commandLine().getOut();
        List<String> missing = missingTopics(config);
        if (!missing.isEmpty()) {
            spec.commandLine().getErr().println("error: topics missing: " + missing
                    + "; create them with ./driftwatch topics create (or deploy/create-topics.sh)");
            return 1;
        }
        try (DriftwatchApp app = DriftwatchApp.start(config)) {
            out.printf("driftwatch running: %d rules (version %s); Ctrl-C to stop%n", app.rules().rules().size(),
                    app.rules().version());
            out.flush();
            CountDownLatch stopped = new CountDownLatch(1);
            app.streams().setStateListener((now, before) -> {
                out.printf("state %s -> %s%n", before, now);
                out.flush();
                if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                    stopped.countDown();
                }
            });
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                app.close();
                stopped.countDown();
            }, "driftwatch-shutdown"));
            stopped.await();
            return app.streams().state() == KafkaStreams.State.ERROR ? 1 : 0;
        }
    }

    static List<String> missingTopics(DriftwatchConfig config) throws Exception {
        TopicCatalog catalog = TopicCatalog.builtIn();
        java.util.Map<String, Object> adminConfig = config.adminProperties();
        adminConfig.putIfAbsent("default.api.timeout.ms", 15_000);
        adminConfig.putIfAbsent("request.timeout.ms", 10_000);
        try (Admin admin = Admin.create(adminConfig)) {
            Set<String> existing;
            try {
                existing = admin.listTopics().names().get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("Cannot reach Kafka at " + config.get(DriftwatchConfig.BOOTSTRAP_SERVERS)
                        + ": check bootstrap.servers and the security settings (" + e + ")", e);
            }
            List<String> missing = new ArrayList<>();
            for (TopicCatalog.TopicSpec topic : catalog.all()) {
                String name = catalog.name(topic.role(), config);
                if (!existing.contains(name) && !topic.role().equals("response-results") && !topic.role().equals("rules")) {
                    missing.add(name);
                }
            }
            return missing;
        }
    }
}
