package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.rules.testing.Fixture;
import io.driftwatch.rules.testing.RuleTestSuite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Repository-wide lints of the shipped rule pack, reporting every offender at once: it
 * compiles, ids are unique and well formed, metadata is complete and valid, files are named and
 * placed by their package, the pack index is complete, every detection rule has fixtures.
 */
class RuleLintTest {
  private static final Path RESOURCES = Path.of("src", "main", "resources");
  private static final Pattern SHIPPED_ID = Pattern.compile("DW-(FIM|EXE|CLS|RSP)-\\d{3}");
  private static final Pattern FILE_NAME = Pattern.compile("[a-z][a-z0-9_]*\\.drl");
  private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");
  private static final Map<String, List<String>> ID_PREFIXES = Map.of(
      "classify", List.of("DW-CLS-"),
      "detect", List.of("DW-FIM-", "DW-EXE-"),
      "respond", List.of("DW-RSP-"));

  @Test
  void theShippedPackPassesEveryLint() throws IOException {
    List<String> offenders = new ArrayList<>();
    List<DrlFile> files = RuleSources.builtIn();
    List<RuleInfo> rules = List.of();
    try {
      rules = RuleSet.compile(files, List.of()).rules();
    } catch (RuleCompilationException e) {
      e.problems().forEach(p -> offenders.add("does not compile: " + p));
    }

    Set<String> ids = new HashSet<>();
    for (RuleInfo rule : rules) {
      String where = rule.file() + " rule \"" + rule.name() + "\" (" + rule.id() + ")";
      String concern = concern(rule.file());
      if (!ids.add(rule.id())) {
        offenders.add(where + ": duplicate id");
      }
      if (!SHIPPED_ID.matcher(rule.id()).matches()) {
        offenders.add(where + ": id does not match " + SHIPPED_ID);
      }
      List<String> prefixes = ID_PREFIXES.getOrDefault(concern, List.of());
      if (prefixes.stream().noneMatch(rule.id()::startsWith)) {
        offenders.add(where + ": a " + concern + " rule's id starts with one of " + prefixes);
      }
      if (!RuleCatalog.MATURITIES.contains(rule.maturity())) {
        offenders.add(where + ": maturity " + rule.maturity());
      }
      if (rule.description() == null || !rule.description().endsWith(".")) {
        offenders.add(where + ": description should be a sentence ending in '.'");
      }
      if (concern.equals("detect")) {
        if (rule.severity() == null) {
          offenders.add(where + ": no severity");
        }
        if (rule.mitre().isEmpty()) {
          offenders.add(where + ": no MITRE technique");
        }
        rule.mitre().stream().filter(t -> !RuleCatalog.MITRE_ID.matcher(t).matches())
            .forEach(t -> offenders.add(where + ": MITRE id " + t));
        if (rule.tags().isEmpty()) {
          offenders.add(where + ": no tags");
        }
        if (rule.falsePositives() == null || rule.falsePositives().isBlank()) {
          offenders.add(where + ": no false positives noted");
        }
      } else if (!concern.equals("classify") && !concern.equals("respond")) {
        offenders.add(where + ": rules live under classify/, detect/ or respond/");
      }
    }

    offenders.addAll(fileLints(files));
    if (!rules.isEmpty()) { // without a compiled pack every fixture would be reported as naming no rule
      offenders.addAll(fixtureLints(rules));
    }
    assertTrue(offenders.isEmpty(), offenders.size() + " lint offenders:\n" + String.join("\n", offenders));
  }

  /** The index names every DRL file; each file is named in snake_case and sits in its package's folder. */
  private static List<String> fileLints(List<DrlFile> indexed) throws IOException {
    List<String> offenders = new ArrayList<>();
    Set<String> onDisk;
    try (Stream<Path> walk = Files.walk(RESOURCES)) {
      onDisk = walk.filter(p -> p.toString().endsWith(".drl"))
          .map(p -> RESOURCES.relativize(p).toString().replace('\\', '/'))
          .collect(Collectors.toCollection(TreeSet::new));
    }
    Set<String> listed = indexed.stream().map(DrlFile::path).collect(Collectors.toCollection(TreeSet::new));
    onDisk.stream().filter(p -> !listed.contains(p))
        .forEach(p -> offenders.add(p + ": not listed in " + RuleSources.BUILT_IN_INDEX));
    listed.stream().filter(p -> !onDisk.contains(p))
        .forEach(p -> offenders.add(p + ": listed in " + RuleSources.BUILT_IN_INDEX + " but not under src/main/resources"));
    for (DrlFile file : indexed) {
      String name = file.path().substring(file.path().lastIndexOf('/') + 1);
      if (!FILE_NAME.matcher(name).matches()) {
        offenders.add(file.path() + ": file names are lower_snake_case.drl");
      }
      Matcher declared = PACKAGE.matcher(file.content());
      String folder = file.path().substring(0, file.path().lastIndexOf('/')).replace('/', '.');
      if (!declared.find()) {
        offenders.add(file.path() + ": no package declaration");
      } else if (!declared.group(1).equals(folder)) {
        offenders.add(file.path() + ": package " + declared.group(1) + " does not match its folder " + folder);
      }
    }
    return offenders;
  }

  /**
   * Every fixture file reads (valid JSON, known fields, named after its rule) and names a rule;
   * every detection rule has a fixture that fires it and a near miss.
   */
  private static List<String> fixtureLints(List<RuleInfo> rules) {
    List<String> offenders = new ArrayList<>();
    Map<String, RuleInfo> byId = rules.stream().collect(Collectors.toMap(RuleInfo::id, Function.identity()));
    RuleTestSuite suite = RuleTestSuite.builtIn();
    suite.problems().forEach(p -> offenders.add(p.toString()));
    Map<String, Fixture> fixtures = new HashMap<>();
    for (Fixture fixture : suite.fixtures()) {
      if (!byId.containsKey(fixture.ruleId())) {
        offenders.add(fixture.source() + ":" + fixture.line() + ": no rule " + fixture.ruleId());
      }
      fixtures.put(fixture.ruleId(), fixture);
    }
    for (RuleInfo rule : rules) {
      if (!concern(rule.file()).equals("detect")) {
        continue;
      }
      Fixture fixture = fixtures.get(rule.id());
      if (fixture == null) {
        offenders.add(rule.id() + ": no fixtures/" + rule.id() + ".json");
      } else if (fixture.fires().isEmpty() || fixture.quiet().isEmpty()) {
        offenders.add(rule.id() + ": fixtures need at least one firing case and one near miss");
      }
    }
    return offenders;
  }

  /** classify, detect or respond: the folder below io/driftwatch/rules. */
  private static String concern(String file) {
    String[] parts = file.split("/");
    return parts.length >= 5 ? parts[3] : "";
  }
}
