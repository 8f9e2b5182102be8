package io.driftwatch.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriftwatchConfigTest {

    @Test
    void environmentNamesMapOntoKeys() {
        assertEquals("bootstrap.servers", DriftwatchConfig.envToKey("BOOTSTRAP_SERVERS"));
        assertEquals("schema.registry.url", DriftwatchConfig.envToKey("SCHEMA_REGISTRY_URL"));
        assertEquals("topic.file-events", DriftwatchConfig.envToKey("TOPIC_FILE___EVENTS"));
        assertEquals("some_key.x", DriftwatchConfig.envToKey("SOME__KEY_X"));
        assertEquals("KAFKA_SCHEMA_REGISTRY_URL", DriftwatchConfig.envName("schema.registry.url"));
        assertEquals("DRIFTWATCH_TOPIC_FILE___EVENTS", DriftwatchConfig.envName("driftwatch.topic.file-events"));
    }

    @Test
    void flagsBeatEnvironmentBeatsFileBeatsDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("driftwatch.properties");
        Files.writeString(file, """
                bootstrap.servers=file:9092
                schema.registry.url=http://file:8081
                driftwatch.topic.prefix=file.
                application.id=from-file
                """);
        Map<String, String> env = Map.of(
                "KAFKA_SCHEMA_REGISTRY_URL", "http://env:8081",
                "DRIFTWATCH_TOPIC_PREFIX", "env.",
                "PATH", "/usr/bin");
        Map<String, String> flags = new HashMap<>();
        flags.put("driftwatch.topic.prefix", "flag.");
        flags.put("bootstrap.servers", null); // a flag not given
        DriftwatchConfig config = DriftwatchConfig.load(file, env, flags);
        assertEquals("file:9092", config.get("bootstrap.servers"));
        assertEquals("http://env:8081", config.get("schema.registry.url"));
        assertEquals("flag.", config.get("driftwatch.topic.prefix"));
        assertEquals("from-file", config.get("application.id"));
        assertFalse(config.asMap().containsKey("path"), "only KAFKA_ and DRIFTWATCH_ variables are read");
        assertFalse(config.clientProperties().containsKey("driftwatch.topic.prefix"), "own keys stay out of clients");
        assertEquals("driftwatch.", DriftwatchConfig.load(null, Map.of(), Map.of()).get("driftwatch.topic.prefix"));
    }

    @Test
    void aMissingValueIsNamedWithHowToSetIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DriftwatchConfig.of(Map.of()).require("bootstrap.servers"));
        assertTrue(e.getMessage().contains("bootstrap.servers") && e.getMessage().contains("KAFKA_BOOTSTRAP_SERVERS"),
                e.getMessage());
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> DriftwatchConfig.load(dir.resolve("nope.properties"), Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("nope.properties"), e.getMessage());
    }
}
