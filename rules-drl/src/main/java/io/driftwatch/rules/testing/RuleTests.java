package io.driftwatch.rules.testing;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.Outputs;
import io.driftwatch.rules.RuleCompilationException.Problem;
import io.driftwatch.rules.RuleEvaluator;
import io.driftwatch.rules.RuleInfo;
import io.driftwatch.rules.RuleSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Runs rule fixtures and benign corpora against a rule set, the way {@code rules test} and the
 * rule-pack tests do: every rule fires, whatever its maturity; each fixture case and each corpus
 * runs in a fresh evaluator; at the end the clock moves an hour on, so windows close.
 */
public final class RuleTests {
  private static final long END_OF_INPUT_MILLIS = 60 * 60_000L;

  private RuleTests() {}

  /**
   * One failed expectation, at a place in a fixture or corpus.
   *
   * @param ruleId  the rule whose expectation failed
   * @param message what was expected and what happened, starting with the rule id and the case
   */
  public record Failure(String source, int line, String ruleId, String message) {
    @Override
    public String toString() {
      return source + ":" + line + ": " + message;
    }
  }

  /** A fixture case and its failure, {@code null} when it passed. */
  public record CaseResult(Fixture.Case fixtureCase, Failure failure) {
    public boolean passed() {
      return failure == null;
    }
  }

  /** A benign corpus and what it raised: one failure per alert. */
  public record CorpusResult(BenignCorpus corpus, List<Alert> alerts, List<ResponseCommand> commands, List<Failure> failures) {
    public CorpusResult {
      alerts = List.copyOf(alerts);
      commands = List.copyOf(commands);
      failures = List.copyOf(failures);
    }

    public boolean passed() {
      return failures.isEmpty();
    }
  }

  /**
   * Everything {@link #run(RuleSet, RuleTestSuite)} found.
   *
   * @param problems  fixture and corpus files that could not be read or name no detection rule of the set
   * @param untested  detection rules of the set without fixtures
   */
  public record Report(List<CaseResult> cases, List<CorpusResult> corpora, List<Problem> problems, Set<String> untested) {
    public Report {
      cases = List.copyOf(cases);
      corpora = List.copyOf(corpora);
      problems = List.copyOf(problems);
      untested = Set.copyOf(untested);
    }

    public boolean passed() {
      return problems.isEmpty() && cases.stream().allMatch(CaseResult::passed)
          && corpora.stream().allMatch(CorpusResult::passed);
    }

    /** Every failure: fixture cases first, then benign corpora. */
    public List<Failure> failures() {
      List<Failure> failures = new ArrayList<>();
      cases.stream().filter(c -> !c.passed()).forEach(c -> failures.add(c.failure()));
      corpora.forEach(c -> failures.addAll(c.failures()));
      return failures;
    }

    /** The ids of the rules with a failed expectation, sorted. */
    public Set<String> failingRules() {
      return failures().stream().map(Failure::ruleId).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The cases of each rule with fixtures, by rule id in order. */
    public Map<String, List<CaseResult>> casesByRule() {
      Map<String, List<CaseResult>> byRule = new java.util.TreeMap<>();
      cases.forEach(c -> byRule.computeIfAbsent(c.fixtureCase().ruleId(), id -> new ArrayList<>()).add(c));
      return byRule;
    }

    /** One line: counts, and what failed. */
    public String summary() {
      long failedCases = cases.stream().filter(c -> !c.passed()).count();
      long failedCorpora = corpora.stream().filter(c -> !c.passed()).count();
      int events = corpora.stream().mapToInt(c -> c.corpus().events().size()).sum();
      if (passed()) {
        return "passed: " + count(casesByRule().size(), "rule") + " with fixtures, " + count(cases.size(), "case") + ", "
            + count(corpora.size(), "benign corpus", "benign corpora") + " with " + count(events, "event");
      }
      List<String> what = new ArrayList<>();
      what.add(failedCases + " of " + count(cases.size(), "case"));
      what.add(failedCorpora + " of " + count(corpora.size(), "benign corpus", "benign corpora"));
      if (!problems.isEmpty()) {
        what.add(count(problems.size(), "unusable fixture or corpus file"));
      }
      return "FAILED: " + String.join(", ", what) + (failingRules().isEmpty() ? "" : "; failing rules: "
          + String.join(", ", failingRules()));
    }
  }

