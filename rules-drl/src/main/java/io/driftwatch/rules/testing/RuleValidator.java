package io.driftwatch.rules.testing;

import io.driftwatch.rules.RuleCompilationException.Problem;
import io.driftwatch.rules.RuleInfo;
import io.driftwatch.rules.RuleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Checks a directory of user rules ({@code rules validate}) and reports every problem at once: the
 * DRL files compile together with the built-in pack, ids are unique, metadata is complete and valid
 * (severity, ATT&amp;CK ids, maturity, ...), every detection rule has fixtures
 * ({@code fixtures/<id>.json} with at least one firing case), and the fixture and benign files read.
 * Running the fixtures is {@link RuleTests}' job.
 */
public final class RuleValidator {
  private RuleValidator() {}

  /**
   * What {@link #validate} found.
   *
   * @param errors    every problem, each {@code (file relative to the directory, line, message)}
   * @param warnings  advice that does not fail validation
   * @param rules     the rules that could be read: built-in and the user's
   * @param userRules the ids of the user's rules among them
   * @param detectionRules the ids of the detection rules among them
   */
  public record Report(List<Problem> errors, List<Problem> warnings, List<RuleInfo> rules, Set<String> userRules,
                       Set<String> detectionRules) {
    public Report {
      errors = List.copyOf(errors);
      warnings = List.copyOf(warnings);
      rules = List.copyOf(rules);
      userRules = Set.copyOf(userRules);
      detectionRules = Set.copyOf(detectionRules);
    }

    public boolean passed() {
      return errors.isEmpty();
    }
  }

  public static Report validate(Path dir) {
    RuleSet.Inspection inspection = RuleSet.inspect(dir);
    List<Problem> errors = new ArrayList<>(inspection.problems());
    List<Problem> warnings = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return new Report(errors, warnings, List.of(), Set.of(), Set.of());
    }
    Map<String, RuleInfo> byId = inspection.rules().stream()
        .collect(Collectors.toMap(RuleInfo::id, Function.identity(), (a, b) -> a, TreeMap::new));
    List<RuleInfo> userRules = inspection.rules().stream()
        .filter(r -> Files.isRegularFile(dir.resolve(r.file()))).toList();

    RuleTestSuite suite = RuleTestSuite.directory(dir);
    errors.addAll(suite.problems());
    Set<String> withFixtures = new java.util.HashSet<>();
    for (Fixture fixture : suite.fixtures()) {
      RuleInfo rule = byId.get(fixture.ruleId());
      if (rule == null) {
        if (inspection.skippedFiles().isEmpty()) { // else the rule may be in a file that does not compile
          errors.add(new Problem(fixture.source(), fixture.line(), "no rule " + fixture.ruleId() + " in the rule set"));
        }
        continue;
      }
      if (!inspection.detectionRuleIds().contains(rule.id())) {
        errors.add(new Problem(fixture.source(), fixture.line(), "rule " + rule.id()
            + " is not a detection rule: fixtures hold the alerts of detection rules"));
        continue;
      }
      withFixtures.add(rule.id());
      if (fixture.fires().isEmpty()) {
        errors.add(new Problem(fixture.source(), fixture.line(), "rule " + rule.id()
            + " has no firing case: add one to \"fires\""));
      }
      if (fixture.quiet().isEmpty()) {
        warnings.add(new Problem(fixture.source(), fixture.line(), "rule " + rule.id()
            + " has no near miss: add a case to \"quiet\" that must not fire it"));
      }
    }
    for (RuleInfo rule : userRules) {
      if (inspection.detectionRuleIds().contains(rule.id()) && !withFixtures.contains(rule.id())
          && !Files.exists(dir.resolve(RuleTestSuite.FIXTURES).resolve(rule.id() + ".json"))) {
        errors.add(new Problem(rule.file(), inspection.ruleLines().getOrDefault(rule.id(), 0),
            "rule " + rule.id() + " has no fixtures (add " + RuleTestSuite.FIXTURES + "/" + rule.id() + ".json)"));
      }
    }
    errors.sort(Comparator.comparing(Problem::file).thenComparingInt(Problem::line));
    warnings.sort(Comparator.comparing(Problem::file).thenComparingInt(Problem::line));
    return new Report(errors, warnings, inspection.rules(),
        userRules.stream().map(RuleInfo::id).collect(Collectors.toSet()), inspection.detectionRuleIds());
  }
}
