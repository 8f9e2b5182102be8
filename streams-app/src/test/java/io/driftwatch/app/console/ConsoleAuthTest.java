package io.driftwatch.app.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.IncidentStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may use the API (src/api.md, "Security"): bearer tokens, an authenticating proxy, loopback only without. */
class ConsoleAuthTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String ALICE_TOKEN = "alice-0123456789abcdef0123456789abcdef";
    static final String BOB_TOKEN = "bob-fedcba9876543210fedcba9876543210";
    static final String STATUS_PATH = "/api/v1/incidents/" + FixtureInvestigation.INCIDENT_ID + "/status";
    static final String ACK = "{\"status\": \"ACKNOWLEDGED\", \"note\": \"mine\"}";

    @TempDir
    Path dir;

    static int get(ConsoleServer server, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    static HttpResponse<String> post(ConsoleServer server, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private ConsoleServer start(FixtureInvestigation fixture, Path tokenFile, String proxyHeader) {
        return ConsoleServer.start(new ConsoleSettings(0, "127.0.0.1", tokenFile, proxyHeader), fixture, fixture);
    }

    @Test
    void withATokenFileEveryApiRequestNeedsAValidTokenAndChangesAreMadeByItsUser() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "# console users\nalice " + ALICE_TOKEN + "\n\nbob "
                + BOB_TOKEN + "\n");
        FixtureInvestigation fixture = new FixtureInvestigation();
        try (ConsoleServer server = start(fixture, tokens, null)) {
            HttpResponse<String> none = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/incidents"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, none.statusCode());
            assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            assertEquals(401, get(server, "/api/v1/incidents", "Authorization", "Bearer " + ALICE_TOKEN + "x"));
            assertEquals(401, get(server, "/api/v1/incidents", "Authorization", "Basic " + ALICE_TOKEN));
            assertEquals(401, get(server, "/api/v1/incidents", "X-Driftwatch-User", "alice"), "no loopback trust");
            assertEquals(200, get(server, "/api/v1/incidents", "Authorization", "Bearer " + ALICE_TOKEN));
            assertEquals(200, get(server, "/api/v1/trail", "Authorization", "bearer " + BOB_TOKEN));
            assertEquals(200, get(server, "/", "Authorization", "Bearer wrong"), "pages hold no data");
            assertEquals(200, get(server, "/health/live"));

            HttpResponse<String> change = post(server, STATUS_PATH, ACK, "Authorization", "Bearer " + BOB_TOKEN,
                    "X-Driftwatch-User", "alice");
            assertEquals(200, change.statusCode(), change.body());
            assertEquals(List.of(new FixtureInvestigation.StatusChange(FixtureInvestigation.INCIDENT_ID,
                    IncidentStatus.ACKNOWLEDGED, "bob", "mine")), fixture.statusChanges(), "the token's user, not the header");
            assertEquals(401, post(server, STATUS_PATH, ACK).statusCode());
            assertEquals(1, fixture.statusChanges().size());
        }
    }

    @Test
    void aFileWithOneTokenIsUserApi() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), ALICE_TOKEN + "\n");
        FixtureInvestigation fixture = new FixtureInvestigation();
        try (ConsoleServer server = start(fixture, token, null)) {
            assertEquals(200, post(server, STATUS_PATH, ACK, "Authorization", "Bearer " + ALICE_TOKEN).statusCode());
            assertEquals("api", fixture.statusChanges().get(0).user());
        }
    }

    @Test
    void behindAnAuthenticatingProxyItsHeaderNamesTheUser() throws Exception {
        FixtureInvestigation fixture = new FixtureInvestigation();
        try (ConsoleServer server = start(fixture, null, "X-Forwarded-User")) {
            assertEquals(401, get(server, "/api/v1/incidents"));
            assertEquals(401, get(server, "/api/v1/incidents", "X-Driftwatch-User", "alice"));
            assertEquals(200, get(server, "/api/v1/incidents", "X-Forwarded-User", "alice@example.com"));
            HttpResponse<String> change = post(server, STATUS_PATH, ACK, "X-Forwarded-User", "alice@example.com");
            assertEquals(200, change.statusCode(), change.body());
            assertEquals("alice@example.com", fixture.statusChanges().get(0).user());
        }
    }

    @Test
    void listeningBeyondLoopbackWithoutTokensOrAProxyIsRefused() {
        FixtureInvestigation fixture = new FixtureInvestigation();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                ConsoleServer.start(new ConsoleSettings(0, "0.0.0.0", null, null), fixture, fixture));
        assertTrue(e.getMessage().contains("driftwatch.http.host") && e.getMessage().contains("driftwatch.http.token.file")
                && e.getMessage().contains("driftwatch.http.auth.proxy.header"), e.getMessage());
        assertTrue(ConsoleAuth.isLoopback("localhost"));
        assertFalse(ConsoleAuth.isLoopback("0.0.0.0"));
    }

    @Test
    void badTokenFilesAreRefusedWithoutShowingTheToken() throws Exception {
        Path shortToken = Files.writeString(dir.resolve("short"), "alice abc123\n");
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> ConsoleAuth.readTokens(shortToken));
        assertTrue(tooShort.getMessage().contains("driftwatch.http.token.file") && tooShort.getMessage().contains("line 1")
                && !tooShort.getMessage().contains("abc123"), tooShort.getMessage());
        Path threeFields = Files.writeString(dir.resolve("three"), "alice " + ALICE_TOKEN + " extra\n");
        IllegalArgumentException malformed = assertThrows(IllegalArgumentException.class,
                () -> ConsoleAuth.readTokens(threeFields));
        assertFalse(malformed.getMessage().contains(ALICE_TOKEN), malformed.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConsoleAuth.readTokens(dir.resolve("missing")));
        Path empty = Files.writeString(dir.resolve("empty"), "# nothing\n");
        assertThrows(IllegalArgumentException.class, () -> ConsoleAuth.readTokens(empty));
    }
}
