package io.driftwatch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.driftwatch.app.config.DriftwatchConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out settings reach Kafka Streams as they are: standby replicas, threads, state directory,
 * application id and the group's session timeout, from the properties file or the environment
 * (src/operations.md). {@code ScaleOutIT} shows the standbys on running instances.
 */
class StreamsPropertiesTest {

    @Test
    void scaleOutSettingsFromTheFileReachKafkaStreams(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("driftwatch.properties");
        Files.writeString(file, """
                bootstrap.servers=kafka:9092
                schema.registry.url=http://registry:8081
                application.id=driftwatch-prod
                num.standby.replicas=1
                num.stream.threads=2
                state.dir=/var/lib/driftwatch/state
                session.timeout.ms=10000
                driftwatch.metadata.grace.ms=5000
                """);
        Properties props = DriftwatchApp.streamsProperties(DriftwatchConfig.load(file, Map.of(), Map.of()));
        StreamsConfig config = new StreamsConfig(props);
        assertEquals(1, config.getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG));
        assertEquals(2, config.getInt(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
        assertEquals("/var/lib/driftwatch/state", config.getString(StreamsConfig.STATE_DIR_CONFIG));
        assertEquals("driftwatch-prod", config.getString(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals("10000", String.valueOf(config.getMainConsumerConfigs("g", "c", 0).get("session.timeout.ms")));
        assertFalse(props.containsKey("driftwatch.metadata.grace.ms"), "Driftwatch's own keys stay out of Kafka Streams");
    }

    @Test
    void environmentOverridesTheFileAndDefaultsHold() throws Exception {
        Properties props = DriftwatchApp.streamsProperties(DriftwatchConfig.load(null, Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "kafka:9092",
                "KAFKA_SCHEMA_REGISTRY_URL", "http://registry:8081",
                "KAFKA_NUM_STANDBY_REPLICAS", "2"), Map.of()));
        StreamsConfig config = new StreamsConfig(props);
        assertEquals(2, config.getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG));
        assertEquals(1, config.getInt(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, config.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals("driftwatch", config.getString(StreamsConfig.APPLICATION_ID_CONFIG));
    }

    /**
     * The default state directory does not depend on where the command was started (issue 13):
     * before, it was {@code .driftwatch/state} under the working directory.
     */
    @Test
    void theDefaultStateDirectoryIsDriftwatchHomeNotTheWorkingDirectory(@TempDir Path home) throws Exception {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of("bootstrap.servers", "kafka:9092",
                "schema.registry.url", "http://registry:8081"));
        String before = System.getProperty(Directories.HOME_PROPERTY);
        try {
            System.clearProperty(Directories.HOME_PROPERTY);
            String stateDir = DriftwatchApp.streamsProperties(config).getProperty(StreamsConfig.STATE_DIR_CONFIG);
            assertEquals(Path.of(System.getProperty("user.home"), ".driftwatch", "state").toString(), stateDir);
            assertFalse(stateDir.startsWith(Path.of("").toAbsolutePath().toString()),
                    "not under the working directory " + Path.of("").toAbsolutePath());
            System.setProperty(Directories.HOME_PROPERTY, home.toString());
            assertEquals(home.resolve("state").toString(),
                    DriftwatchApp.streamsProperties(config).getProperty(StreamsConfig.STATE_DIR_CONFIG));
        } finally {
            if (before == null) {
                System.clearProperty(Directories.HOME_PROPERTY);
            } else {
                System.setProperty(Directories.HOME_PROPERTY, before);
            }
        }
    }
}
