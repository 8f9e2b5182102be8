package io.driftwatch.rules;

import static io.driftwatch.rules.TestEvents.T0;
import static io.driftwatch.rules.TestEvents.enriched;
import static io.driftwatch.rules.TestEvents.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EventType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Noise control (repeats collapsed into one alert with a count) and state kept across a rule-set swap. */
class EvaluatorStateTest {
  private static final long SECOND = 1000L;

  @TempDir
  Path dir;

  @Test
  void repeatsOnTheSameContainerAndPathCollapseIntoOneAlertWithACount() {
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      List<Alert> alerts = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        alerts.addAll(evaluator.evaluate(enriched(event("w" + i, T0 + i * SECOND, EventType.OPEN_WRITE, "/usr/bin/dpkg",
            "cp", "/bin/cp"))).alerts());
      }
      assertEquals(1, alerts.size(), "the first firing alerts at once, the repeats wait: " + alerts);
      assertEquals(List.of("w0"), alerts.get(0).getEventIds());
      assertEquals(1, alerts.get(0).getCount());

      // Another path is another alert, at once.
      assertEquals(1, evaluator.evaluate(enriched(event("o", T0 + 6 * SECOND, EventType.OPEN_WRITE, "/usr/bin/apt",
          "cp", "/bin/cp"))).alerts().size());

      // The window (60 s from the first alert) closes: one alert for the four repeats.
      List<Alert> closing = evaluator.advanceTo(T0 + 61 * SECOND).alerts();
      assertEquals(1, closing.size(), closing.toString());
      Alert collapsed = closing.get(0);
      assertEquals("DW-FIM-001", collapsed.getRuleId());
      assertEquals(4, collapsed.getCount());
      assertEquals(List.of("w1", "w2", "w3", "w4"), collapsed.getEventIds());
      assertEquals("/usr/bin/dpkg", collapsed.getPath());
      assertEquals(T0 + 4 * SECOND, collapsed.getTimestamp(), "the time of the newest repeat");
      assertTrue(collapsed.getMessage().contains("repeated 4 times"), collapsed.getMessage());
      assertNotEquals(alerts.get(0).getAlertId(), collapsed.getAlertId());

