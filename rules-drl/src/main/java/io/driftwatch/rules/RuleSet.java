package io.driftwatch.rules;

import io.driftwatch.rules.RuleCompilationException.Problem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import io.driftwatch.rules.tuning.Tuning;
import org.kie.api.KieBase;
import org.kie.api.KieServices;
import org.kie.api.builder.KieBuilder;
import org.kie.api.builder.KieFileSystem;
import org.kie.api.builder.Message;
import org.kie.api.builder.ReleaseId;
import org.kie.api.builder.model.KieModuleModel;
import org.kie.api.conf.EventProcessingOption;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Global;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.KieSessionConfiguration;
import org.kie.api.runtime.conf.ClockTypeOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compiled, immutable rule set: the built-in rule pack plus optional user DRL files. Shareable
 * across threads (it holds the KieBase); each {@link RuleEvaluator} opens its own session on it.
 *
 * <p>Compiled at run time in classic (non-executable-model) DRL mode. A rule set with a
 * compilation error or a rule without valid metadata is refused as a whole with a
 * {@link RuleCompilationException}; callers keep the set they had.
 */
public final class RuleSet {
  private static final Logger log = LoggerFactory.getLogger(RuleSet.class);
  private static final String KIE_BASE = "driftwatch";
  private static final String RESOURCE_ROOT = "src/main/resources/";
  private static final AtomicLong BUILDS = new AtomicLong();

  private final KieBase kieBase;
  /** The rules of each lane alone (null for a set used only whole, such as one inspected). */
  private final KieBase immediateBase;
  private final KieBase orderedBase;
  private final Lanes lanes;
  private final RuleCatalog catalog;
  private final String version;
  private final Set<String> globals;
  private final Tuning tuning;

  private RuleSet(List<KieBase> bases, Lanes lanes, RuleCatalog catalog, String version, Tuning tuning) {
    this.tuning = tuning;
    this.kieBase = bases.get(0);
    this.lanes = lanes;
    this.immediateBase = bases.get(1);
    this.orderedBase = bases.get(2);
    this.catalog = catalog;
    this.version = version;
    this.globals = kieBase.getKiePackages().stream()
        .flatMap(p -> p.getGlobalVariables().stream())
        .map(Global::getName)
        .collect(Collectors.toUnmodifiableSet());
  }

  /** The rule pack shipped in this jar; compiled once per class loader. */
  public static RuleSet builtIn() {
    return BuiltIn.INSTANCE;
  }

  /**
   * The built-in pack plus every {@code *.drl} file under {@code userRulesDir} (recursively; names
   * starting with a dot are skipped).
   *
   * @throws RuleCompilationException with every problem found (file relative to the directory, line, message)
   */
  public static RuleSet load(Path userRulesDir) throws RuleCompilationException {
    List<DrlFile> builtIn = RuleSources.builtIn();
    Set<String> builtInPaths = builtIn.stream().map(DrlFile::path).collect(Collectors.toSet());
    return compile(builtIn, RuleSources.userFiles(userRulesDir, builtInPaths));
  }

  /** Metadata of every rule (classification, detection and response): built-in first, then by file and line. */
  public List<RuleInfo> rules() {
    return catalog.rules();
  }

  /** Ids of the detection rules: those that raise alerts (not classification or response rules). */
  public Set<String> detectionRuleIds() {
    return catalog.idsOf(RuleCatalog.Kind.DETECTION);
  }

  /** First 12 hex digits of SHA-256 over every file's path and content, in path order. */
  public String version() {
    return version;
  }

  @Override
  public String toString() {
    return "RuleSet[version=" + version + ", rules=" + catalog.rules().size() + "]";
  }

  boolean declaresGlobal(String name) {
    return globals.contains(name);
  }

  private volatile io.driftwatch.rules.tuning.ResponseModes responseModes;

