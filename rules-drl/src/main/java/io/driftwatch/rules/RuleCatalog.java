package io.driftwatch.rules;

import io.driftwatch.model.Severity;
import io.driftwatch.rules.RuleCompilationException.Problem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.base.InitialFact;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.base.rule.GroupElement;
import org.kie.api.KieBase;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;

/**
 * The metadata of every rule in a compiled rule set, and its validation.
 *
 * <p>What a rule is follows from the last segment of its DRL package: {@code ...classify}
 * (what a path or process is; allow-lists), {@code ...respond} (response policy), anything else
 * is a detection rule. Every rule carries {@code @id}, {@code @maturity} and
 * {@code @description}; a detection rule also {@code @severity}, {@code @mitre}, {@code @tags} and
 * {@code @falsePositives}. Any rule may claim compliance controls with {@code @controls} (ids of {@link Controls}).
 */
final class RuleCatalog {
  static final Pattern MITRE_ID = Pattern.compile("T\\d{4}(\\.\\d{3})?");
  static final Set<String> MATURITIES = Set.of("stable", "incubating", "sandbox");
  private static final Pattern RULE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final Pattern RESPONSE_HINT = Pattern.compile("[a-z][a-z0-9-]*");
  private static final Pattern PACKAGE_LINE = Pattern.compile("^\\s*package\\s+([\\w.]+)");
  private static final Pattern RULE_LINE =
      Pattern.compile("^\\s*rule\\s+(?:\"((?:[^\"\\\\]|\\\\.)*)\"|'([^']*)'|([^\\s\"']+))");
  private static final String DETECTION_NEEDS = "detection rules carry @id, @severity, @mitre, @tags, @maturity,"
      + " @description and @falsePositives; classification and response rules belong in a DRL package"
      + " ending in .classify or .respond";

  enum Kind {
    CLASSIFICATION, DETECTION, RESPONSE;

    static Kind ofPackage(String packageName) {
      String last = packageName.substring(packageName.lastIndexOf('.') + 1);
      return switch (last) {
        case "classify" -> CLASSIFICATION;
        case "respond" -> RESPONSE;
        default -> DETECTION;
      };
    }
  }

  record Entry(RuleInfo info, Kind kind) {}

  private record Location(String file, int line) {}

  private final Map<String, Entry> byRule;
  private final List<RuleInfo> rules;
  private final List<Problem> problems;
  private final Map<String, Integer> lineOfId;

  private RuleCatalog(Map<String, Entry> byRule, List<RuleInfo> rules, List<Problem> problems,
                      Map<String, Integer> lineOfId) {
    this.byRule = byRule;
    this.rules = rules;
    this.problems = problems;
    this.lineOfId = lineOfId;
  }

