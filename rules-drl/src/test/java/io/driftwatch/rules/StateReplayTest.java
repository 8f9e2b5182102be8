package io.driftwatch.rules;

import static io.driftwatch.rules.TestEvents.T0;
import static io.driftwatch.rules.TestEvents.enriched;
import static io.driftwatch.rules.TestEvents.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ResponseCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a restarted task relies on: replaying only the events after which
 * {@link RuleEvaluator#stateChanges()} moved, then advancing to the clock, rebuilds a session that
 * goes on exactly as the uninterrupted one (same alerts, same commands, same ids).
 */
class StateReplayTest {
  private static final EventType[] TYPES = {EventType.CREATE, EventType.OPEN_WRITE, EventType.MODIFY, EventType.DELETE,
      EventType.RENAME, EventType.CHMOD, EventType.EXEC, EventType.OPEN_READ, EventType.OPEN_READ, EventType.DELETE};
  private static final String[] PATHS = {"/tmp/a", "/tmp/b", "/srv/data/", "/usr/bin/dpkg", "/var/log/app.log",
      "/etc/passwd", "/root/.bash_history", "/app/lib.so"};

  private static List<EnrichedEvent> workload(long seed, int size) {
    Random random = new Random(seed);
    List<EnrichedEvent> events = new ArrayList<>();
    long time = T0;
    for (int i = 0; i < size; i++) {
      time += random.nextInt(400);
      EventType type = TYPES[random.nextInt(TYPES.length)];
      String path = PATHS[random.nextInt(PATHS.length)];
      if (path.endsWith("/")) {
        path = path + "f" + random.nextInt(60);
      }
      String process = random.nextInt(5) == 0 ? "dpkg" : "python3";
      var builder = event("e" + i, time, type, path, process, "/usr/bin/" + process)
          .setContainerId("c" + random.nextInt(3)).setPid(100 + random.nextInt(2));
      if (type == EventType.RENAME) {
        builder.setNewPath("/usr/local/bin/t" + random.nextInt(3));
      }
      if (type == EventType.CHMOD) {
        builder.setMode(0755).setPreviousMode(0644);
      }
      events.add(enriched(builder));
    }
    return events;
  }

  private static List<String> ids(Outputs outputs) {
    List<String> ids = new ArrayList<>();
    outputs.alerts().stream().map(Alert::getAlertId).forEach(ids::add);
    outputs.commands().stream().map(ResponseCommand::getCommandId).forEach(ids::add);
    return ids;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 150, 777, 1500, 2600})
  void replayingTheStateChangingEventsContinuesLikeTheUninterruptedSession(int cut) {
    List<EnrichedEvent> events = workload(42, 3000);
    List<String> uninterrupted = new ArrayList<>();
    List<EnrichedEvent> kept = new ArrayList<>();
    long clockAtCut = 0;
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      for (int i = 0; i < events.size(); i++) {
        long before = evaluator.stateChanges();
        Outputs outputs = evaluator.evaluate(events.get(i));
        if (i < cut && evaluator.stateChanges() != before) {
          kept.add(events.get(i));
        }
        if (i == cut - 1) {
          clockAtCut = evaluator.currentTime();
        }
        if (i >= cut) {
          uninterrupted.addAll(ids(outputs));
        }
      }
      uninterrupted.addAll(ids(evaluator.advanceTo(T0 + 10 * 3_600_000L)));
    }
    assertTrue(uninterrupted.size() > 5, "the workload raises alerts after the cut: " + uninterrupted.size());
    assertTrue(kept.size() < cut || cut == 1, "only some events are kept: " + kept.size() + " of " + cut);

    List<String> rebuilt = new ArrayList<>();
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      kept.forEach(evaluator::evaluate);
      evaluator.advanceTo(clockAtCut);
      for (int i = cut; i < events.size(); i++) {
        rebuilt.addAll(ids(evaluator.evaluate(events.get(i))));
      }
      rebuilt.addAll(ids(evaluator.advanceTo(T0 + 10 * 3_600_000L)));
    }
    assertEquals(uninterrupted, rebuilt);
  }
}
