package io.driftwatch.cli.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.Severity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A scenario's expected.json (scenarios/README.md), checked against replay output; every failure at once. */
final class ScenarioExpectations {
    private final JsonNode expected;

    private ScenarioExpectations(JsonNode expected) {
        this.expected = expected;
    }

    static ScenarioExpectations read(Path file) throws IOException {
        return new ScenarioExpectations(new ObjectMapper().readTree(file.toFile()));
    }

    List<String> failures(List<Alert> alerts, List<ResponseCommand> commands) {
        List<String> failures = new ArrayList<>();
        for (JsonNode must : expected.path("mustAlert")) {
            Set<String> ids = new HashSet<>();
            if (must.has("eventId")) {
                ids.add(must.get("eventId").asText());
            }
            must.path("anyOf").forEach(id -> ids.add(id.asText()));
            boolean met = alerts.stream().anyMatch(a -> satisfies(a, must, ids));
            if (!met) {
                failures.add("no alert satisfies " + must + "; alerts on those events: " + alerts.stream()
                        .filter(a -> a.getEventIds().stream().anyMatch(ids::contains))
                        .map(a -> a.getRuleId() + " " + a.getSeverity() + " " + a.getMitre() + " users " + a.getUsers()).toList());
            }
        }
        for (JsonNode id : expected.path("mustNotAlert")) {
            alerts.stream().filter(a -> a.getEventIds().contains(id.asText())).forEach(a ->
                    failures.add("event " + id.asText() + " must raise no alert, but " + a.getRuleId() + " named it"));
        }
        for (JsonNode must : expected.path("mustCommand")) {
            boolean met = commands.stream().anyMatch(c -> c.getAction().name().equals(must.path("action").asText())
                    && must.path("containerId").asText().equals(c.getContainerId()));
            if (!met) {
                failures.add("no command " + must + "; commands: " + commands.stream()
                        .map(c -> c.getAction() + "@" + c.getContainerId()).toList());
            }
        }
        return failures;
    }

    private static boolean satisfies(Alert alert, JsonNode must, Set<String> ids) {
        if (alert.getEventIds().stream().noneMatch(ids::contains)) {
            return false;
        }
        if (must.has("minSeverity") && alert.getSeverity().ordinal() < Severity.valueOf(must.get("minSeverity").asText()).ordinal()) {
            return false;
        }
        if (must.has("mitreAny")) {
            boolean shares = false;
            for (JsonNode technique : must.get("mitreAny")) {
                for (String mine : alert.getMitre()) {
                    shares |= sameTechnique(mine, technique.asText());
                }
            }
            if (!shares) {
                return false;
            }
        }
        if (must.has("users")) {
            Set<String> users = new HashSet<>();
            must.get("users").forEach(u -> users.add(u.asText()));
            return users.equals(new HashSet<>(alert.getUsers()));
        }
        return true;
    }

    /** A parent technique matches its sub-techniques and the other way round. */
    static boolean sameTechnique(String a, String b) {
        return a.equals(b) || a.startsWith(b + ".") || b.startsWith(a + ".");
    }
}