  /**
   * Reads and checks every rule. Rules are listed built-in first, then by file and line, so a
   * user rule that reuses a shipped id is the one blamed.
   */
  static RuleCatalog read(KieBase base, List<DrlFile> files, Set<String> builtInPaths) {
    Map<String, Location> locations = locate(files);
    List<Problem> problems = new ArrayList<>();
    Map<String, Entry> byRule = new HashMap<>();
    Map<String, Location> firstUseOfId = new HashMap<>();
    Map<String, String> ruleOfId = new HashMap<>();
    Map<String, Integer> lineOfId = new HashMap<>();
    List<RuleInfo> rules = new ArrayList<>();
    List<Rule> all = new ArrayList<>();
    for (KiePackage kiePackage : base.getKiePackages()) {
      all.addAll(kiePackage.getRules());
    }
    Location unknown = new Location("?", 0);
    all.sort(Comparator.comparing((Rule r) -> !builtInPaths.contains(locations.getOrDefault(key(r), unknown).file()))
        .thenComparing(r -> locations.getOrDefault(key(r), unknown).file())
        .thenComparingInt(r -> locations.getOrDefault(key(r), unknown).line())
        .thenComparing(Rule::getName));
    for (Rule rule : all) {
      Location location = locations.getOrDefault(key(rule), unknown);
      Kind kind = Kind.ofPackage(rule.getPackageName());
      Checker check = new Checker(rule, location, problems);
      String id = check.required("id", RULE_ID, "a letter or digit followed by letters, digits, '.', '_' or '-'");
      String maturity = check.required("maturity", null, null);
      if (maturity != null && !MATURITIES.contains(maturity)) {
        check.problem("@maturity(\"" + maturity + "\") is not one of stable, incubating, sandbox");
      }
      String description = check.required("description", null, null);
      Severity severity = null;
      List<String> mitre = check.list("mitre");
      List<String> tags = check.list("tags");
      String falsePositives = check.optional("falsePositives");
      if (kind == Kind.DETECTION) {
        String severityText = check.requiredForDetection("severity", false);
        severity = severityText == null ? null : check.severity(severityText);
        check.requiredForDetection("mitre", true);
        check.requiredForDetection("tags", true);
        check.requiredForDetection("falsePositives", false);
      }
      for (String technique : mitre) {
        if (!MITRE_ID.matcher(technique).matches()) {
          check.problem("@mitre: \"" + technique + "\" is not an ATT&CK technique id (T1234 or T1234.001)");
        }
      }
      if (leaksFiredMatches(rule, check)) {
        check.problem("a rule with a single pattern needs @Propagation( EAGER ): on Drools 10.1 its fired matches are"
            + " never released once the fact is deleted or expires (apache/incubator-kie-drools issue 6361)");
      }
      int fileEvents = fileEventPatterns(rule instanceof RuleImpl impl ? impl.getLhs() : null);
      if (fileEvents > 1) {
        check.problem("the rule joins " + fileEvents + " file events, but an event leaves the session as soon as it has"
            + " been evaluated: keep what the rule must remember in a fact of its own with an @expires (as FileWritten"
            + " and ChangeBurst do) and join the next event with that");
      }
      String response = check.optional("response");
      if (response != null && !RESPONSE_HINT.matcher(response).matches()) {
        check.problem("@response(\"" + response + "\") must be a lowercase word such as pause or notify");
      }
      List<String> controls = check.list("controls");
      for (String control : controls) {
        if (!Controls.builtIn().contains(control)) {
          check.problem("@controls: \"" + control + "\" is not a known control id (" + Controls.RESOURCE + ": "
              + String.join(", ", Controls.builtIn().all().stream().map(Controls.Control::id).toList()) + ")");
        }
      }
      String collapse = check.optional("collapse");
      if (collapse != null && !collapse.equals(RuleInfo.COLLAPSE_BY_PATH) && !collapse.equals(RuleInfo.COLLAPSE_BY_CONTAINER)) {
        check.problem("@collapse(\"" + collapse + "\") must be path or container");
      }
      if (id != null) {
        Location first = firstUseOfId.putIfAbsent(id, location);
        if (first != null) {
          check.problem("duplicate @id(\"" + id + "\"), also used by rule \"" + ruleOfId.get(id) + "\" at "
              + first.file() + ":" + first.line());
          continue;
        }
        ruleOfId.put(id, rule.getName());
        lineOfId.put(id, location.line());
        RuleInfo info = new RuleInfo(id, rule.getName(), location.file(), severity, mitre, tags, maturity,
            description, falsePositives, response, collapse, controls);
        rules.add(info);
        byRule.put(key(rule), new Entry(info, kind));
      }
    }
    return new RuleCatalog(Map.copyOf(byRule), List.copyOf(rules), List.copyOf(problems), Map.copyOf(lineOfId));
  }

  /**
   * Drools 10.1 compiles a rule whose only condition is one pattern into an alpha terminal node,
   * and that node leaves every fired match in the rule's dormant list when the fact goes: a
   * single-pattern rule over events leaks memory for as long as the session lives. Fixed after
   * 10.1.0; until then such a rule must opt out with {@code @Propagation(EAGER)}. Rules without
   * conditions (InitialFact) and timed or lock-on-active rules are built differently.
   */
  private static boolean leaksFiredMatches(Rule rule, Checker check) {
    if (!(rule instanceof RuleImpl impl) || impl.getTimer() != null || impl.isLockOnActive()
        || check.metadata.containsKey("propagation")) {
      return false;
    }
    GroupElement lhs = impl.getLhs();
    return lhs != null && lhs.isAnd() && lhs.getChildren().size() == 1
        && lhs.getChildren().get(0) instanceof org.drools.base.rule.Pattern pattern
        && !pattern.getObjectType().isAssignableTo(InitialFact.class);
  }

  /**
   * How many file events (FileEvent, ClassifiedEvent) one match of the rule involves: patterns
   * over them, counting those inside accumulate/collect sources, and the largest branch of an
   * {@code or}.
   */
  private static int fileEventPatterns(org.drools.base.rule.RuleConditionElement element) {
    if (element == null) {
      return 0;
    }
    if (element instanceof org.drools.base.rule.Pattern pattern) {
      int own = pattern.getObjectType() != null && pattern.getObjectType().isAssignableTo(io.driftwatch.model.FileEvent.class)
          ? 1 : 0;
      return own + (pattern.getSource() == null ? 0 : fileEventPatterns(pattern.getSource()));
    }
    boolean alternatives = element instanceof GroupElement group && group.isOr();
    int total = 0;
    for (org.drools.base.rule.RuleConditionElement nested : element.getNestedElements()) {
      int count = fileEventPatterns(nested);
      total = alternatives ? Math.max(total, count) : total + count;
    }
    return total;
  }

