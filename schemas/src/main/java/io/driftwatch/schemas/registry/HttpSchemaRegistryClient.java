package io.driftwatch.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the Confluent Schema Registry REST API (v1 media type), as served by Confluent
 * Schema Registry, Redpanda, Karapace and Apicurio's ccompat API. Answers that never change
 * (subject + schema to id, id to schema) are kept in bounded caches; requests that fail for
 * reasons a retry can cure (connection errors, timeouts, 5xx, 408, 429) are retried with
 * exponential backoff, moving to the next URL when several are configured.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {
    private static final Logger LOG = LoggerFactory.getLogger(HttpSchemaRegistryClient.class);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT = "application/vnd.schemaregistry.v1+json, "
            + "application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record SubjectSchema(String subject, Schema schema) {
    }

    private final RegistryClientConfig config;
    private final HttpClient http;
    private final BoundedCache<SubjectSchema, Integer> idBySubjectSchema;
    private final BoundedCache<Integer, Schema> schemaById;
    private final AtomicInteger preferredUrl = new AtomicInteger();

    public HttpSchemaRegistryClient(RegistryClientConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout())
                .version(HttpClient.Version.HTTP_1_1);
        config.tls().ifPresent(tls -> builder.sslContext(tls.context()).sslParameters(tls.parameters()));
        this.http = builder.build();
        this.idBySubjectSchema = new BoundedCache<>(config.cacheCapacity());
        this.schemaById = new BoundedCache<>(config.cacheCapacity());
    }

    /** Registers the schema under the subject (or finds it registered already) and returns its id. */
    @Override
    public int register(String subject, Schema schema) {
        return idBySubjectSchema.computeIfAbsent(new SubjectSchema(subject, schema), key -> {
            JsonNode answer;
            try {
                answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema),
                        "register a schema under subject '" + subject + "'");
            } catch (SchemaRegistryException.Incompatible conflict) {
                // Two clients registering the same new subject at once: some registries (Apicurio) answer
                // the loser with 409. If the schema is there now, that is success; otherwise it was a refusal.
                try {
                    return lookUp(subject, schema);
                } catch (SchemaRegistryException.NotFound notThere) {
                    throw conflict;
                }
            }
            int id = answer.path("id").asInt(-1);
            if (id < 0) {
                throw new SchemaRegistryException("Registry answered a registration under subject '" + subject
                        + "' without an id: " + answer, 200, -1, null);
            }
            schemaById.put(id, schema);
            return id;
        });
    }

    /** The id of a schema already registered under the subject; {@link SchemaRegistryException.NotFound} if it is not. */
    @Override
    public int idOf(String subject, Schema schema) {
        return idBySubjectSchema.computeIfAbsent(new SubjectSchema(subject, schema), key -> lookUp(subject, schema));
    }

    private int lookUp(String subject, Schema schema) {
        JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema),
                "look up a schema under subject '" + subject + "'");
        int id = answer.path("id").asInt(-1);
        schemaById.put(id, schema);
        return id;
    }

    /** The schema with this id; {@link SchemaRegistryException.NotFound} if the registry does not know it. */
    @Override
    public Schema schemaById(int id) {
        return schemaById.computeIfAbsent(id, key -> {
            JsonNode answer = send("GET", "/schemas/ids/" + id, null, "fetch schema id " + id);
            return parse(answer, "schema id " + id);
        });
    }

    /** The latest version under the subject, always asked of the registry (it changes). */
    @Override
    public RegisteredSchema latest(String subject) {
        return version(subject, "latest");
    }

    @Override
    public RegisteredSchema version(String subject, String version) {
        JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions/" + encode(version), null,
                "fetch version " + version + " of subject '" + subject + "'");
        Schema schema = parse(answer, "subject '" + subject + "' version " + version);
        int id = answer.path("id").asInt();
        schemaById.put(id, schema);
        return new RegisteredSchema(answer.path("subject").asText(subject), answer.path("version").asInt(), id, schema);
    }

    @Override
    public List<String> subjects() {
        List<String> subjects = new ArrayList<>();
        send("GET", "/subjects", null, "list subjects").forEach(node -> subjects.add(node.asText()));
        return subjects;
    }

    @Override
    public List<Integer> versions(String subject) {
        List<Integer> versions = new ArrayList<>();
        send("GET", "/subjects/" + encode(subject) + "/versions", null, "list versions of subject '" + subject + "'")
                .forEach(node -> versions.add(node.asInt()));
        return versions;
    }

    /** Asks the registry whether the schema could be registered under the subject as its next version. */
    @Override
    public boolean isCompatible(String subject, Schema schema) {
        JsonNode answer = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                schemaBody(schema), "test compatibility under subject '" + subject + "'");
        return answer.path("is_compatible").asBoolean(false);
    }

    /** Sets the subject's compatibility level (NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FULL, ...). */
    @Override
    public void setCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        send("PUT", "/config/" + encode(subject), body.toString(), "set compatibility of subject '" + subject + "'");
    }

    @Override
    public String compatibility(String subject) {
        JsonNode answer = send("GET", "/config/" + encode(subject), null, "get compatibility of subject '" + subject + "'");
        return answer.path("compatibilityLevel").asText(answer.path("compatibility").asText(null));
    }

    int cachedIds() {
        return idBySubjectSchema.size();
    }

    int cachedSchemas() {
        return schemaById.size();
    }

    private static String schemaBody(Schema schema) {
        // Confluent omits schemaType for Avro, its default; so do we, for registries that predate the field.
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    private static Schema parse(JsonNode answer, String what) {
        JsonNode text = answer.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException("Registry answer for " + what + " holds no schema: " + answer, 200, -1, null);
        }
        String type = answer.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new SchemaRegistryException(what + " is a " + type + " schema, not Avro", 200, -1, null);
        }
        try {
            return new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("Registry returned an unparseable Avro schema for " + what + ": "
                    + e.getMessage(), 200, -1, e);
        }
    }

    private static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String path, String body, String purpose) {
        List<URI> urls = config.urls();
        int attempts = config.maxRetries() + 1;
        Duration wait = config.retryWait();
        String lastProblem = "no attempt made";
        Throwable lastCause = null;
        int lastStatus = -1;
        int start = preferredUrl.get();
        for (int attempt = 0; attempt < attempts; attempt++) {
            int urlIndex = Math.floorMod(start + attempt, urls.size());
            URI base = urls.get(urlIndex);
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(config.readTimeout())
                    .header("Accept", ACCEPT);
            config.authorizationHeader().ifPresent(auth -> request.header("Authorization", auth));
            if (body != null) {
                request.header("Content-Type", CONTENT_TYPE)
                        .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    preferredUrl.set(urlIndex);
                    return response.body() == null || response.body().isBlank()
                            ? JSON.createObjectNode() : JSON.readTree(response.body());
                }
                if (!retriable(status)) {
                    throw refusal(status, response.body(), base, purpose);
                }
                lastStatus = status;
                lastProblem = "HTTP " + status + " from " + base + ": " + abbreviate(response.body());
                lastCause = null;
            } catch (javax.net.ssl.SSLHandshakeException e) {
                // Not the kind of failure a retry cures: the certificates do not match the configuration.
                throw new SchemaRegistryException("TLS handshake with the schema registry at " + base + " failed, so"
                        + " could not " + purpose + ": " + e.getMessage() + ". Check that "
                        + RegistryClientConfig.SSL_PREFIX + "ssl.truststore.location holds the CA that signed the"
                        + " registry's certificate, that the certificate names the host in schema.registry.url, and,"
                        + " when the registry asks for a client certificate, " + RegistryClientConfig.SSL_PREFIX
                        + "ssl.keystore.location", -1, -1, e);
            } catch (IOException e) {
                lastProblem = describe(e) + " at " + base + tlsHint(e, base);
                lastCause = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException.Unavailable("Interrupted while trying to " + purpose, -1, e);
            }
            boolean moreUrlsThisRound = urls.size() > 1 && (attempt + 1) % urls.size() != 0;
            if (attempt + 1 < attempts && !moreUrlsThisRound) {
                LOG.warn("Schema registry request failed ({}), retrying in {} ms", lastProblem, wait.toMillis());
                sleep(wait);
                wait = min(wait.multipliedBy(2), config.retryMaxWait());
            }
        }
        throw new SchemaRegistryException.Unavailable("Schema registry unreachable: could not " + purpose + " after "
                + attempts + " attempt(s) against " + urls + "; last error: " + lastProblem, lastStatus, lastCause);
    }

    private static boolean retriable(int status) {
        return status >= 500 || status == 408 || status == 429;
    }

    private static SchemaRegistryException refusal(int status, String body, URI base, String purpose) {
        int errorCode = -1;
        String message = abbreviate(body);
        try {
            JsonNode error = JSON.readTree(body);
            errorCode = error.path("error_code").asInt(-1);
            message = error.path("message").asText(message);
        } catch (IOException | RuntimeException notJson) {
            // keep the raw body as the message
        }
        String text = "Schema registry at " + base + " refused to " + purpose + ": HTTP " + status
                + (errorCode >= 0 ? " (error code " + errorCode + ")" : "") + ": " + message;
        if (status == 404) {
            return new SchemaRegistryException.NotFound(text, status, errorCode);
        }
        if (status == 409) {
            return new SchemaRegistryException.Incompatible(
                    "Schema is incompatible with the subject's earlier versions. " + text, status, errorCode);
        }
        if (status == 401 || status == 403) {
            return new SchemaRegistryException("Not authorised: check basic.auth.credentials.source and "
                    + "basic.auth.user.info. " + text, status, errorCode, null);
        }
        return new SchemaRegistryException(text, status, errorCode, null);
    }

    private static String describe(IOException e) {
        String kind = e instanceof java.net.http.HttpTimeoutException ? "timed out"
                : e instanceof java.net.ConnectException ? "connection refused or unreachable" : e.getClass().getSimpleName();
        return kind + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
    }

    /**
     * With TLS 1.3 a server that refuses the client's certificate (or its absence) does so after the client's side of
     * the handshake has finished: the client only sees the connection closed. Say what that usually means.
     */
    private String tlsHint(IOException e, URI base) {
        if (!"https".equals(base.getScheme()) || e instanceof java.net.ConnectException
                || e instanceof java.net.http.HttpTimeoutException) {
            return "";
        }
        return " (over https, a connection closed without an answer is often the registry refusing the client's"
                + " certificate: does it require mTLS? then set " + RegistryClientConfig.SSL_PREFIX
                + "ssl.keystore.location" + (config.tls().isPresent() ? ", and check that its CA trusts that certificate" : "")
                + ")";
    }

    private static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException.Unavailable("Interrupted while waiting to retry", -1, e);
        }
    }
}
