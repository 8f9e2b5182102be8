package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.schemas.Records;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.embedded.SchemaRegistryServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/** The topic and schema commands, and deploy/create-topics.sh, against a real broker and registry. */
@RealKafka
class TopicsAndSchemasIT {
    private final TopicCatalog catalog = TopicCatalog.builtIn();

    @Test
    void topicsCreateMakesEveryTopicAndIsIdempotent(KafkaBroker kafka) throws Exception {
        String[] args = {"topics", "create", "--bootstrap-server", kafka.bootstrapServers(), "--topic-prefix", "cli.",
                "--replication-factor", "1", "--partitions", "2"};
        CliHelpTest.Run first = CliHelpTest.run(args);
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(first.out().contains("created cli.file-events (2 partitions)"), first.out());
        assertTrue(first.out().contains("co-partitioned (2 partitions each)"), first.out());

        CliHelpTest.Run again = CliHelpTest.run(args);
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("exists  cli.alerts"), again.out());

        assertTopicsMatchCatalog(kafka, "cli.", 2);
    }

    @Test
    void theDeployScriptCreatesTheSameTopics(KafkaBroker kafka) throws Exception {
        // Kafka's own kafka-topics tool, from the test classpath, stands where kafka-topics.sh would.
        String kafkaTopics = Path.of(System.getProperty("java.home"), "bin", "java") + " -Xmx256m -cp "
                + System.getProperty("java.class.path") + " org.apache.kafka.tools.TopicCommand";
        ProcessBuilder script = new ProcessBuilder("bash", "../deploy/create-topics.sh",
                "--bootstrap-server", kafka.bootstrapServers(), "--prefix", "script.", "--replication-factor", "1")
                .redirectErrorStream(true);
        script.environment().put("KAFKA_TOPICS", kafkaTopics);
        Process process = script.start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "create-topics.sh did not finish");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("17 topics created or present"), output);
        assertTopicsMatchCatalog(kafka, "script.", null);
    }

    @Test
    void schemasRegisterPutsEveryValueSchemaUnderItsTopicSubject(SchemaRegistryServer registry) {
        CliHelpTest.Run run = CliHelpTest.run("schemas", "register", "--schema-registry-url", registry.confluentApiUrl(),
                "--topic-prefix", "reg.");
        assertEquals(0, run.exitCode(), run.err());
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(
                Map.of(DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl()));
        Map<String, Class<? extends SpecificRecord>> records = Records.ALL.stream()
                .collect(Collectors.toMap(Class::getSimpleName, c -> c));
        int registered = 0;
        for (TopicCatalog.TopicSpec spec : catalog.all()) {
            if (spec.valueRecord().equals("bytes")) {
                continue;
            }
            SchemaRegistryClient.RegisteredSchema latest = client.latest("reg." + spec.baseName() + "-value");
            assertEquals(Records.schemaOf(records.get(spec.valueRecord())), latest.schema(), spec.role());
            registered++;
        }
        assertEquals(16, registered);
    }

    private void assertTopicsMatchCatalog(KafkaBroker kafka, String prefix, Integer partitionsOverride) throws Exception {
        try (Admin admin = kafka.admin()) {
            List<String> names = catalog.all().stream().map(s -> prefix + s.baseName()).toList();
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertTrue(existing.containsAll(names), "missing topics: " + names + " vs " + existing);
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                    .get(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
            for (TopicCatalog.TopicSpec spec : catalog.all()) {
                int expected = partitionsOverride != null && spec.partitions() > 1 ? partitionsOverride : spec.partitions();
                assertEquals(expected, described.get(prefix + spec.baseName()).partitions().size(), spec.role());
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, prefix + spec.baseName());
                Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
                spec.configs().forEach((key, value) ->
                        assertEquals(value, config.get(key).value(), spec.role() + " " + key));
            }
        }
    }
}
