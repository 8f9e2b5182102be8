package io.driftwatch.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.driftwatch.model.FileEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a real registry cannot be made to do on demand: fail with 5xx, check credentials, count
 * requests. A local HTTP server that records every request stands in for it here.
 */
class SchemaRegistryClientTest {
    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath());
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        authorizations.add(auth == null ? "" : auth);
        int status;
        String body;
        if (failuresLeft.getAndDecrement() > 0) {
            status = 503;
            body = "{\"error_code\":50301,\"message\":\"busy\"}";
        } else if (exchange.getRequestURI().getPath().startsWith("/schemas/ids/")) {
            status = 200;
            body = "{\"schema\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(FileEvent.getClassSchema().toString()) + "}";
        } else {
            status = 200;
            body = "{\"id\":7}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void retriesA503WithBackoffThenSucceeds() {
        failuresLeft.set(2);
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(Map.of(RegistryClientConfig.URL, url(),
                RegistryClientConfig.RETRIES_WAIT_MS, "5", RegistryClientConfig.MAX_RETRIES, "3"));
        assertEquals(7, client.register("t-value", FileEvent.getClassSchema()));
        assertEquals(3, requests.size());
    }

    @Test
    void givesUpAfterMaxRetriesWithTheLastError() {
        failuresLeft.set(100);
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(Map.of(RegistryClientConfig.URL, url(),
                RegistryClientConfig.RETRIES_WAIT_MS, "5", RegistryClientConfig.MAX_RETRIES, "2"));
        SchemaRegistryException.Unavailable e = assertThrows(SchemaRegistryException.Unavailable.class,
                () -> client.schemaById(1));
        assertEquals(3, requests.size());
        assertTrue(e.getMessage().contains("after 3 attempt(s)") && e.getMessage().contains("HTTP 503"), e.getMessage());
    }

    @Test
    void answersThatNeverChangeAreCachedWithinABound() {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(RegistryClientConfig.from(Map.of(
                RegistryClientConfig.URL, url(), RegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT, "2")));
        client.register("t-value", FileEvent.getClassSchema());
        client.register("t-value", FileEvent.getClassSchema());
        client.schemaById(7);
        client.schemaById(7);
        assertEquals(List.of("POST /subjects/t-value/versions"), requests, "the id came with the registration");
        for (int id = 100; id < 110; id++) {
            client.schemaById(id);
        }
        assertEquals(2, client.cachedSchemas());
    }

    @Test
    void sendsBasicAuthFromUserInfoOrFromTheUrl() {
        SchemaRegistryClient fromUserInfo = SchemaRegistryClient.fromConfigs(Map.of(RegistryClientConfig.URL, url(),
                RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO",
                RegistryClientConfig.BASIC_AUTH_USER_INFO, "alice:s3cret"));
        fromUserInfo.schemaById(1);
        SchemaRegistryClient fromUrl = SchemaRegistryClient.fromConfigs(Map.of(
                RegistryClientConfig.URL, url().replace("http://", "http://bob:pw@")));
        fromUrl.schemaById(1);
        assertEquals(List.of("Basic YWxpY2U6czNjcmV0", "Basic Ym9iOnB3"), authorizations);
    }

    @Test
    void subjectsAreEscapedInPaths() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(Map.of(RegistryClientConfig.URL, url()));
        client.register("team a/events-value", FileEvent.getClassSchema());
        assertEquals(List.of("POST /subjects/team%20a%2Fevents-value/versions"), requests);
    }

    @Test
    void badConfigurationIsNamed() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> RegistryClientConfig.from(Map.of()));
        assertTrue(missing.getMessage().contains("schema.registry.url"), missing.getMessage());
        IllegalArgumentException badSource = assertThrows(IllegalArgumentException.class,
                () -> RegistryClientConfig.from(Map.of(RegistryClientConfig.URL, url(),
                        RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "SASL_INHERIT")));
        assertTrue(badSource.getMessage().contains("SASL_INHERIT"), badSource.getMessage());
        IllegalArgumentException badRetries = assertThrows(IllegalArgumentException.class,
                () -> RegistryClientConfig.from(Map.of(RegistryClientConfig.URL, url(), RegistryClientConfig.MAX_RETRIES, "x")));
        assertTrue(badRetries.getMessage().contains("max.retries"), badRetries.getMessage());
    }
}
