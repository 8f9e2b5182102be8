package io.driftwatch.cli.embedded;

import io.driftwatch.app.Directories;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A local single-node Kafka and schema registry with Driftwatch's topics, for `demo` and `bench`:
 * state in one directory (wiped at start), progress printed as each part comes up.
 */
public final class EmbeddedStack implements AutoCloseable {
    private final KafkaBroker kafka;
    private final SchemaRegistryServer registry;
    private final Path dir;
    private final PrintWriter progress;
    private final long began;

    private EmbeddedStack(KafkaBroker kafka, SchemaRegistryServer registry, Path dir, PrintWriter progress, long began) {
        this.kafka = kafka;
        this.registry = registry;
        this.dir = dir;
        this.progress = progress;
        this.began = began;
    }

    public static EmbeddedStack start(Path dir, PrintWriter progress) throws Exception {
        long began = System.nanoTime();
        Directories.deleteRecursively(dir);
        Files.createDirectories(dir);
        step(progress, "starting Kafka (single-node KRaft)");
        KafkaBroker kafka = quietly(() -> KafkaBroker.start(dir.resolve("kafka")));
        done(progress, began, "Kafka ready at " + kafka.bootstrapServers());
        try {
            step(progress, "starting the schema registry (Apicurio, Confluent API)");
            SchemaRegistryServer registry = SchemaRegistryServer.start(dir.resolve("schema-registry"));
            done(progress, began, "schema registry ready at " + registry.confluentApiUrl());
            return new EmbeddedStack(kafka, registry, dir, progress, began);
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
    }

    /** A configuration pointing at this stack; {@code extra} adds or overrides keys. */
    public DriftwatchConfig config(String applicationId, Map<String, String> extra) {
        Map<String, String> values = new HashMap<>();
        values.put(DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        values.put(DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl());
        values.put("application.id", applicationId);
        values.put("state.dir", dir.resolve("state").toAbsolutePath().toString());
        values.putAll(extra);
        return DriftwatchConfig.of(values);
    }

    /** Creates every catalogue topic under the configuration's names, with at most {@code partitions} partitions. */
    public void createTopics(DriftwatchConfig config, int partitions) throws Exception {
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        for (TopicCatalog.TopicSpec spec : catalog.all()) {
            topics.add(new NewTopic(catalog.name(spec.role(), config), Optional.of(Math.min(spec.partitions(), partitions)),
                    Optional.of((short) 1)).configs(spec.configs()));
        }
        kafka.createTopics(topics);
        done(progress, began, "topics created (" + partitions + " partitions each)");
    }

    private interface Start<T> {
        T start() throws Exception;
    }

    /** Kafka's storage formatter prints to standard output; the user sees our progress lines instead. */
    private static <T> T quietly(Start<T> start) throws Exception {
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            return start.start();
        } finally {
            System.setOut(stdout);
        }
    }

    public KafkaBroker kafka() {
        return kafka;
    }

    public SchemaRegistryServer registry() {
        return registry;
    }

    public void done(String what) {
        done(progress, began, what);
    }

    public static void step(PrintWriter progress, String what) {
        progress.println("  .. " + what);
        progress.flush();
    }

    private static void done(PrintWriter progress, long began, String what) {
        progress.printf("  ok %s (%.1f s)%n", what, (System.nanoTime() - began) / 1e9);
        progress.flush();
    }

    @Override
    public void close() throws Exception {
        try {
            registry.close();
        } finally {
            kafka.close();
        }
    }
}