      // After the window a firing alerts at once again.
      assertEquals(1, evaluator.evaluate(enriched(event("w9", T0 + 70 * SECOND, EventType.OPEN_WRITE, "/usr/bin/dpkg",
          "cp", "/bin/cp"))).alerts().size());
    }
  }

  @Test
  void aCollapsedAlertClosesAtItsWindowEvenWhenTheClockJumpsSoItsCommandsStayDeduplicated() {
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      Outputs first = evaluator.evaluate(enriched(event("w0", T0, EventType.OPEN_WRITE, "/usr/bin/dpkg", "cp", "/bin/cp")));
      assertEquals(3, first.commands().size(), "snapshot, pause, notify: " + first.commands());
      evaluator.evaluate(enriched(event("w1", T0 + SECOND, EventType.OPEN_WRITE, "/usr/bin/dpkg", "cp", "/bin/cp")));
      // The end of a replay: hours at once, far past the commands' ten minutes.
      Outputs end = evaluator.advanceTo(T0 + 5 * 3_600_000L);
      assertEquals(1, end.alerts().size());
      assertEquals(List.of(), end.commands(), "the collapsed alert came at T0+60 s, within the first commands' window");
    }
  }

  @Test
  void aCollapsedAlertKeepsABoundedListOfEventIds() {
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      int firings = OutputCollector.MAX_COLLAPSED_EVENT_IDS + 50;
      for (int i = 0; i < firings; i++) {
        evaluator.evaluate(enriched(event("w" + i, T0 + i * 100L, EventType.MODIFY, "/bin/sh", "python3", "/usr/bin/python3")));
      }
      Alert collapsed = evaluator.advanceTo(T0 + 10 * 60 * SECOND).alerts().get(0);
      assertEquals(firings - 1, collapsed.getCount());
      assertEquals(OutputCollector.MAX_COLLAPSED_EVENT_IDS, collapsed.getEventIds().size());
    }
  }

  @Test
  void collapsingCanBeTurnedOff() {
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn(), java.util.Set.of(), 0)) {
      int alerts = 0;
      for (int i = 0; i < 3; i++) {
        alerts += evaluator.evaluate(enriched(event("w" + i, T0 + i, EventType.OPEN_WRITE, "/usr/bin/dpkg", "cp", "/bin/cp")))
            .alerts().size();
      }
      assertEquals(3, alerts);
    }
  }

  @Test
  void aBurstOfChangesLeavesTheSessionOnceItsWindowHasPassed() throws Exception {
    Files.writeString(dir.resolve("thresholds.yaml"), "thresholds:\n  mass-change.count: 4\n");
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.load(dir))) {
      evaluator.evaluate(enriched(event("first", T0, EventType.OPEN_READ, "/etc/hostname", "cat", "/bin/cat")));
      long baseline = evaluator.factCount();
      for (int i = 0; i < 3; i++) {
        assertTrue(evaluator.evaluate(enriched(event("rm" + i, T0 + i, EventType.DELETE, "/srv/data/f" + i, "rm",
            "/bin/rm").setPid(77))).isEmpty());
      }
      assertEquals(baseline + 1, evaluator.factCount(), "one burst for three deletions");
      // The default window is 10 s from the burst's first change: a change at its last moment still counts.
      Outputs fourth = evaluator.evaluate(enriched(event("rm3", T0 + 10_000, EventType.DELETE, "/srv/data/f3", "rm",
          "/bin/rm").setPid(77)));
      Alert mass = fourth.alerts().stream().filter(a -> a.getRuleId().equals("DW-FIM-090")).findFirst().orElseThrow();
      assertEquals(List.of("rm0", "rm1", "rm2", "rm3"), mass.getEventIds());
      long withAlert = evaluator.factCount();
      // Just after the window the burst is gone (it used to stay ten minutes, with its events).
      evaluator.advanceTo(T0 + 10_001);
      assertEquals(withAlert - 1, evaluator.factCount(), "the burst stayed past its window");
      // A later change starts a burst of its own.
      assertTrue(evaluator.evaluate(enriched(event("rm4", T0 + 10_002, EventType.DELETE, "/srv/data/f4", "rm",
          "/bin/rm").setPid(77))).alerts().isEmpty());
      assertEquals(withAlert, evaluator.factCount());
    }
  }

  @Test
  void aNewRuleSetKeepsWhatStatefulRulesRemember() throws Exception {
    Files.writeString(dir.resolve("thresholds.yaml"), "thresholds:\n  mass-change.count: 4\n");
    RuleSet newRules = RuleSet.load(dir);
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      String oldVersion = evaluator.rules().version();
      assertTrue(evaluator.evaluate(enriched(event("drop", T0, EventType.CREATE, "/tmp/payload", "curl", "/usr/bin/curl")))
          .isEmpty());
      for (int i = 0; i < 3; i++) {
        assertTrue(evaluator.evaluate(enriched(event("rm" + i, T0 + 1 + i, EventType.DELETE, "/srv/data/f" + i, "python3",
            "/usr/bin/python3").setPid(77))).isEmpty());
      }
      long facts = evaluator.factCount();

      Outputs swapped = evaluator.replaceRules(newRules);
      assertTrue(swapped.isEmpty(), "carrying the state over raises nothing: " + swapped);
      assertEquals(newRules.version(), evaluator.rules().version());
      assertNotEquals(oldVersion, evaluator.rules().version());
      assertEquals(facts, evaluator.factCount(), "the same state in the new session");

      Outputs executed = evaluator.evaluate(enriched(event("run", T0 + 2 * SECOND, EventType.EXEC, "/tmp/payload",
          "payload", "/tmp/payload")));
      Alert dropped = executed.alerts().stream().filter(a -> a.getRuleId().equals("DW-EXE-001")).findFirst().orElseThrow();
      assertEquals(List.of("drop", "run"), dropped.getEventIds(), "the write remembered before the swap");
      assertEquals(newRules.version(), dropped.getRuleVersion());

      Outputs fourth = evaluator.evaluate(enriched(event("rm3", T0 + 3 * SECOND, EventType.DELETE, "/srv/data/f3", "python3",
          "/usr/bin/python3").setPid(77)));
      Alert mass = fourth.alerts().stream().filter(a -> a.getRuleId().equals("DW-FIM-090")).findFirst().orElseThrow();
      assertEquals(List.of("rm0", "rm1", "rm2", "rm3"), mass.getEventIds(),
          "three deletions counted by the old set, the fourth crosses the new set's threshold");
    }
  }

  @Test
  void aSwapThatFailsLeavesTheEvaluatorAsItWas() throws Exception {
    Files.createDirectories(dir.resolve("acme/classify"));
    Files.writeString(dir.resolve("acme/classify/failing.drl"), """
        package acme.classify;
        rule "Fails when a session starts"
            @id( "ACME-CLS-900" ) @maturity( "stable" ) @description( "Throws from its consequence." )
        when
        then
            throw new IllegalStateException( "boom" );
        end
        """);
    RuleSet failing = RuleSet.load(dir);
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      evaluator.evaluate(enriched(event("drop", T0, EventType.CREATE, "/tmp/payload", "curl", "/usr/bin/curl")));
      long facts = evaluator.factCount();
      org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> evaluator.replaceRules(failing));
      assertEquals(RuleSet.builtIn().version(), evaluator.rules().version());
      assertEquals(facts, evaluator.factCount());
      Alert dropped = evaluator.evaluate(enriched(event("run", T0 + SECOND, EventType.EXEC, "/tmp/payload", "payload",
          "/tmp/payload"))).alerts().get(0);
      assertEquals("DW-EXE-001", dropped.getRuleId());
      assertEquals(RuleSet.builtIn().version(), dropped.getRuleVersion());
    }
  }

  @Test
  void theSameRuleSetAgainChangesNothing() {
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      evaluator.evaluate(enriched(event("drop", T0, EventType.CREATE, "/tmp/payload", "curl", "/usr/bin/curl")));
      assertTrue(evaluator.replaceRules(RuleSet.builtIn()).isEmpty());
      assertEquals(1, evaluator.evaluate(enriched(event("run", T0 + 1, EventType.EXEC, "/tmp/payload", "payload",
          "/tmp/payload"))).alerts().size());
    }
  }
}
