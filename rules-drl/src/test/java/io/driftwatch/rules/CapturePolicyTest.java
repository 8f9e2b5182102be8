package io.driftwatch.rules;

import static io.driftwatch.rules.TestEvents.T0;
import static io.driftwatch.rules.TestEvents.container;
import static io.driftwatch.rules.TestEvents.enriched;
import static io.driftwatch.rules.TestEvents.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EventType;
import io.driftwatch.model.Severity;
import io.driftwatch.rules.RuleCompilationException.Problem;
import io.driftwatch.rules.tuning.CapturePolicy;
import io.driftwatch.rules.tuning.CapturePolicy.Window;
import io.driftwatch.rules.tuning.Tuning;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The captures section of the tuning files, and the capture requests the evaluator returns with its alerts. */
class CapturePolicyTest {
  private static final long MINUTE = 60_000L;

  @TempDir
  Path dir;

  private static CapturePolicy policy(String yaml) throws Tuning.TuningException {
    return Tuning.parse(yaml).captures();
  }

  private static Optional<Window> window(long before, long after) {
    return Optional.of(new Window(before, after));
  }

  @Test
  void byDefaultHighAndAboveAskForFiveMinutesEachSide() {
    CapturePolicy defaults = Tuning.empty().captures();
    assertTrue(defaults.isDefault());
    assertEquals(window(5 * MINUTE, 5 * MINUTE), defaults.windowFor("DW-FIM-001", "payments", Severity.HIGH));
    assertEquals(window(5 * MINUTE, 5 * MINUTE), defaults.windowFor("DW-FIM-002", null, Severity.CRITICAL));
    assertEquals(Optional.empty(), defaults.windowFor("DW-FIM-010", "payments", Severity.MEDIUM));
    assertEquals(Optional.empty(), defaults.windowFor("DW-FIM-010", "payments", Severity.INFO));
  }

  @Test
  void theDefaultLevelRulesAndNamespacesOverrideFieldByField() throws Exception {
    CapturePolicy policy = policy("""
        captures:
          severity: MEDIUM
          before: 30s
          after: 120000
          rules: {DW-FIM-001: {before: 10m, after: 2m}, DW-EXE-*: {severity: LOW}, DW-EXE-00*: {after: 1h}}
          namespaces: {payments: {after: 15m}, ci: {severity: off}}
        """);
    assertEquals(window(30_000, 2 * MINUTE), policy.windowFor("DW-FIM-010", "shop", Severity.MEDIUM), "the file's default");
    assertEquals(Optional.empty(), policy.windowFor("DW-FIM-010", "shop", Severity.LOW), "below its severity");
    assertEquals(window(30_000, 15 * MINUTE), policy.windowFor("DW-FIM-010", "payments", Severity.MEDIUM), "namespace");
    assertEquals(window(10 * MINUTE, 2 * MINUTE), policy.windowFor("DW-FIM-001", "payments", Severity.HIGH),
        "the rule before its namespace");
    assertEquals(window(30_000, 60 * MINUTE), policy.windowFor("DW-EXE-003", "shop", Severity.LOW),
        "both prefixes: the shorter one's severity, the longer one's after");
    assertEquals(Optional.empty(), policy.windowFor("DW-EXE-003", "shop", Severity.INFO));
    assertEquals(Optional.empty(), policy.windowFor("DW-FIM-002", "ci", Severity.CRITICAL), "off in ci");
    assertEquals(Optional.empty(), policy.windowFor("DW-FIM-001", "ci", Severity.HIGH),
        "the rule sets only windows: ci's severity (off) still applies");
  }

  @Test
  void aRuleWinsOverItsNamespaceEvenForSeverity() throws Exception {
    CapturePolicy policy = policy("""
        captures:
          rules: {DW-FIM-001: {severity: HIGH}, DW-EXE-*: {severity: MEDIUM}}
          namespaces: {ci: {severity: off}}
        """);
    assertEquals(window(5 * MINUTE, 5 * MINUTE), policy.windowFor("DW-FIM-001", "ci", Severity.HIGH));
    assertEquals(window(5 * MINUTE, 5 * MINUTE), policy.windowFor("DW-EXE-004", "shop", Severity.MEDIUM), "prefix");
    assertEquals(Optional.empty(), policy.windowFor("DW-EXE-004", "ci", Severity.LOW));
    assertEquals(Optional.empty(), policy.windowFor("DW-FIM-002", "ci", Severity.CRITICAL));
  }

  @Test
  void offEverywhere() throws Exception {
    assertEquals(Optional.empty(), policy("captures: {severity: off}\n").windowFor("DW-FIM-002", "x", Severity.CRITICAL));
    assertEquals(Optional.empty(), policy("captures: {severity: \"OFF\"}\n").windowFor("DW-FIM-002", "x", Severity.CRITICAL));
  }

  @Test
  void laterFilesOverrideEarlierOnesFieldByField() throws Exception {
    CapturePolicy combined = Tuning.combine(List.of(
        Tuning.parse("captures: {before: 1m, rules: {DW-FIM-001: {after: 7m}}}\n"),
        Tuning.parse("thresholds: {mass-change.count: 10}\n"),
        Tuning.parse("captures: {after: 2m, rules: {DW-FIM-001: {before: 3m}}}\n"))).captures();
    assertEquals(window(MINUTE, 2 * MINUTE), combined.windowFor("DW-FIM-002", null, Severity.HIGH));
    assertEquals(window(3 * MINUTE, 7 * MINUTE), combined.windowFor("DW-FIM-001", null, Severity.HIGH));
  }

