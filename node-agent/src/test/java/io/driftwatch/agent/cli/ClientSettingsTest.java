package io.driftwatch.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The node's security settings reach its publisher and its responder: before, both connected in plaintext only. */
class ClientSettingsTest {
    @TempDir
    Path tmp;

    private Path file() throws Exception {
        return Files.writeString(tmp.resolve("agent.properties"), String.join("\n",
                "bootstrap.servers=kafka:9093",
                "schema.registry.url=https://registry:8081",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "ssl.truststore.location=/etc/driftwatch/tls/ca.p12",
                "schema.registry.ssl.truststore.location=/etc/driftwatch/tls/ca.p12",
                "driftwatch.response.commands.per.node=true"));
    }

    @Test
    void theFileThenTheEnvironmentGiveEveryClientKeyButTheAddresses() throws Exception {
        ClientSettings settings = ClientSettings.load(file(), Map.of("KAFKA_SASL_JAAS_CONFIG", "from-env",
                "KAFKA_SECURITY_PROTOCOL", "SSL", "DRIFTWATCH_TOPIC_PREFIX", "p.", "PATH", "/bin"));
        Map<String, Object> overrides = settings.clientOverrides();
        assertEquals("SSL", overrides.get("security.protocol"), "the environment beats the file");
        assertEquals("from-env", overrides.get("sasl.jaas.config"));
        assertEquals("/etc/driftwatch/tls/ca.p12", overrides.get("schema.registry.ssl.truststore.location"));
        assertFalse(overrides.containsKey("bootstrap.servers") || overrides.containsKey("schema.registry.url"));
        assertTrue(overrides.keySet().stream().noneMatch(k -> k.startsWith("driftwatch.")), overrides.toString());
        assertEquals("p.", settings.get("driftwatch.topic.prefix"));
        assertTrue(settings.flag("driftwatch.response.commands.per.node"));
        assertEquals("ssl.key-store_x", ClientSettings.envToKey("SSL_KEY___STORE__X"));
    }

    @Test
    void theAgentsPublisherGetsTheSecuritySettingsAndFlagsBeatTheFile() throws Exception {
        AgentCommand agent = new AgentCommand();
        new CommandLine(agent).parseArgs("--config", file().toString(), "--bootstrap-server", "other:9093");
        var publisher = agent.options.publisher();
        assertEquals("other:9093", publisher.bootstrapServers());
        assertEquals("https://registry:8081", publisher.registryUrl());
        assertEquals("SCRAM-SHA-512", publisher.producerOverrides().get("sasl.mechanism"));
    }

    @Test
    void aBadFlagValueIsNamed() throws Exception {
        ClientSettings settings = ClientSettings.load(null, Map.of("DRIFTWATCH_RESPONSE_COMMANDS_PER_NODE", "yes"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings.flag("driftwatch.response.commands.per.node"));
        assertTrue(e.getMessage().contains("driftwatch.response.commands.per.node"), e.getMessage());
    }
}
