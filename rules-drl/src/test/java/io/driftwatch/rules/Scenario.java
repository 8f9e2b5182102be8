package io.driftwatch.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One scenario folder (containers.jsonl, exec-sessions.jsonl, image-baselines.jsonl, events.jsonl, expected.json) run
 * through a {@link RuleEvaluator} with a simplified version of DESIGN.md's enrichment and
 * attribution, and checked against expected.json.
 */
final class Scenario {
  final String name;
  final Map<String, ContainerMetadata> containers = new HashMap<>();
  final List<ExecSession> sessions = new ArrayList<>();
  final List<FileEvent> events = new ArrayList<>();
  final List<io.driftwatch.model.ImageBaseline> images = new ArrayList<>();
  final JsonNode expected;

  record Result(List<Alert> alerts, List<ResponseCommand> commands) {}

  Scenario(String name, Path dir) {
    this.name = name;
    for (JsonNode n : Records.jsonLines(dir.resolve("containers.jsonl"))) {
      ContainerMetadata container = Records.container(n);
      containers.put(container.getContainerId(), container);
    }
    if (Files.exists(dir.resolve("exec-sessions.jsonl"))) {
      Records.jsonLines(dir.resolve("exec-sessions.jsonl")).forEach(n -> sessions.add(Records.execSession(n)));
    }
    if (Files.exists(dir.resolve("image-baselines.jsonl"))) {
      try {
        images.addAll(io.driftwatch.schemas.json.BaselineFiles.read(dir.resolve("image-baselines.jsonl")));
      } catch (Exception e) {
        throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
      }
    }
    Records.jsonLines(dir.resolve("events.jsonl")).forEach(n -> events.add(Records.fileEvent(n)));
    events.sort(Comparator.comparingLong(FileEvent::getTimestamp)); // stable: file order within a millisecond
    expected = Records.json(dir.resolve("expected.json"));
  }

  Result run(RuleSet rules) {
    List<Alert> alerts = new ArrayList<>();
    List<ResponseCommand> commands = new ArrayList<>();
    try (RuleEvaluator evaluator = new RuleEvaluator(rules)) {
      evaluator.useImages(io.driftwatch.rules.image.ImageBaselines.of(images));
      Attribution attribution = new Attribution();
      long last = 0;
      for (FileEvent event : events) {
        ContainerMetadata container = containers.get(event.getContainerId());
        EnrichedEvent enriched = EnrichedEvent.newBuilder()
            .setEvent(event)
            .setContainer(container)
            .setUsers(attribution.users(event, container))
            .setEnrichment(container == null ? Enrichment.METADATA_MISSING : Enrichment.COMPLETE)
            .build();
        Outputs outputs = evaluator.evaluate(enriched);
        alerts.addAll(outputs.alerts());
        commands.addAll(outputs.commands());
        last = Math.max(last, event.getTimestamp());
      }
      Outputs end = evaluator.advanceTo(last + 60 * 60_000L);
      alerts.addAll(end.alerts());
      commands.addAll(end.commands());
    }
    return new Result(alerts, commands);
  }

  /** Every way the result misses expected.json, empty when it holds. */
  List<String> check(Result result) {
    List<String> failures = new ArrayList<>();
    for (JsonNode entry : expected.path("mustAlert")) {
      Set<String> ids = new HashSet<>(Records.strings(entry, "anyOf"));
      if (entry.hasNonNull("eventId")) {
        ids.add(entry.get("eventId").asText());
      }
      boolean satisfied = result.alerts().stream().anyMatch(alert -> satisfies(alert, ids, entry));
      if (!satisfied) {
        failures.add("mustAlert " + entry + " not satisfied by " + describe(result.alerts()));
      }
    }
    for (JsonNode id : expected.path("mustNotAlert")) {
      result.alerts().stream().filter(a -> a.getEventIds().contains(id.asText()))
          .forEach(a -> failures.add("mustNotAlert " + id.asText() + " but " + a.getRuleId() + " named it: " + a.getMessage()));
    }
    for (JsonNode command : expected.path("mustCommand")) {
      boolean issued = result.commands().stream().anyMatch(c -> c.getAction().name().equals(command.path("action").asText())
          && command.path("containerId").asText().equals(c.getContainerId()));
      if (!issued) {
        failures.add("mustCommand " + command + " not among " + result.commands().stream()
            .map(c -> c.getAction() + "/" + c.getContainerId()).toList());
      }
    }
    return failures;
  }

