package io.driftwatch.cli;

import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.cli.embedded.EmbeddedStack;
import io.driftwatch.app.topology.CommandSigning;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the streaming app against your Kafka and schema registry until stopped (Ctrl-C)."
                + " Needs bootstrap.servers and schema.registry.url; the topics must exist (./driftwatch topics create).",
                "With --embedded it brings its own: a local Kafka broker and schema registry, the topics and the"
                + " built-in rules, no setup (what ./driftwatch redteam and a node agent on this machine can use)."})
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;
    @Spec
    CommandSpec spec;

    @Option(names = "--embedded", description = "Start a local Kafka broker and schema registry first (state under --dir, wiped at start) and print their addresses.")
    boolean embedded;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".driftwatch/embedded",
            description = "With --embedded: where the local broker, registry and app keep their state (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "2",
            description = "With --embedded: partitions per topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--http-port", paramLabel = "N",
            description = "Port of the investigation console and API (driftwatch.http.port; default 8470; 0: none). "
                    + "It listens on driftwatch.http.host (default 127.0.0.1).")
    Integer httpPort;

    @Option(names = "--no-app", description = "With --embedded: only the broker, registry and topics, no streams app (for benchmarks of what produces into it); runs until stopped.")
    boolean noApp;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!embedded) {
            return run(withHttpPort(options.load()), out);
        }
        out.println("driftwatch run --embedded: a local Kafka broker and schema registry" + (noApp ? "" : " with the built-in rules"));
        try (EmbeddedStack stack = EmbeddedStack.start(dir.toAbsolutePath(), out)) {
            // The user's settings (rules, topic names, driftwatch.*) apply, but the stack says where Kafka is.
            Map<String, String> settings = new HashMap<>(options.load().asMap());
            settings.remove(DriftwatchConfig.BOOTSTRAP_SERVERS);
            settings.remove(DriftwatchConfig.SCHEMA_REGISTRY_URL);
            if (CommandSigning.fromConfig(DriftwatchConfig.of(settings)) == null) {
                // A key of its own, so a responder on this machine can check the commands (--signing-key-file).
                Path key = dir.toAbsolutePath().resolve("response-signing.key");
                byte[] secret = new byte[32];
                new SecureRandom().nextBytes(secret);
                Files.writeString(key, Base64.getEncoder().encodeToString(secret) + "\n");
                Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
                settings.put(CommandSigning.KEY_FILE, key.toString());
            }
            DriftwatchConfig config = withHttpPort(stack.config("driftwatch-embedded", settings));
            stack.createTopics(config, partitions);
            // One line scripts and node agents can read: where to connect, and the key commands are signed with.
            out.printf("driftwatch embedded: bootstrap.servers=%s schema.registry.url=%s signing.key.file=%s%n",
                    stack.kafka().bootstrapServers(), stack.registry().confluentApiUrl(), config.get(CommandSigning.KEY_FILE));
            out.flush();
            if (noApp) {
                java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "embedded-stop"));
                stop.await();
                return 0;
            }
            return run(config, out);
        }
    }

    private Integer run(DriftwatchConfig config, PrintWriter out) throws Exception {
        if (CommandSigning.fromConfig(config) == null) {
            spec.commandLine().getErr().println("warning: no " + CommandSigning.KEY_FILE + " (or " + CommandSigning.KEY
                    + "): response commands go out unsigned and responders refuse them");
        }
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
            // On SIGTERM/Ctrl-C: close the app, then let the watch below report the final state before the JVM halts.
            java.util.concurrent.CountDownLatch watched = new java.util.concurrent.CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                app.close();
                try {
                    watched.await(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "driftwatch-shutdown"));
            try {
                return watch(app.streams(), out, app.consoleUrl());
            } finally {
                watched.countDown();
            }
        }
    }

    /**
     * Prints every state change and, each time the instance is RUNNING with a new set of tasks, one
     * readiness line: {@code driftwatch ready: active [0_0, 0_2] standby [0_1] partitions [...]} (what
     * operators, scripts and the crash tests wait for). The state is polled: a listener can only be set
     * before the app starts. Returns the exit code once the app has stopped.
     */
    static int watch(KafkaStreams streams, PrintWriter out) throws InterruptedException {
        return watch(streams, out, null);
    }

    /** As above; the first time the app is RUNNING it also prints the console's address, when there is one. */
    static int watch(KafkaStreams streams, PrintWriter out, String consoleUrl) throws InterruptedException {
        KafkaStreams.State last = KafkaStreams.State.CREATED;
        String lastTasks = null;
        while (true) {
            KafkaStreams.State now = streams.state();
            if (now != last) {
                out.printf("state %s -> %s%n", last, now);
                last = now;
            }
            if (now == KafkaStreams.State.RUNNING) {
                String tasks = tasks(streams);
                if (tasks != null && !tasks.equals(lastTasks)) {
                    out.println("driftwatch ready: " + tasks);
                    if (lastTasks == null && consoleUrl != null) {
                        out.println("driftwatch console: " + consoleUrl + "/ (API under " + consoleUrl + "/api/v1)");
                    }
                    lastTasks = tasks;
                }
            }
            out.flush();
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                return now == KafkaStreams.State.ERROR ? 1 : 0;
            }
            Thread.sleep(100);
        }
    }

    /** This instance's active and standby tasks and input partitions, or null while they are changing. */
    private static String tasks(KafkaStreams streams) {
        SortedSet<String> active = new TreeSet<>();
        SortedSet<String> standby = new TreeSet<>();
        SortedSet<String> partitions = new TreeSet<>();
        try {
            for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
                for (TaskMetadata task : thread.activeTasks()) {
                    active.add(task.taskId().toString());
                    task.topicPartitions().forEach(tp -> partitions.add(tp.toString()));
                }
                thread.standbyTasks().forEach(task -> standby.add(task.taskId().toString()));
            }
        } catch (RuntimeException e) {
            return null;
        }
        return "active " + active + " standby " + standby + " partitions " + partitions;
    }

    private DriftwatchConfig withHttpPort(DriftwatchConfig config) {
        return withHttpPort(config, httpPort, spec.commandLine().getErr());
    }

    /**
     * The console's port: the flag, else the configuration, else {@link ConsoleSettings#DEFAULT_PORT} when it is
     * free (a second app on this machine, or a redteam's embedded one, goes without a console rather than fail).
     */
    static DriftwatchConfig withHttpPort(DriftwatchConfig config, Integer flag, PrintWriter err) {
        String key = io.driftwatch.app.console.ConsoleSettings.PORT;
        if (flag != null) {
            return config.withOverrides(Map.of(key, Integer.toString(flag)));
        }
        if (config.get(key) != null) {
            return config;
        }
        int port = io.driftwatch.app.console.ConsoleSettings.DEFAULT_PORT;
        String host = config.get(io.driftwatch.app.console.ConsoleSettings.HOST,
                io.driftwatch.app.console.ConsoleSettings.DEFAULT_HOST);
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.io.IOException e) {
            err.println("warning: port " + port + " on " + host + " is taken; no console (choose one with --http-port)");
            return config.withOverrides(Map.of(key, "0"));
        }
        return config.withOverrides(Map.of(key, Integer.toString(port)));
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
                if (!existing.contains(name) && !topic.role().equals("rules")) {
                    missing.add(name);
                }
            }
            return missing;
        }
    }
}
