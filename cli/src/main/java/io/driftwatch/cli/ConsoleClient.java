package io.driftwatch.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.schemas.text.FieldText;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import picocli.CommandLine.Option;

/**
 * The investigation API (src/api.md) as the {@code trail}, {@code incidents} and {@code capture} commands use it:
 * java.net.http, a bearer token from a file, the acting user for loopback, and answers that are safe to print to a
 * terminal (no control character from an event reaches it raw).
 */
final class ConsoleClient {
    static final String DEFAULT_URL = "http://127.0.0.1:8470";
    /** JSON written with every control character escaped, C1 (U+0080 to U+009F) and DEL included. */
    static final ObjectMapper TERMINAL_JSON = new ObjectMapper(new JsonFactory().setCharacterEscapes(new TerminalEscapes()));
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Where the API is and who is asking: the same three options on every command that calls it. */
    static final class Options {
        @Option(names = "--url", paramLabel = "URL", defaultValue = DEFAULT_URL,
                description = "The Driftwatch API (run/demo serve it on driftwatch.http.port; default: ${DEFAULT-VALUE}).")
        String url;

        @Option(names = "--token-file", paramLabel = "FILE",
                description = "A file holding the bearer token (the token alone, or 'user token'), when the API asks for one.")
        Path tokenFile;

        @Option(names = "--user", paramLabel = "NAME", defaultValue = "${sys:user.name}",
                description = "Who you are, for a status change on a loopback API without tokens (default: your OS user, "
                        + "${DEFAULT-VALUE}); with a token the server knows who you are.")
        String user;
    }

    /** The API answered with an error, or could not be reached; the message says which, for a person. */
    static final class ApiException extends Exception {
        private final int status;

        ApiException(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    private final URI base;
    private final String token;
    private final String user;
    private final HttpClient http;

    ConsoleClient(Options options) throws ApiException {
        String url = options.url.endsWith("/") ? options.url.substring(0, options.url.length() - 1) : options.url;
        try {
            base = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ApiException(0, "--url " + options.url + " is not a URL");
        }
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme()) || base.getHost() == null) {
            throw new ApiException(0, "--url must be http://HOST:PORT or https://..., was " + options.url);
        }
        token = options.tokenFile == null ? null : readToken(options.tokenFile);
        user = options.user;
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** The token file's token: the first line that is not blank or a comment, its last field ('user token'). */
    static String readToken(Path file) throws ApiException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ApiException(0, "--token-file " + file + " does not exist");
        } catch (IOException e) {
            throw new ApiException(0, "--token-file " + file + " cannot be read: " + e.getMessage());
        }
        for (String line : lines) {
            String trimmed = line.trim();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                String[] fields = trimmed.split("\\s+");
                return fields[fields.length - 1];
            }
        }
        throw new ApiException(0, "--token-file " + file + " holds no token");
    }

    JsonNode get(String path, Map<String, List<String>> params) throws ApiException {
        HttpResponse<String> response = send(request(path, params).header("Accept", "application/json").GET().build());
        return parse(response);
    }

    JsonNode post(String path, JsonNode body) throws ApiException {
        HttpResponse<String> response = send(request(path, Map.of()).header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build());
        return parse(response);
    }

    /** The body as text (a capture's JSON lines). */
    String getText(String path) throws ApiException {
        HttpResponse<String> response = send(request(path, Map.of()).header("Accept", "application/x-ndjson").GET().build());
        check(response);
        return response.body();
    }

    private HttpRequest.Builder request(String path, Map<String, List<String>> params) {
        StringJoiner query = new StringJoiner("&");
        params.forEach((name, values) -> values.forEach(v -> query.add(encode(name) + "=" + encode(v))));
        String full = base + path + (query.length() == 0 ? "" : "?" + query);
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(full)).timeout(TIMEOUT);
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (user != null && !user.isBlank()) {
            builder.header("X-Driftwatch-User", user);
        }
        return builder;
    }

    private HttpResponse<String> send(HttpRequest request) throws ApiException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new ApiException(0, "cannot reach the Driftwatch API at " + base + " (is 'driftwatch run' or "
                    + "'driftwatch demo' running there? --url sets where)");
        } catch (IOException e) {
            throw new ApiException(0, "the Driftwatch API at " + base + " did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "interrupted");
        }
    }

    private JsonNode parse(HttpResponse<String> response) throws ApiException {
        check(response);
        try {
            return TERMINAL_JSON.readTree(response.body());
        } catch (IOException e) {
            throw new ApiException(response.statusCode(), "the API answered with something that is not JSON");
        }
    }

    /** An error answer as "HTTP 404: the API's message", escaped for a terminal. */
    private static void check(HttpResponse<String> response) throws ApiException {
        int status = response.statusCode();
        if (status == 200) {
            return;
        }
        String message = null;
        try {
            JsonNode body = TERMINAL_JSON.readTree(response.body());
            if (body != null && body.hasNonNull("error")) {
                message = body.get("error").asText();
            }
        } catch (IOException e) {
            // not our JSON: a proxy's page, say
        }
        String hint = switch (status) {
            case 401 -> " (give --token-file, or --user on a loopback API)";
            case 503 -> " (the app is starting or rebalancing: try again)";
            default -> "";
        };
        throw new ApiException(status, "HTTP " + status + ": " + safe(message == null ? "no details" : message) + hint);
    }

    /** A value from the API for a terminal: control characters written \xNN. */
    static String safe(String text) {
        return text == null ? "" : FieldText.escapeControls(text);
    }

    /**
     * A time for the API: {@code 15m}, {@code 2h}, {@code 7d}, {@code 30s} mean that long ago; anything else (epoch
     * ms, ISO-8601) goes as it is and the API checks it.
     */
    static String time(String text, Instant now) {
        if (text == null) {
            return null;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(t);
        if (!m.matches()) {
            return text.trim();
        }
        long n = Long.parseLong(m.group(1));
        Duration ago = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        return Long.toString(now.minus(ago).toEpochMilli());
    }

    /** Epoch ms as UTC, to the millisecond, as the console shows it. */
    static String formatTime(JsonNode millis) {
        if (millis == null || millis.isNull()) {
            return "";
        }
        return Instant.ofEpochMilli(millis.asLong()).toString().replace('T', ' ').replace("Z", "");
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** JSON's own escapes for C0 controls, and {@code \\u00XX} for DEL and the C1 controls (U+009B is CSI). */
    private static final class TerminalEscapes extends CharacterEscapes {
        private final int[] ascii;

        TerminalEscapes() {
            ascii = CharacterEscapes.standardAsciiEscapesForJSON();
            ascii[0x7f] = CharacterEscapes.ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (ch >= 0x80 && ch <= 0x9f) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    }
}
