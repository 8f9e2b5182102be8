package io.driftwatch.rules.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ImageBaseline;
import io.driftwatch.rules.RuleCompilationException.Problem;
import io.driftwatch.schemas.json.JsonRecordException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One rule's fixtures: cases that must fire it ({@code fires}) and near misses that must not
 * ({@code quiet}). The file is {@code fixtures/<rule id>.json}:
 *
 * <pre>{@code
 * { "rule": "DW-FIM-001",
 *   "fires": [ { "name": "cp overwrites /usr/bin/dpkg",
 *                "events": [ { "type": "OPEN_WRITE", "path": "/usr/bin/dpkg", "processName": "cp", "exe": "/bin/cp" } ] } ],
 *   "quiet": [ { "name": "dpkg upgrades itself", "namespace": "kube-system", "events": [ ... ] } ] }
 * }</pre>
 *
 * Events give only what matters (see {@link FixtureEvents}). A case may set {@code namespace},
 * {@code "container": {...}} (fields over the default container) or {@code "container": null}
 * for events without container metadata, and {@code "image": [...]} the files of the container's image (its
 * baseline, for the image drift rules; see {@link FixtureEvents#image}): without it the image has no baseline. All
 * events of a case run through one fresh evaluator;
 * a firing case passes when an alert of the rule names the case's last event, a near miss when
 * the rule raises nothing.
 *
 * @param source  where the file is: {@code fixtures/ACME-001.json} in a user directory, the
 *                classpath resource for the built-in pack
 * @param ruleId  the rule the fixtures are for
 * @param line    the line of {@code "rule"}
 */
public record Fixture(String source, String ruleId, int line, List<Case> fires, List<Case> quiet) {
  private static final Set<String> FIELDS = Set.of("rule", "fires", "quiet", "comment");
  private static final Set<String> CASE_FIELDS = Set.of("name", "events", "namespace", "container", "image",
      "comment");

  public Fixture {
    fires = List.copyOf(fires);
    quiet = List.copyOf(quiet);
  }

  /**
   * One case: events that must fire the rule, or must not.
   *
   * @param line the line where the case starts in {@code source}
   */
  public record Case(String ruleId, String name, boolean fires, String source, int line, List<EnrichedEvent> events,
                     List<ImageBaseline> images) {
    public Case {
      events = List.copyOf(events);
      images = List.copyOf(images);
    }

    /** A case whose container's image has no baseline. */
    public Case(String ruleId, String name, boolean fires, String source, int line, List<EnrichedEvent> events) {
      this(ruleId, name, fires, source, line, events, List.of());
    }

    /** The event that completes the case; a firing case's alert must name it. */
    public FileEvent last() {
      return events.get(events.size() - 1).getEvent();
    }

    /** {@code DW-FIM-001 case 'name'} or {@code DW-FIM-001 near miss 'name'}. */
    @Override
    public String toString() {
      return ruleId + (fires ? " case '" : " near miss '") + name + "'";
    }
  }

  /** What reading a fixture file gave: the fixture ({@code null} when it has problems) and its problems. */
  public record Read(Fixture fixture, List<Problem> problems) {
    public Read {
      problems = List.copyOf(problems);
    }
  }

  /** Firing cases, then near misses. */
  public List<Case> cases() {
    return Stream.concat(fires.stream(), quiet.stream()).toList();
  }

  /** Reads a fixture file; every problem at once, each with its line. */
  public static Read read(String source, String content) {
    LocatedJson json;
    try {
      json = LocatedJson.parse(content);
    } catch (LocatedJson.SyntaxError e) {
      return new Read(null, List.of(new Problem(source, e.line, e.getMessage())));
    }
    List<Problem> problems = new ArrayList<>();
    JsonNode root = json.root();
    if (!root.isObject()) {
      problems.add(new Problem(source, 1, "a fixture file is one JSON object: {\"rule\": ..., \"fires\": [...], \"quiet\": [...]}"));
      return new Read(null, problems);
    }
    unknownFields(json, root, FIELDS, source, "a fixture file has rule, fires and quiet", problems);
    JsonNode rule = root.get("rule");
    String ruleId = rule != null && rule.isTextual() && !rule.asText().isBlank() ? rule.asText().strip() : null;
    int ruleLine = json.line(root, "rule");
    if (ruleId == null) {
      problems.add(new Problem(source, ruleLine, "\"rule\" must name the rule's id, e.g. \"rule\": \"ACME-001\""));
    } else {
      String fileName = source.substring(source.lastIndexOf('/') + 1);
      if (!fileName.equals(ruleId + ".json")) {
        problems.add(new Problem(source, ruleLine, "has the fixtures of rule " + ruleId + ": call the file " + ruleId + ".json"));
      }
    }
    String id = ruleId == null ? "?" : ruleId;
    List<Case> fires = cases(json, root, "fires", id, true, source, problems);
    List<Case> quiet = cases(json, root, "quiet", id, false, source, problems);
    if (!problems.isEmpty()) {
      return new Read(null, problems);
    }
    return new Read(new Fixture(source, ruleId, ruleLine, fires, quiet), List.of());
  }

  private static List<Case> cases(LocatedJson json, JsonNode root, String field, String ruleId, boolean fires,
                                  String source, List<Problem> problems) {
    List<Case> cases = new ArrayList<>();
    JsonNode array = root.get(field);
    if (array == null || array.isNull()) {
      return cases;
    }
    if (!array.isArray()) {
      problems.add(new Problem(source, json.line(root, field), "\"" + field + "\" must be an array of cases"));
      return cases;
    }
    int index = 0;
    for (JsonNode node : array) {
      index++;
      int line = json.line(node) == 0 ? json.line(array) : json.line(node);
      if (!node.isObject()) {
        problems.add(new Problem(source, line, field + " case " + index + " must be an object with \"name\" and \"events\""));
        continue;
      }
      unknownFields(json, node, CASE_FIELDS, source, "a case has name, events, namespace, container and image",
          problems);
      String name = node.path("name").isTextual() ? node.get("name").asText() : "case " + index;
      String what = (fires ? "case '" : "near miss '") + name + "'";
      int before = problems.size();
      ContainerMetadata container = container(json, node, source, what, problems);
      List<ImageBaseline> images = List.of();
      JsonNode image = node.get("image");
      if (image != null && !image.isNull()) {
        if (container == null) {
          problems.add(new Problem(source, json.line(node, "image"), what
              + ": \"image\" needs a container (its imageDigest names the image)"));
          continue;
        }
        if (container.getImageDigest() == null) {
          container.setImageDigest(FixtureEvents.IMAGE_DIGEST);
        }
        try {
          images = List.of(FixtureEvents.image(container.getImageDigest(), image));
        } catch (JsonRecordException e) {
          problems.add(new Problem(source, json.line(node, "image"), what + ": image " + e.getMessage()));
          continue;
        }
      }
      JsonNode events = node.get("events");
      if (events == null || !events.isArray() || events.isEmpty()) {
        problems.add(new Problem(source, line, what + " needs \"events\": a non-empty array of events"));
        continue;
      }
      List<EnrichedEvent> enriched = new ArrayList<>();
      int position = 0;
      for (JsonNode event : events) {
        position++;
        int eventLine = json.line(event) == 0 ? json.line(events) : json.line(event);
        unknownFields(json, event, FixtureEvents.FIELDS, source, "a fixture event has FileEvent's fields (type, path, processName, exe, mode, newPath, ...), t and users", problems);
        String eventId = ruleId + (fires ? "-fires-" : "-quiet-") + index + "-" + position;
        try {
          FileEvent fileEvent = FixtureEvents.event(event, eventId, position * 1000L);
          enriched.add(FixtureEvents.enriched(fileEvent, container, FixtureEvents.users(event)));
        } catch (JsonRecordException e) {
          problems.add(new Problem(source, eventLine, what + ", event " + position + ": " + e.getMessage()));
        }
      }
      if (problems.size() == before) {
        cases.add(new Case(ruleId, name, fires, source, line, enriched, images));
      }
    }
    return cases;
  }

  private static ContainerMetadata container(LocatedJson json, JsonNode node, String source, String what,
                                             List<Problem> problems) {
    JsonNode namespace = node.get("namespace");
    if (namespace != null && !namespace.isTextual()) {
      problems.add(new Problem(source, json.line(node, "namespace"), what + ": \"namespace\" must be a string"));
      return null;
    }
    JsonNode container = node.get("container");
    if (container != null && container.isNull()) {
      return null; // events without container metadata
    }
    if (container != null && !container.isObject()) {
      problems.add(new Problem(source, json.line(node, "container"),
          what + ": \"container\" is null (no metadata) or an object of ContainerMetadata fields"));
      return null;
    }
    ObjectNode fields = container == null ? JsonNodeFactory.instance.objectNode() : ((ObjectNode) container).deepCopy();
    if (namespace != null) {
      fields.set("namespace", namespace);
    }
    try {
      return FixtureEvents.container(fields);
    } catch (JsonRecordException e) {
      problems.add(new Problem(source, json.line(node, container == null ? "namespace" : "container"), what + ": container " + e.getMessage()));
      return null;
    }
  }

  /** A misspelt field would be ignored silently and the case would test something else. */
  static void unknownFields(LocatedJson json, JsonNode object, Set<String> known, String source, String hint,
                            List<Problem> problems) {
    if (!object.isObject()) {
      return;
    }
    object.fieldNames().forEachRemaining(name -> {
      if (!known.contains(name)) {
        problems.add(new Problem(source, json.line(object, name), "unknown field \"" + name + "\" (" + hint + ")"));
      }
    });
  }
}