  static String count(long n, String one) {
    return count(n, one, one + "s");
  }

  static String count(long n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }

  /**
   * Runs every fixture case and corpus of the suite. A fixture naming a rule that is not in the
   * set, or one that is not a detection rule, is a problem of the report.
   */
  public static Report run(RuleSet rules, RuleTestSuite suite) {
    Map<String, RuleInfo> byId = rules.rules().stream().collect(Collectors.toMap(RuleInfo::id, Function.identity()));
    Set<String> detection = rules.detectionRuleIds();
    List<Problem> problems = new ArrayList<>(suite.problems());
    List<CaseResult> cases = new ArrayList<>();
    Set<String> tested = new TreeSet<>();
    for (Fixture fixture : suite.fixtures()) {
      if (!byId.containsKey(fixture.ruleId())) {
        problems.add(new Problem(fixture.source(), fixture.line(), "no rule " + fixture.ruleId() + " in the rule set"));
        continue;
      }
      if (!detection.contains(fixture.ruleId())) {
        problems.add(new Problem(fixture.source(), fixture.line(), "rule " + fixture.ruleId()
            + " is not a detection rule: fixtures hold the alerts of detection rules"));
        continue;
      }
      tested.add(fixture.ruleId());
      fixture.cases().forEach(c -> cases.add(run(rules, c)));
    }
    List<CorpusResult> corpora = suite.corpora().stream().map(c -> run(rules, c)).toList();
    Set<String> untested = new TreeSet<>(detection);
    untested.removeAll(tested);
    return new Report(cases, corpora, problems, untested);
  }

  /** Runs one case in a fresh evaluator. */
  public static CaseResult run(RuleSet rules, Fixture.Case fixtureCase) {
    List<Alert> alerts = new ArrayList<>();
    try {
      alerts.addAll(evaluate(rules, fixtureCase.events(), new ArrayList<>(),
          io.driftwatch.rules.image.ImageBaselines.of(fixtureCase.images())));
    } catch (RuntimeException e) {
      return new CaseResult(fixtureCase, failure(fixtureCase, "the rules failed: " + e));
    }
    Map<String, Integer> positions = new HashMap<>();
    Map<String, FileEvent> events = new HashMap<>();
    for (int i = 0; i < fixtureCase.events().size(); i++) {
      FileEvent event = fixtureCase.events().get(i).getEvent();
      positions.putIfAbsent(event.getEventId(), i + 1);
      events.putIfAbsent(event.getEventId(), event);
    }
    Function<Alert, String> describe = alert -> describe(alert, "event", positions, events);
    List<Alert> ofRule = alerts.stream().filter(a -> a.getRuleId().equals(fixtureCase.ruleId())).toList();
    if (fixtureCase.fires()) {
      String lastId = fixtureCase.last().getEventId();
      if (ofRule.stream().anyMatch(a -> a.getEventIds().contains(lastId))) {
        return new CaseResult(fixtureCase, null);
      }
      String expected = fixtureCase.events().size() == 1 ? "expected an alert"
          : "expected an alert on event " + fixtureCase.events().size() + " (the last)";
      String got = ofRule.isEmpty() ? "got none" + others(alerts, describe) : "got " + list(ofRule, describe);
      return new CaseResult(fixtureCase, failure(fixtureCase, expected + ", " + got));
    }
    if (ofRule.isEmpty()) {
      return new CaseResult(fixtureCase, null);
    }
    return new CaseResult(fixtureCase, failure(fixtureCase, "expected no alert, got " + list(ofRule, describe)));
  }

