package io.driftwatch.app.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.model.Alert;
import io.driftwatch.model.Capture;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Incident;
import io.driftwatch.schemas.json.JsonRecordException;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks another instance for what its own stores hold, over the same HTTP API, marked as a peer
 * request ({@code X-Driftwatch-Scope: local}) so that it answers locally instead of fanning out again.
 */
public final class PeerClient {
    public static final String SCOPE_HEADER = "X-Driftwatch-Scope";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String token;
    private final Duration timeout;

    /** {@code token}: the bearer token peers require (null on loopback without one). */
    public PeerClient(String token, Duration timeout) {
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.token = token;
        this.timeout = timeout;
    }

    public TrailPage trail(HostInfo host, TrailQuery query) {
        JsonNode root = getJson(host, "/api/v1/trail", query.toParameters());
        List<TrailPage.Entry> entries = new ArrayList<>();
        for (JsonNode node : root.path("events")) {
            List<String> alertIds = new ArrayList<>();
            node.path("alertIds").forEach(id -> alertIds.add(id.asText()));
            entries.add(new TrailPage.Entry(record(node, EnrichedEvent.class), alertIds));
        }
        JsonNode next = root.get("next");
        return new TrailPage(entries, next == null || next.isNull() ? null : next.asText());
    }

    public List<Incident> incidents(HostInfo host, InvestigationService.IncidentFilter filter) {
        Map<String, List<String>> params = new java.util.LinkedHashMap<>();
        if (filter.statuses() != null && !filter.statuses().isEmpty()) {
            params.put("status", filter.statuses().stream().map(Enum::name).toList());
        }
        if (filter.severities() != null && !filter.severities().isEmpty()) {
            params.put("severity", filter.severities().stream().map(Enum::name).toList());
        }
        if (filter.namespace() != null) {
            params.put("namespace", List.of(filter.namespace()));
        }
        params.put("limit", List.of(Integer.toString(filter.limit())));
        List<Incident> incidents = new ArrayList<>();
        for (JsonNode node : getJson(host, "/api/v1/incidents", params).path("incidents")) {
            incidents.add(record(node, Incident.class));
        }
        return incidents;
    }

    public Optional<Incident> incident(HostInfo host, String incidentId) {
        HttpResponse<String> response = get(host, "/api/v1/incidents/" + encode(incidentId), Map.of());
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        return Optional.of(record(parse(host, response), Incident.class));
    }

    public Optional<Capture> capture(HostInfo host, String captureId) {
        HttpResponse<String> response = get(host, "/api/v1/captures/" + encode(captureId), Map.of());
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        check(host, response);
        try {
            return Optional.of(CaptureLines.read(new BufferedReader(new StringReader(response.body())),
                    "capture from " + host));
        } catch (Exception e) {
            throw new StoreUnavailableException("instance " + host + " sent a capture that cannot be read: " + e.getMessage(), e);
        }
    }

    public List<Alert> alerts(HostInfo host, InvestigationService.AlertFilter filter) {
        Map<String, List<String>> params = new java.util.LinkedHashMap<>();
        if (filter.alertIds() != null && !filter.alertIds().isEmpty()) {
            params.put("alertId", filter.alertIds());
        }
        if (filter.containerIds() != null && !filter.containerIds().isEmpty()) {
            params.put("containerId", filter.containerIds());
        }
        params.put("from", List.of(Long.toString(filter.from())));
        params.put("to", List.of(Long.toString(filter.to())));
        params.put("limit", List.of(Integer.toString(filter.limit())));
        List<Alert> alerts = new ArrayList<>();
        for (JsonNode node : getJson(host, "/api/v1/alerts", params).path("alerts")) {
            alerts.add(record(node, Alert.class));
        }
        return alerts;
    }

    private JsonNode getJson(HostInfo host, String path, Map<String, List<String>> params) {
        return parse(host, get(host, path, params));
    }

    private JsonNode parse(HostInfo host, HttpResponse<String> response) {
        check(host, response);
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new StoreUnavailableException("instance " + host + " answered with something that is not JSON", e);
        }
    }

    private static void check(HostInfo host, HttpResponse<String> response) {
        int status = response.statusCode();
        if (status == 400) {
            String body = response.body();
            throw new IllegalArgumentException(body.length() > 500 ? body.substring(0, 500) : body);
        }
        if (status != 200) {
            throw new StoreUnavailableException("instance " + host + " answered HTTP " + status);
        }
    }

    private HttpResponse<String> get(HostInfo host, String path, Map<String, List<String>> params) {
        StringJoiner query = new StringJoiner("&");
        params.forEach((name, values) -> values.forEach(v -> query.add(encode(name) + "=" + encode(v))));
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + path + (params.isEmpty() ? "" : "?" + query));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).header(SCOPE_HEADER, "local").GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new StoreUnavailableException("instance " + host + " does not answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while asking " + host, e);
        }
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> T record(JsonNode node, Class<T> type) {
        try {
            return JsonRecords.fromNode(node, type);
        } catch (JsonRecordException e) {
            throw new StoreUnavailableException("a peer sent a " + type.getSimpleName() + " that cannot be read: "
                    + e.getMessage(), e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