  List<RuleInfo> rules() {
    return rules;
  }

  List<Problem> problems() {
    return problems;
  }

  /** Ids of the rules of one kind. */
  Set<String> idsOf(Kind kind) {
    return byRule.values().stream().filter(e -> e.kind() == kind).map(e -> e.info().id())
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  /** The line of each rule's declaration in its file (0 when unknown), by rule id. */
  Map<String, Integer> lines() {
    return lineOfId;
  }

  /** The entry of a rule of this rule set, or {@code null}. */
  Entry entry(Rule rule) {
    return byRule.get(key(rule));
  }

  /** The file a rule was read from, relative as in its problems ("?" when not known). */
  String fileOf(Rule rule) {
    Entry entry = byRule.get(key(rule));
    return entry == null ? "?" : entry.info().file();
  }

  private static String key(Rule rule) {
    return rule.getPackageName() + "/" + rule.getName();
  }

  /** Where each rule is declared: by package and name, from the DRL text. */
  private static Map<String, Location> locate(List<DrlFile> files) {
    Map<String, Location> locations = new LinkedHashMap<>();
    for (DrlFile file : files) {
      String packageName = "";
      String[] lines = file.content().split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        Matcher packageLine = PACKAGE_LINE.matcher(lines[i]);
        if (packageName.isEmpty() && packageLine.find()) {
          packageName = packageLine.group(1);
          continue;
        }
        Matcher ruleLine = RULE_LINE.matcher(lines[i]);
        if (ruleLine.find()) {
          String name = ruleLine.group(1) != null ? ruleLine.group(1).replace("\\\"", "\"")
              : ruleLine.group(2) != null ? ruleLine.group(2) : ruleLine.group(3);
          locations.putIfAbsent(packageName + "/" + name, new Location(file.path(), i + 1));
        }
      }
    }
    return locations;
  }

  /**
   * The rule's annotations by the name written in DRL. Drools files an annotation whose name is
   * also a KIE annotation type under that type's class name: {@code @description} arrives as
   * {@code org.kie.api.definition.type.Description}.
   */
  static Map<String, Object> metadata(Rule rule) {
    Map<String, Object> metadata = new HashMap<>();
    rule.getMetaData().forEach((key, value) -> {
      String simple = key.substring(key.lastIndexOf('.') + 1);
      if (!simple.isEmpty() && !simple.equals(key)) {
        simple = Character.toLowerCase(simple.charAt(0)) + simple.substring(1);
      }
      metadata.putIfAbsent(simple, value);
    });
    return metadata;
  }

  /** Reads one rule's metadata, recording problems against its location. */
  private static final class Checker {
    private final Rule rule;
    private final Location location;
    private final List<Problem> problems;
    private final Map<String, Object> metadata;

    Checker(Rule rule, Location location, List<Problem> problems) {
      this.rule = rule;
      this.location = location;
      this.problems = problems;
      this.metadata = metadata(rule);
    }

    String optional(String key) {
      Object value = metadata.get(key);
      if (value == null) {
        return null;
      }
      String text = value.toString().strip();
      return text.isEmpty() ? null : text;
    }

    String required(String key, Pattern pattern, String patternDescription) {
      String value = optional(key);
      if (value == null) {
        problem("missing @" + key);
      } else if (pattern != null && !pattern.matcher(value).matches()) {
        problem("@" + key + "(\"" + value + "\") must be " + patternDescription);
      }
      return value;
    }

    /** Present on every detection rule; {@code @mitre("")} and {@code @tags("")} may be empty. */
    String requiredForDetection(String key, boolean mayBeEmpty) {
      String value = optional(key);
      if (!metadata.containsKey(key)) {
        problem("missing @" + key + " (" + DETECTION_NEEDS + ")");
      } else if (value == null && !mayBeEmpty) {
        problem("empty @" + key);
      }
      return value;
    }

    List<String> list(String key) {
      String value = optional(key);
      if (value == null) {
        return List.of();
      }
      return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    Severity severity(String text) {
      try {
        return Severity.valueOf(text.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        problem("@severity(\"" + text + "\") is not one of INFO, LOW, MEDIUM, HIGH, CRITICAL");
        return null;
      }
    }

    void problem(String message) {
      problems.add(new Problem(location.file(), location.line(), "rule \"" + rule.getName() + "\": " + message));
    }
  }
}
