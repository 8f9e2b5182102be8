package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.model.ImageBaseline;
import io.driftwatch.model.ImageFile;
import io.driftwatch.schemas.json.BaselineFiles;
import io.driftwatch.scanner.testing.PlantedImages;
import io.driftwatch.scanner.testing.TestImages;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.testkit.RealKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scan --publish} against the real broker and registry: the image's baseline is produced to the compacted
 * image-baselines topic, keyed by the image digest, Avro through the registry, and read back equal to the baseline
 * --baseline-out wrote; a baseline larger than the producer's default 1 MiB request goes through; a multi-platform
 * image's baseline goes under its index digest too.
 */
@RealKafka
class ScanPublishIT {
    @TempDir
    Path dir;

    @Test
    void publishesTheBaselineKeyedByImageDigest(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String prefix = "scan-publish.";
        DriftwatchConfig config = config(kafka, registry, prefix);
        String topic = TopicCatalog.builtIn().name("image-baselines", config);

        TestImages.Written image = PlantedImages.clean(dir.resolve("clean"));
        CliHelpTest.Run missingTopic = scan(kafka, registry, prefix, image.reference());
        assertEquals(2, missingTopic.exitCode(), missingTopic.err());
        assertTrue(missingTopic.err().contains("topic " + topic + " does not exist"), missingTopic.err());

        kafka.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.of((short) 1))
                .configs(TopicCatalog.builtIn().spec("image-baselines").configs())));
        Path file = dir.resolve("clean.baseline.jsonl");
        CliHelpTest.Run run = scan(kafka, registry, prefix, image.reference(), "--baseline-out", file.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("published the baseline of " + image.reference()) && run.err().contains(topic), run.err());

        // A big image: 12,000 paths with long names, a baseline of several MiB.
        TestImages.Written big = TestImages.layout(dir.resolve("big")).tag("big").layer(l -> {
            l.dir("/srv", 0755);
            for (int d = 0; d < 40; d++) {
                String sub = "/srv/" + "directory-with-a-rather-long-name-to-grow-the-baseline-" + d;
                l.dir(sub, 0755);
                for (int f = 0; f < 300; f++) {
                    l.file(sub + "/file-" + f + "-" + "x".repeat(60) + ".txt", "content " + d + "/" + f, 0644);
                }
            }
        }).write();
        CliHelpTest.Run bigRun = scan(kafka, registry, prefix, big.reference(), "--quiet");
        assertEquals(0, bigRun.exitCode(), bigRun.err());

        // A multi-platform image: published under its platform's manifest digest and under the index's, which is
        // what a runtime that pulled it by tag reports as the container's image digest.
        TestImages.MultiWritten multi = TestImages.multiArch(dir.resolve("multi")).tag("multi")
                .image(i -> i.platform("linux", "amd64").layer(l -> l.file("/arch", "amd64", 0644)))
                .image(i -> i.platform("linux", "arm64").layer(l -> l.file("/arch", "arm64", 0644)))
                .write();
        CliHelpTest.Run multiRun = scan(kafka, registry, prefix, multi.index().reference(), "--platform", "linux/amd64");
        assertEquals(0, multiRun.exitCode(), multiRun.err());
        assertTrue(multiRun.err().contains("and its index digest(s) " + multi.index().digest()), multiRun.err());

        List<ConsumerRecord<String, Object>> records = read(config, topic, 4);
        assertEquals(4, records.size());
        assertEquals(List.of(multi.platforms().get(0).digest(), multi.index().digest()),
                List.of(records.get(2).key(), records.get(3).key()));
        ImageBaseline platform = (ImageBaseline) records.get(2).value();
        ImageBaseline viaIndex = (ImageBaseline) records.get(3).value();
        assertEquals(multi.index().digest(), viaIndex.getImageDigest(), "each record names the digest it is keyed by");
        assertEquals(platform.getFiles(), viaIndex.getFiles());
        ConsumerRecord<String, Object> first = records.get(0);
        assertEquals(image.digest(), first.key());
        ImageBaseline published = (ImageBaseline) first.value();
        ImageBaseline written = BaselineFiles.read(file).get(0);
        assertEquals(written, published, "the record is the baseline --baseline-out wrote");
        assertEquals(published.getScannedAt(), first.timestamp());
        assertEquals(image.layerDigests(), published.getLayers());
        ImageFile busybox = published.getFiles().stream().filter(f -> f.getPath().equals("/bin/busybox")).findFirst().orElseThrow();
        assertNotNull(busybox.getSha256());
        ConsumerRecord<String, Object> second = records.get(1);
        assertEquals(big.digest(), second.key());
        assertTrue(((ImageBaseline) second.value()).getFiles().size() > 12_000);
        assertTrue(second.serializedValueSize() > 1_048_576, "bigger than the default max.request.size: " + second.serializedValueSize());
    }

    private static CliHelpTest.Run scan(KafkaBroker kafka, SchemaRegistryServer registry, String prefix, String... args) {
        List<String> all = new ArrayList<>(List.of("scan", "--publish", "--bootstrap-server", kafka.bootstrapServers(),
                "--schema-registry-url", registry.confluentApiUrl(), "--topic-prefix", prefix));
        all.addAll(List.of(args));
        return CliHelpTest.run(all.toArray(String[]::new));
    }

    private static DriftwatchConfig config(KafkaBroker kafka, SchemaRegistryServer registry, String prefix) {
        return DriftwatchConfig.of(Map.of(
                DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                DriftwatchConfig.TOPIC_PREFIX, prefix));
    }

    private static List<ConsumerRecord<String, Object>> read(DriftwatchConfig config, String topic, int atLeast) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "scan-reader-" + System.nanoTime());
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024 * 1024);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        AvroDeserializer<Object> values = new AvroDeserializer<>();
        values.configure(props, false);
        List<ConsumerRecord<String, Object>> records = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && records.size() < atLeast) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }
}