  /**
   * The response modes of this set: the NamespaceResponse and ProtectedNamespace facts a session holds once its
   * condition-less rules fired and the tuning files were applied, as the engine opens its sessions (computed once).
   */
  public io.driftwatch.rules.tuning.ResponseModes responseModes() {
    io.driftwatch.rules.tuning.ResponseModes modes = responseModes;
    if (modes == null) {
      KieSession session = newSession(Lane.ALL);
      try {
        for (String global : globals) {
          Class<?> type = global.equals("responses") ? Responses.class
              : global.equals("detections") ? Detections.class : null;
          if (type != null) {
            session.setGlobal(global, java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(),
                new Class<?>[] {type}, (proxy, method, args) -> method.getDeclaringClass() == Object.class
                    ? (method.getName().equals("equals") ? proxy == args[0]
                    : method.getName().equals("hashCode") ? System.identityHashCode(proxy) : "no-op")
                    : null));
          }
        }
        session.fireAllRules();
        tuning.applyTo(session);
        session.fireAllRules();
        modes = io.driftwatch.rules.tuning.ResponseModes.of(session.getObjects(object ->
            object instanceof io.driftwatch.rules.tuning.NamespaceResponse
                || object instanceof io.driftwatch.rules.tuning.ProtectedNamespace));
      } finally {
        session.dispose();
      }
      responseModes = modes;
    }
    return modes;
  }

  /** A new session of every rule, in STREAM mode with a pseudo clock; the caller owns it. */
  KieSession newSession() {
    return newSession(Lane.ALL);
  }

  /** A new session of the rules of {@code lane}, in STREAM mode with a pseudo clock; the caller owns it. */
  KieSession newSession(Lane lane) {
    KieSessionConfiguration configuration = KieServices.get().newKieSessionConfiguration();
    configuration.setOption(ClockTypeOption.PSEUDO);
    KieBase base = switch (lane) {
      case ALL -> kieBase;
      case IMMEDIATE -> immediateBase;
      case ORDERED -> orderedBase;
    };
    return base.newKieSession(configuration, null);
  }

  /**
   * The event types a rule of the ordered (stateful) lane can match; events of other types need not
   * wait to be evaluated in event-time order. Empty when the set has no stateful rule on file events.
   */
  public Set<io.driftwatch.model.EventType> orderedLaneTypes() {
    return lanes.orderedTypes();
  }

  /**
   * The lane of a rule, by id: {@link Lane#IMMEDIATE} (single-event), {@link Lane#ORDERED} (stateful) or
   * {@link Lane#ALL} for a rule in both (reference facts, response policy); null for an unknown id.
   */
  public Lane laneOf(String ruleId) {
    for (KiePackage kiePackage : kieBase.getKiePackages()) {
      for (Rule rule : kiePackage.getRules()) {
        RuleCatalog.Entry entry = catalog.entry(rule);
        if (entry != null && entry.info().id().equals(ruleId)) {
          return switch (lanes.placement(rule)) {
            case IMMEDIATE -> Lane.IMMEDIATE;
            case ORDERED -> Lane.ORDERED;
            case BOTH -> Lane.ALL;
          };
        }
      }
    }
    return null;
  }

  /**
   * Compiles the built-in files and the user's together.
   *
   * <p>The built-in pack compiles on its own, so while a user file has errors, errors reported
   * against built-in files are their consequences (a file that does not parse stops Drools from
   * building the type declarations the built-in rules import): only the user's are reported.
   */
  static RuleSet compile(List<DrlFile> builtIn, List<DrlFile> user) throws RuleCompilationException {
    Set<String> builtInPaths = builtIn.stream().map(DrlFile::path).collect(Collectors.toSet());
    List<DrlFile> files = together(builtIn, user);
    long started = System.nanoTime();
    Tuning tuning = tuning(files);
    List<DrlFile> drl = files.stream().filter(file -> RuleSources.isDrl(file.path())).toList();
    List<KieBase> bases = build(drl, builtInPaths, 3);
    RuleCatalog catalog = RuleCatalog.read(bases.get(0), drl, builtInPaths);
    Lanes lanes = Lanes.find(bases.get(0), catalog::fileOf);
    if (!catalog.problems().isEmpty() || !lanes.problems().isEmpty()) {
      List<Problem> problems = new ArrayList<>(catalog.problems());
      problems.addAll(lanes.problems());
      throw new RuleCompilationException(problems);
    }
    keepOnly(bases.get(1), lanes, Lane.IMMEDIATE);
    keepOnly(bases.get(2), lanes, Lane.ORDERED);
    RuleSet ruleSet = new RuleSet(bases, lanes, catalog, digest(files), tuning);
    log.info("compiled rule set {}: {} files, {} rules in {} ms", ruleSet.version(), files.size(),
        catalog.rules().size(), (System.nanoTime() - started) / 1_000_000);
    return ruleSet;
  }

  /** The tuning files among {@code files}, parsed; refused with every problem (file, line, message). */
  static Tuning tuning(List<DrlFile> files) throws RuleCompilationException {
    List<Tuning> tunings = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (DrlFile file : files) {
      if (RuleSources.isTuning(file.path())) {
        try {
          tunings.add(Tuning.parse(file.content()));
        } catch (Tuning.TuningException e) {
          problems.add(new Problem(file.path(), e.line(), "tuning file: " + e.getMessage()));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new RuleCompilationException(problems);
    }
    return Tuning.combine(tunings);
  }

  /** The tuning files of this set (lists, exceptions, thresholds, response modes); empty without any. */
  public Tuning tuning() {
    return tuning;
  }

  private static List<DrlFile> together(List<DrlFile> builtIn, List<DrlFile> user) {
    List<DrlFile> files = new ArrayList<>(builtIn);
    files.addAll(user);
    files.sort(Comparator.comparing(DrlFile::path));
    return files;
  }

  /** Removes from {@code base} (one of this set's own) the rules that are not in {@code lane}. */
  private static void keepOnly(KieBase base, Lanes lanes, Lane lane) {
    List<Rule> other = new ArrayList<>();
    for (KiePackage kiePackage : base.getKiePackages()) {
      for (Rule rule : kiePackage.getRules()) {
        if (!lanes.includes(lane, rule)) {
          other.add(rule);
        }
      }
    }
    for (Rule rule : other) {
      base.removeRule(rule.getPackageName(), rule.getName());
    }
  }

  /**
   * Compiles the files into {@code copies} independent KieBases (the whole set, then one per lane
   * to be pruned), or refuses them with every compilation error.
   */
  private static List<KieBase> build(List<DrlFile> files, Set<String> builtInPaths, int copies)
      throws RuleCompilationException {
    KieServices services = KieServices.get();
    ClassLoader classLoader = RuleSet.class.getClassLoader();
    // Each build gets its own module id, removed from the global KieRepository once the KieBase
    // exists: rule sets are rebuilt while running and must not pile up there.
    ReleaseId releaseId = services.newReleaseId("io.driftwatch.rules", "rule-set-" + BUILDS.incrementAndGet(), "1.0.0");
    KieFileSystem fileSystem = services.newKieFileSystem();
    fileSystem.generateAndWritePomXML(releaseId);
    KieModuleModel module = services.newKieModuleModel();
    module.newKieBaseModel(KIE_BASE).setDefault(true).setEventProcessingMode(EventProcessingOption.STREAM);
    fileSystem.writeKModuleXML(module.toXML());
    for (DrlFile file : files) {
      if (RuleSources.isDrl(file.path())) {
        fileSystem.write(RESOURCE_ROOT + file.path(), file.content());
      }
    }
    try {
      KieBuilder builder = services.newKieBuilder(fileSystem, classLoader).buildAll();
      List<Problem> problems = new ArrayList<>();
      for (Message message : builder.getResults().getMessages()) {
        if (message.getLevel() == Message.Level.ERROR) {
          problems.add(new Problem(relative(message.getPath()), Math.max(0, message.getLine()), oneLine(message.getText())));
        } else {
          log.debug("rule compilation {}: {}:{}: {}", message.getLevel(), message.getPath(), message.getLine(), message.getText());
        }
      }
      if (problems.stream().anyMatch(p -> !builtInPaths.contains(p.file()))) {
        problems.removeIf(p -> builtInPaths.contains(p.file()));
      }
      if (!problems.isEmpty()) {
        throw new RuleCompilationException(withoutEchoes(problems));
      }
      List<KieBase> bases = new ArrayList<>();
      for (int i = 0; i < copies; i++) {
        bases.add(services.newKieContainer(releaseId, classLoader).getKieBase(KIE_BASE));
      }
      return bases;
    } finally {
      services.getRepository().removeKieModule(releaseId);
    }
  }

  /**
   * What {@link #inspect} found in a user directory.
   *
   * @param problems         every problem, compilation errors first, as {@code (file relative to the directory, line, message)}
   * @param rules            the rules that could be read (built-in and the user's), as in {@link #rules()}
   * @param detectionRuleIds the ids among them of detection rules (not classification or response rules)
   * @param ruleLines        the line of each rule's declaration in its file, by id
   * @param skippedFiles     the user's files that do not compile: their rules are not in {@code rules}, and their
   *                         metadata is checked once they compile
   */
  public record Inspection(List<Problem> problems, List<RuleInfo> rules, Set<String> detectionRuleIds,
                           Map<String, Integer> ruleLines, Set<String> skippedFiles) {
    public Inspection {
      problems = List.copyOf(problems);
      rules = List.copyOf(rules);
      detectionRuleIds = Set.copyOf(detectionRuleIds);
      ruleLines = Map.copyOf(ruleLines);
      skippedFiles = Set.copyOf(skippedFiles);
    }
  }

  /**
   * Checks a user directory like {@link #load(Path)}, but reports everything at once instead of
   * stopping at the first stage that fails (for {@code rules validate}): the compilation errors,
   * then, leaving out the files that do not compile, the metadata problems of every other rule.
   */
  public static Inspection inspect(Path userRulesDir) {
    List<DrlFile> builtIn = RuleSources.builtIn();
    Set<String> builtInPaths = builtIn.stream().map(DrlFile::path).collect(Collectors.toSet());
    List<DrlFile> user;
    try {
      user = new ArrayList<>(RuleSources.userFiles(userRulesDir, builtInPaths));
    } catch (RuleCompilationException e) {
      return new Inspection(e.problems(), List.of(), Set.of(), Map.of(), Set.of());
    }
    List<Problem> problems = new ArrayList<>();
    try {
      tuning(together(builtIn, user));
    } catch (RuleCompilationException e) {
      problems.addAll(e.problems());
    }
    user.removeIf(file -> !RuleSources.isDrl(file.path()));
    Set<String> skipped = new TreeSet<>();
    while (true) {
      List<DrlFile> files = together(builtIn, user).stream().filter(file -> RuleSources.isDrl(file.path())).toList();
      KieBase kieBase;
      try {
        kieBase = build(files, builtInPaths, 1).get(0);
      } catch (RuleCompilationException e) {
        // Errors after the first round follow from leaving files out (a type they declare, say): not news.
        if (skipped.isEmpty()) {
          problems.addAll(e.problems());
        }
        Set<String> failing = e.problems().stream().map(Problem::file).collect(Collectors.toSet());
        List<String> leftOut = user.stream().map(DrlFile::path).filter(failing::contains).toList();
        if (leftOut.isEmpty()) {
          return new Inspection(problems, List.of(), Set.of(), Map.of(), skipped);
        }
        user.removeIf(file -> failing.contains(file.path()));
        skipped.addAll(leftOut);
        continue;
      }
      RuleCatalog catalog = RuleCatalog.read(kieBase, files, builtInPaths);
      problems.addAll(catalog.problems());
      return new Inspection(problems, catalog.rules(), catalog.idsOf(RuleCatalog.Kind.DETECTION), catalog.lines(), skipped);
    }
  }

  private static String digest(List<DrlFile> files) {
    MessageDigest digest = Hashes.sha256();
    for (DrlFile file : files) {
      digest.update(file.path().getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(file.content().getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
    }
    return Hashes.hex(digest.digest(), 12);
  }

  private static String relative(String path) {
    if (path == null) {
      return "?";
    }
    return path.startsWith(RESOURCE_ROOT) ? path.substring(RESOURCE_ROOT.length()) : path;
  }

  /** Drools messages span lines (with a caret line); one line reads better in a list. */
  private static String oneLine(String text) {
    return text.lines().map(String::strip).filter(line -> !line.isEmpty() && !line.equals("^"))
        .collect(Collectors.joining(" "));
  }

  /** The DRL parser follows each syntax error with "Parser returned a null Package" for the same file. */
  private static List<Problem> withoutEchoes(List<Problem> problems) {
    Set<String> filesWithRealErrors = problems.stream()
        .filter(p -> !p.message().startsWith("Parser returned a null Package"))
        .map(Problem::file).collect(Collectors.toSet());
    return problems.stream()
        .filter(p -> !(p.message().startsWith("Parser returned a null Package") && filesWithRealErrors.contains(p.file())))
        .toList();
  }

  /** Looks up the metadata of a rule firing in a session of this rule set. */
  RuleCatalog.Entry entry(Rule rule) {
    RuleCatalog.Entry entry = catalog.entry(rule);
    if (entry == null) {
      throw new IllegalStateException("rule \"" + rule.getName() + "\" of package " + rule.getPackageName()
          + " is not in rule set " + version);
    }
    return entry;
  }

  private static final class BuiltIn {
    static final RuleSet INSTANCE = compileBuiltIn();

    private static RuleSet compileBuiltIn() {
      try {
        return compile(RuleSources.builtIn(), List.of());
      } catch (RuleCompilationException e) {
        throw new IllegalStateException("the built-in rule pack does not compile: " + e.getMessage(), e);
      }
    }
  }
}