  private static boolean satisfies(Alert alert, Set<String> eventIds, JsonNode entry) {
    if (alert.getEventIds().stream().noneMatch(eventIds::contains)) {
      return false;
    }
    if (entry.hasNonNull("minSeverity")
        && alert.getSeverity().compareTo(Severity.valueOf(entry.get("minSeverity").asText())) < 0) {
      return false;
    }
    if (entry.hasNonNull("mitreAny")) {
      List<String> wanted = Records.strings(entry, "mitreAny");
      if (alert.getMitre().stream().noneMatch(t -> wanted.stream().anyMatch(w -> sameTechnique(t, w)))) {
        return false;
      }
    }
    if (entry.has("users")) {
      return new TreeSet<>(alert.getUsers()).equals(new TreeSet<>(Records.strings(entry, "users")));
    }
    return true;
  }

  /** A parent technique matches its sub-techniques and the other way round. */
  static boolean sameTechnique(String a, String b) {
    return a.equals(b) || a.startsWith(b + ".") || b.startsWith(a + ".");
  }

  private static List<String> describe(List<Alert> alerts) {
    return alerts.stream().map(a -> a.getRuleId() + " " + a.getSeverity() + " " + a.getMitre() + " users="
        + a.getUsers() + " events=" + a.getEventIds()).toList();
  }

  /**
   * Simplified attribution: a process is the workload's when it is pid 1 (or the container's
   * initPid) or descends from it through the pid/ppid links seen so far in that container; any
   * other process gets the users of the exec sessions open into its container at the event's time.
   */
  private final class Attribution {
    private final Map<String, Map<Integer, Integer>> parents = new HashMap<>();

    List<String> users(FileEvent event, ContainerMetadata container) {
      Map<Integer, Integer> links = parents.computeIfAbsent(event.getContainerId(), id -> new HashMap<>());
      if (event.getPid() != null && event.getPpid() != null) {
        links.put(event.getPid(), event.getPpid());
      }
      if (event.getPid() == null || isWorkload(event.getPid(), links, container)) {
        return List.of();
      }
      Set<String> users = new TreeSet<>();
      for (ExecSession session : sessions) {
        boolean open = session.getStartedAt() <= event.getTimestamp()
            && (session.getEndedAt() == null || event.getTimestamp() <= session.getEndedAt());
        if (open && intoContainer(session, event, container) && session.getUser() != null) {
          users.add(session.getUser());
        }
      }
      return List.copyOf(users);
    }

    private boolean isWorkload(int pid, Map<Integer, Integer> links, ContainerMetadata container) {
      Set<Integer> seen = new HashSet<>();
      Integer current = pid;
      while (current != null && seen.add(current)) {
        if (current == 1 || (container != null && container.getInitPid() != null && current.equals(container.getInitPid()))) {
          return true;
        }
        current = links.get(current);
      }
      return false;
    }

    private boolean intoContainer(ExecSession session, FileEvent event, ContainerMetadata container) {
      if (session.getContainerId() != null) {
        return session.getContainerId().equals(event.getContainerId());
      }
      return container != null && container.getNamespace() != null
          && container.getNamespace().equals(session.getNamespace())
          && container.getPodName() != null && container.getPodName().equals(session.getPodName())
          && (session.getContainerName() == null || session.getContainerName().equals(container.getContainerName()));
    }
  }
}