  /** Runs a corpus through one fresh evaluator; every alert is a failure. */
  public static CorpusResult run(RuleSet rules, BenignCorpus corpus) {
    String name = corpus.source().substring(corpus.source().lastIndexOf('/') + 1);
    List<EnrichedEvent> events = corpus.events().stream().map(BenignCorpus.Event::event).toList();
    Map<String, Integer> lines = new HashMap<>();
    Map<String, FileEvent> byId = new HashMap<>();
    corpus.events().forEach(e -> {
      lines.putIfAbsent(e.event().getEvent().getEventId(), e.line());
      byId.putIfAbsent(e.event().getEvent().getEventId(), e.event().getEvent());
    });
    List<ResponseCommand> commands = new ArrayList<>();
    List<Alert> alerts;
    try {
      alerts = evaluate(rules, events, commands, io.driftwatch.rules.image.ImageBaselines.NONE);
    } catch (RuntimeException e) {
      return new CorpusResult(corpus, List.of(), List.of(), List.of(
          new Failure(corpus.source(), 0, "?", "benign '" + name + "': the rules failed: " + e)));
    }
    List<Failure> failures = new ArrayList<>();
    for (Alert alert : alerts) {
      List<String> ids = alert.getEventIds();
      String newest = ids.isEmpty() ? null : ids.get(ids.size() - 1);
      failures.add(new Failure(corpus.source(), lines.getOrDefault(newest, 0), alert.getRuleId(),
          alert.getRuleId() + " benign '" + name + "': expected no alert, got " + describe(alert, "line", lines, byId)));
    }
    return new CorpusResult(corpus, alerts, commands, failures);
  }

  private static List<Alert> evaluate(RuleSet rules, List<EnrichedEvent> events, List<ResponseCommand> commands,
                                      io.driftwatch.rules.image.ImageBaselines images) {
    List<Alert> alerts = new ArrayList<>();
    long last = Long.MIN_VALUE;
    try (RuleEvaluator evaluator = new RuleEvaluator(rules)) {
      evaluator.useImages(images);
      for (EnrichedEvent event : events) {
        Outputs outputs = evaluator.evaluate(event);
        alerts.addAll(outputs.alerts());
        commands.addAll(outputs.commands());
        last = Math.max(last, event.getEvent().getTimestamp());
      }
      Outputs end = evaluator.advanceTo(last + END_OF_INPUT_MILLIS);
      alerts.addAll(end.alerts());
      commands.addAll(end.commands());
    }
    return alerts;
  }

  private static Failure failure(Fixture.Case fixtureCase, String message) {
    return new Failure(fixtureCase.source(), fixtureCase.line(), fixtureCase.ruleId(), fixtureCase + ": " + message);
  }

  private static String others(List<Alert> alerts, Function<Alert, String> describe) {
    return alerts.isEmpty() ? "" : " (other alerts: " + list(alerts, describe) + ")";
  }

  private static String list(List<Alert> alerts, Function<Alert, String> describe) {
    return alerts.stream().map(describe).collect(Collectors.joining("; "));
  }

  /**
   * {@code DW-FIM-001 (HIGH) on event 2 (OPEN_WRITE /usr/bin/dpkg by cp)}: the events by their
   * place in the case (or line in the corpus), the newest one spelt out.
   */
  private static String describe(Alert alert, String unit, Map<String, Integer> places, Map<String, FileEvent> events) {
    List<String> ids = alert.getEventIds();
    Map<String, String> shown = new LinkedHashMap<>();
    ids.forEach(id -> shown.put(id, places.containsKey(id) ? String.valueOf(places.get(id)) : id));
    String newest = ids.isEmpty() ? null : ids.get(ids.size() - 1);
    FileEvent event = newest == null ? null : events.get(newest);
    String what = event == null ? "" : " (" + event.getType() + " " + event.getPath()
        + (event.getProcessName() == null ? "" : " by " + event.getProcessName()) + ")";
    return alert.getRuleId() + " (" + alert.getSeverity() + ") on " + unit + (ids.size() == 1 ? " " : "s ")
        + String.join(", ", shown.values()) + what;
  }
}