  @Test
  void badValuesAreRefusedWithFileAndLine() throws Exception {
    Files.writeString(dir.resolve("severity.yaml"), """
        captures:
          severity: URGENT
        """);
    Files.writeString(dir.resolve("duration.yaml"), """
        captures:
          before: 5m
          rules:
            DW-FIM-001:
              after: 5 minutes
        """);
    Files.writeString(dir.resolve("key.yaml"), """
        captures:
          namespaces:
            ci: {sevrity: off}
        """);
    Files.writeString(dir.resolve("pattern.yaml"), """
        captures:
          rules:
            DW-*-001: {severity: LOW}
        """);
    Files.writeString(dir.resolve("empty.yaml"), """
        captures:
          namespaces:
            payments: {}
        """);
    Files.writeString(dir.resolve("long.yaml"), """
        captures:
          after: 25h
        """);
    Files.writeString(dir.resolve("negative.yaml"), """
        captures:

          before: -5m
        """);
    RuleCompilationException refused = assertThrows(RuleCompilationException.class, () -> RuleSet.load(dir));
    List<String> problems = refused.problems().stream().map(Problem::toString).toList();
    assertEquals(7, problems.size(), problems.toString());
    assertProblem(problems, "severity.yaml:2: ", "INFO, LOW, MEDIUM, HIGH, CRITICAL or off");
    assertProblem(problems, "duration.yaml:5: ", "30s, 5m, 1h");
    assertProblem(problems, "key.yaml:3: ", "\"sevrity\"");
    assertProblem(problems, "pattern.yaml:3: ", "prefix ending in *");
    assertProblem(problems, "empty.yaml:3: ", "at least one of severity, before, after");
    assertProblem(problems, "long.yaml:2: ", "at most 24h");
    assertProblem(problems, "negative.yaml:3: ", "30s, 5m, 1h");
  }

  private static void assertProblem(List<String> problems, String start, String text) {
    assertTrue(problems.stream().anyMatch(p -> p.startsWith(start) && p.contains(text)),
        "want " + start + "..." + text + " in " + problems);
  }

  @Test
  void theEvaluatorAsksForACaptureOfEachHighAlert() throws Exception {
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      Outputs high = evaluator.evaluate(enriched(event("w", T0, EventType.OPEN_WRITE, "/usr/bin/dpkg", "cp", "/bin/cp")));
      Alert alert = only(high.alerts());
      assertEquals("DW-FIM-001", alert.getRuleId());
      CaptureRequest capture = only(high.captures());
      assertEquals(CaptureRequest.idFor(alert.getAlertId()), capture.captureId());
      assertEquals(alert, capture.alert());
      assertEquals(5 * MINUTE, capture.beforeMillis());
      assertEquals(5 * MINUTE, capture.afterMillis());

      Outputs medium = evaluator.evaluate(enriched(event("h", T0 + 1, EventType.DELETE, "/root/.bash_history", "rm", "/bin/rm")));
      assertEquals(Severity.MEDIUM, only(medium.alerts()).getSeverity());
      assertEquals(List.of(), medium.captures(), "MEDIUM asks for none by default");
    }
  }

  @Test
  void theEvaluatorFollowsTheTuningFiles() throws Exception {
    Files.writeString(dir.resolve("captures.yaml"), """
        captures:
          rules: {DW-FIM-010: {severity: MEDIUM, before: 1m, after: 30s}}
          namespaces: {ci: {severity: off}}
        exceptions:
          - rule: DW-FIM-001
            process: acme-updater
        """);
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.load(dir))) {
      CaptureRequest medium = only(evaluator.evaluate(enriched(
          event("h", T0, EventType.DELETE, "/root/.bash_history", "rm", "/bin/rm"))).captures());
      assertEquals(List.of(MINUTE, 30_000L), List.of(medium.beforeMillis(), medium.afterMillis()));

      Outputs inCi = evaluator.evaluate(enriched(event("ci", T0 + 1, EventType.OPEN_WRITE, "/usr/bin/dpkg", "cp", "/bin/cp")
          .setContainerId("c-ci").build(), container("c-ci", "ci")));
      assertEquals(1, inCi.alerts().size());
      assertEquals(List.of(), inCi.captures(), "off in ci");

      Outputs excepted = evaluator.evaluate(enriched(event("x", T0 + 2, EventType.OPEN_WRITE, "/usr/bin/acme",
          "acme-updater", "/usr/bin/acme-updater")));
      assertEquals(List.of(), excepted.alerts());
      assertEquals(List.of(), excepted.captures(), "an excepted alert asks for nothing");
    }
  }

  @Test
  void collapsedRepeatsDoNotAskAgain() throws Exception {
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      List<Alert> alerts = new ArrayList<>();
      List<CaptureRequest> captures = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Outputs outputs = evaluator.evaluate(enriched(event("r" + i, T0 + i * 1000, EventType.OPEN_WRITE, "/usr/bin/dpkg",
            "cp", "/bin/cp")));
        alerts.addAll(outputs.alerts());
        captures.addAll(outputs.captures());
      }
      Outputs end = evaluator.advanceTo(T0 + 10 * MINUTE);
      alerts.addAll(end.alerts());
      captures.addAll(end.captures());
      assertEquals(List.of(1, 3), alerts.stream().map(Alert::getCount).toList(), "the first alert, then the summary of the repeats");
      assertEquals(List.of(CaptureRequest.idFor(alerts.get(0).getAlertId())),
          captures.stream().map(CaptureRequest::captureId).toList(), "one capture, for the first alert");
    }
  }

  private static <T> T only(List<T> items) {
    assertEquals(1, items.size(), items.toString());
    return items.get(0);
  }
}
