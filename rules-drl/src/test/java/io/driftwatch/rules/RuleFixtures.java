package io.driftwatch.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.FileEvent;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Per-rule fixtures: src/main/resources/io/driftwatch/rules/fixtures/&lt;rule id&gt;.json holds cases that must fire the
 * rule ({@code fires}) and near misses that must not ({@code quiet}).
 *
 * <pre>{@code
 * { "rule": "DW-FIM-001",
 *   "fires": [ { "name": "...", "events": [ { "type": "OPEN_WRITE", "path": "/usr/bin/dpkg", "processName": "cp", "exe": "/bin/cp" } ] } ],
 *   "quiet": [ { "name": "...", "namespace": "kube-system", "events": [ ... ] } ] }
 * }</pre>
 *
 * Events give only what matters (see {@link TestEvents#fixtureEvent}); {@code t} is the offset
 * in milliseconds (default: one second per event), {@code users} the attributed users. A case
 * may set {@code namespace}, or {@code "container": null} for an event without metadata.
 * A firing case passes when an alert of the rule names the case's last event.
 */
final class RuleFixtures {
  record Case(String ruleId, String name, boolean fires, List<EnrichedEvent> events) {
    FileEvent last() {
      return events.get(events.size() - 1).getEvent();
    }

    @Override
    public String toString() {
      return ruleId + (fires ? " fires: " : " quiet: ") + name;
    }
  }

  record Fixture(Path file, String ruleId, List<Case> fires, List<Case> quiet) {}

  private RuleFixtures() {}

  static Path directory() {
    try {
      return Path.of(RuleFixtures.class.getResource("/io/driftwatch/rules/fixtures").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Fixture> all() throws IOException {
    try (Stream<Path> files = Files.list(directory())) {
      List<Fixture> fixtures = new ArrayList<>();
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        fixtures.add(read(file));
      }
      return fixtures;
    }
  }

  static Fixture read(Path file) {
    JsonNode root = Records.json(file);
    String ruleId = root.path("rule").asText();
    return new Fixture(file, ruleId, cases(ruleId, root.path("fires"), true), cases(ruleId, root.path("quiet"), false));
  }

  private static List<Case> cases(String ruleId, JsonNode array, boolean fires) {
    List<Case> cases = new ArrayList<>();
    int index = 0;
    for (JsonNode node : array) {
      index++;
      String name = node.path("name").asText("case " + index);
      ContainerMetadata container = node.has("container") && node.get("container").isNull() ? null
          : TestEvents.container(TestEvents.CONTAINER_ID, node.path("namespace").asText("payments"));
      List<EnrichedEvent> events = new ArrayList<>();
      int position = 0;
      for (JsonNode event : node.path("events")) {
        position++;
        String eventId = ruleId + (fires ? "-fires-" : "-quiet-") + index + "-" + position;
        FileEvent fileEvent = TestEvents.fixtureEvent(event, eventId, position * 1000L);
        events.add(TestEvents.enriched(fileEvent, container, Records.strings(event, "users").toArray(String[]::new)));
      }
      if (events.isEmpty()) {
        throw new IllegalArgumentException(ruleId + " case " + name + " has no events");
      }
      cases.add(new Case(ruleId, name, fires, events));
    }
    return cases;
  }
}
