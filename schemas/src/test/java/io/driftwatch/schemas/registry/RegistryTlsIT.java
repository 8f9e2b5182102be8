package io.driftwatch.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.SampleRecords;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.testkit.SchemaRegistryExtension;
import io.driftwatch.testkit.TestCertificates;
import io.driftwatch.testkit.TestkitDirectories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The registry client over HTTPS with basic auth (and mTLS), against the run's real registry behind an HTTPS reverse
 * proxy that checks the password ({@link HttpsRegistryProxy}), configured only with Confluent's keys.
 */
@ExtendWith(SchemaRegistryExtension.class)
class RegistryTlsIT {
    private static final String STORE_PASSWORD = "registry-store-secret";
    private static Path dir;
    private static Path trustStore;
    private static Path strangerTrustStore;
    private static Path clientKeyStore;
    private static HttpsRegistryProxy proxy;
    private static HttpsRegistryProxy mtlsProxy;

    @BeforeAll
    static void start(SchemaRegistryServer registry) throws Exception {
        dir = Files.createDirectories(TestkitDirectories.root().resolve("registry-tls"));
        TestCertificates.Authority ca = TestCertificates.authority("CN=Driftwatch registry test CA");
        Path serverKeyStore = ca.issue("CN=localhost,O=Driftwatch test registry").writeKeyStore(dir.resolve("server.p12"),
                STORE_PASSWORD);
        trustStore = ca.writeTrustStore(dir.resolve("truststore.p12"), STORE_PASSWORD);
        strangerTrustStore = TestCertificates.authority("CN=Some other CA").writeTrustStore(dir.resolve("stranger.p12"),
                STORE_PASSWORD);
        clientKeyStore = ca.issue("CN=driftwatch-app").writeKeyStore(dir.resolve("client.p12"), STORE_PASSWORD);
        proxy = new HttpsRegistryProxy(registry.url(), serverKeyStore, trustStore, STORE_PASSWORD, "driftwatch",
                "right-password", false);
        mtlsProxy = new HttpsRegistryProxy(registry.url(), serverKeyStore, trustStore, STORE_PASSWORD, "driftwatch",
                "right-password", true);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (mtlsProxy != null) {
            mtlsProxy.close();
        }
    }

    private static Map<String, Object> config(HttpsRegistryProxy through, String userInfo, Path trusted) {
        Map<String, Object> c = new HashMap<>();
        c.put(RegistryClientConfig.URL, through.confluentApiUrl());
        c.put("basic.auth.credentials.source", "USER_INFO");
        c.put("basic.auth.user.info", userInfo);
        c.put("schema.registry.ssl.truststore.location", trusted.toString());
        c.put("schema.registry.ssl.truststore.password", STORE_PASSWORD);
        c.put("schema.registry.ssl.truststore.type", "PKCS12");
        c.put(RegistryClientConfig.MAX_RETRIES, 1);
        c.put(RegistryClientConfig.RETRIES_WAIT_MS, 10);
        return c;
    }

    @Test
    void theRightPasswordAndTrustStoreRegisterAndFetchSchemasThroughTheSerde() {
        Map<String, Object> config = config(proxy, "driftwatch:right-password", trustStore);
        int before = proxy.forwarded.get();
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(config);
        int id = client.register("tls-file-events-value", FileEvent.getClassSchema());
        SchemaRegistryClient fresh = SchemaRegistryClient.fromConfigs(config);
        assertEquals(FileEvent.getClassSchema(), fresh.schemaById(id), "fetched back by id over HTTPS");
        assertEquals(id, fresh.idOf("tls-file-events-value", FileEvent.getClassSchema()));

        // The serde, configured the way every component passes the keys to it, over the same connection.
        Map<String, Object> serde = new HashMap<>(config);
        serde.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        FileEvent event = SampleRecords.fileEvent();
        try (AvroSerializer<FileEvent> serializer = new AvroSerializer<>();
             AvroDeserializer<Object> deserializer = new AvroDeserializer<>()) {
            serializer.configure(serde, false);
            deserializer.configure(serde, false);
            byte[] bytes = serializer.serialize("tls-serde-events", event);
            assertEquals(event, deserializer.deserialize("tls-serde-events", bytes));
        }
        assertTrue(proxy.forwarded.get() - before >= 4, "the requests went through the authenticating proxy");
    }

    @Test
    void aWrongPasswordIsAClear401() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(config(proxy, "driftwatch:wrong-password", trustStore));
        int before = proxy.forwarded.get();
        SchemaRegistryException refused = assertThrows(SchemaRegistryException.class,
                () -> client.register("tls-refused-value", FileEvent.getClassSchema()));
        assertFalse(refused instanceof SchemaRegistryException.Unavailable, "a refusal, not an outage: " + refused);
        assertEquals(401, refused.httpStatus());
        assertTrue(refused.getMessage().contains("Not authorised") && refused.getMessage().contains("basic.auth.user.info"),
                refused.getMessage());
        assertEquals(before, proxy.forwarded.get(), "nothing reached the registry");
    }

    @Test
    void aCertificateFromAnUnknownCaIsAClearTlsError() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(
                config(proxy, "driftwatch:right-password", strangerTrustStore));
        SchemaRegistryException failed = assertThrows(SchemaRegistryException.class,
                () -> client.schemaById(1));
        assertFalse(failed instanceof SchemaRegistryException.Unavailable, "not retried as an outage: " + failed);
        assertInstanceOf(SSLHandshakeException.class, failed.getCause());
        assertTrue(failed.getMessage().contains("TLS handshake")
                && failed.getMessage().contains("schema.registry.ssl.truststore.location"), failed.getMessage());
    }

    @Test
    void mutualTlsNeedsTheClientKeyStore() {
        Map<String, Object> withCertificate = config(mtlsProxy, "driftwatch:right-password", trustStore);
        withCertificate.put("schema.registry.ssl.keystore.location", clientKeyStore.toString());
        withCertificate.put("schema.registry.ssl.keystore.password", STORE_PASSWORD);
        withCertificate.put("schema.registry.ssl.key.password", STORE_PASSWORD);
        withCertificate.put("schema.registry.ssl.keystore.type", "PKCS12");
        int id = SchemaRegistryClient.fromConfigs(withCertificate).register("mtls-file-events-value",
                FileEvent.getClassSchema());
        assertTrue(id >= 0);

        SchemaRegistryClient without = SchemaRegistryClient.fromConfigs(
                config(mtlsProxy, "driftwatch:right-password", trustStore));
        SchemaRegistryException failed = assertThrows(SchemaRegistryException.class, () -> without.schemaById(id));
        // TLS 1.3: the server refuses after the client's side of the handshake, so the client sees a closed connection
        // (or, depending on timing, a handshake alert); either way the message points at the keystore setting.
        assertTrue(failed.getMessage().contains("schema.registry.ssl.keystore.location"), failed.getMessage());
    }

    @Test
    void aMissingTrustStoreIsNamedAtConfiguration() {
        Map<String, Object> config = config(proxy, "driftwatch:right-password", dir.resolve("no-such.p12"));
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> SchemaRegistryClient.fromConfigs(config));
        assertTrue(wrong.getMessage().contains("schema.registry.ssl") && wrong.getMessage().contains("no-such.p12"),
                wrong.getMessage());
    }
}
