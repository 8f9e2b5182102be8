package io.driftwatch.app.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.driftwatch.app.query.TrailQuery;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentResponse;
import io.driftwatch.model.IncidentStatusChange;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * src/openapi.yaml is the API's contract for tools outside the project: it must name what the server takes and
 * what the records hold, and every path it lists must be served.
 */
class ApiContractTest {
    static final Path OPENAPI = Path.of("..", "src", "openapi.yaml");

    static JsonNode openapi() throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(OPENAPI.toFile());
    }

    @Test
    void theTrailsParametersAreTheOnesTrailQueryReads() throws Exception {
        List<String> documented = new ArrayList<>();
        openapi().at("/paths/~1api~1v1~1trail/get/parameters").forEach(p -> documented.add(p.get("name").asText()));
        assertEquals(TrailQuery.PARAMETERS, documented);
    }

    @Test
    void theRecordSchemasNameEveryFieldOfTheAvroRecords() throws Exception {
        JsonNode schemas = openapi().at("/components/schemas");
        for (Schema avro : List.of(FileEvent.getClassSchema(), ContainerMetadata.getClassSchema(),
                EnrichedEvent.getClassSchema(), Alert.getClassSchema(), Incident.getClassSchema(),
                IncidentResponse.getClassSchema(), IncidentStatusChange.getClassSchema(),
                io.driftwatch.model.DrillReport.getClassSchema(), io.driftwatch.model.DrillEscalation.getClassSchema(),
                io.driftwatch.model.DrillCheck.getClassSchema(),
                io.driftwatch.model.IncidentPlan.getClassSchema(), io.driftwatch.model.PlanRecipient.getClassSchema(),
                io.driftwatch.model.PlaybookStep.getClassSchema(), io.driftwatch.model.PlanEscalation.getClassSchema(),
                io.driftwatch.model.PlanObligation.getClassSchema(), io.driftwatch.model.PlanNotice.getClassSchema())) {
            List<String> documented = new ArrayList<>();
            schemas.path(avro.getName()).path("properties").fieldNames().forEachRemaining(documented::add);
            List<String> fields = avro.getFields().stream().map(Schema.Field::name).toList();
            assertEquals(fields, documented, "src/openapi.yaml's " + avro.getName() + " must list the record's fields "
                    + "(JSON records carry every field): update components/schemas/" + avro.getName());
        }
    }

    @Test
    void everyDocumentedPathIsServed() throws Exception {
        FixtureInvestigation fixture = new FixtureInvestigation();
        try (ConsoleServer server = ConsoleServer.start(ConsoleSettings.loopback(0), fixture, fixture, () -> true)) {
            HttpClient http = HttpClient.newHttpClient();
            Map<String, String> examples = Map.of("{id}", FixtureInvestigation.INCIDENT_ID, "{stepId}", "rotate",
                    "{obligationId}", "breach-72h");
            for (var paths = openapi().get("paths").fields(); paths.hasNext(); ) {
                var path = paths.next();
                String concrete = path.getKey();
                if (concrete.startsWith("/api/v1/captures/")) {
                    concrete = concrete.replace("{id}", FixtureInvestigation.CAPTURE_ID);
                }
                for (var e : examples.entrySet()) {
                    concrete = concrete.replace(e.getKey(), e.getValue());
                }
                if (path.getValue().has("get")) {
                    int status = http.send(HttpRequest.newBuilder(URI.create(server.url() + concrete)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                    assertNotEquals(404, status, "GET " + concrete);
                    assertTrue(status == 200 || status == 400, "GET " + concrete + ": " + status);
                }
                if (path.getValue().has("post")) {
                    int status = http.send(HttpRequest.newBuilder(URI.create(server.url() + concrete))
                                    .header("Content-Type", "application/json").header("X-Driftwatch-User", "contract")
                                    .POST(HttpRequest.BodyPublishers.ofString(concrete.contains("/plan/steps/")
                                            ? "{\"status\": \"done\", \"note\": \"x\"}"
                                            : concrete.contains("/plan/obligations/")
                                            ? "{\"status\": \"met\", \"note\": \"x\"}"
                                            : "{\"status\": \"ACKNOWLEDGED\", \"note\": \"x\"}"))
                                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                    assertEquals(200, status, "POST " + concrete);
                }
            }
        }
    }
}
