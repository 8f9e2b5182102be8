package io.driftwatch.rules.tuning;

import io.driftwatch.schemas.yaml.YamlLines;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.driftwatch.rules.classify.ClassificationFact;
import io.driftwatch.rules.classify.DirectoryRole;
import io.driftwatch.rules.classify.FileNameRole;
import io.driftwatch.rules.classify.FileRole;
import io.driftwatch.rules.classify.PathSegmentRole;
import io.driftwatch.rules.classify.ProcessRole;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.FactHandle;

/**
 * Tuning files: plain YAML that extends the classification lists, adds alert exceptions, replaces
 * thresholds and sets response modes, without DRL and without editing the shipped rules. Every
 * {@code *.yaml} / {@code *.yml} file of a rule directory is one. The format (all sections
 * optional):
 *
 * <pre>
 * roles:                          # extend the classification lists
 *   package-manager:
 *     processes: [acme-updater]   # process names (comm)
 *   binary-dir:
 *     directories: [/opt/acme/bin/]
 *   credential-store:
 *     files: [/etc/acme/secret.key]
 *     names: ["*.p12"]            # file names, with a leading or trailing *
 *     segments: [.acme]           # directory names anywhere in a path
 * exceptions:                     # alerts not to raise: every field given must match
 *   - rule: DW-FIM-001            # an id, or a prefix ending in *
 *     process: acme-updater
 *     path: /usr/local/bin/acme   # a path prefix
 *     reason: the updater replaces its own binary
 * thresholds:                     # replace a threshold by name
 *   mass-change.count: 200
 * responses:
 *   default: contain              # observe | contain | isolate | kill
 *   namespaces: {payments: isolate, ci: observe}
 *   protected: [istio-system]     # added to kube-system
 * captures:                       # which alerts ask for a capture of their container's trail
 *   severity: HIGH                # the least severity (INFO..CRITICAL), or off; default HIGH
 *   before: 5m                    # 30s, 5m, 1h or milliseconds; default 5m each side
 *   after: 5m
 *   rules: {DW-FIM-001: {before: 10m}, DW-EXE-*: {severity: MEDIUM}}
 *   namespaces: {ci: {severity: off}}
 * </pre>
 *
 * Immutable once parsed; {@link #applyTo} puts it into a session.
 */
public final class Tuning {
  private static final Tuning EMPTY = new Tuning(List.of(), Map.of(), CapturePolicy.defaults());
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /** Thrown for a tuning file that cannot be used: the file's line and what is wrong. */
  public static final class TuningException extends Exception {
    private final int line;

    TuningException(int line, String message) {
      super(message);
      this.line = line;
    }

    public int line() {
      return line;
    }
  }

  private final List<Object> facts;
  private final Map<String, Long> thresholds;
  private final CapturePolicy captures;

  private Tuning(List<Object> facts, Map<String, Long> thresholds, CapturePolicy captures) {
    this.facts = List.copyOf(facts);
    this.thresholds = Map.copyOf(thresholds);
    this.captures = captures;
  }

  public static Tuning empty() {
    return EMPTY;
  }

  /**
   * The facts of several files together (later files add to earlier ones; a later threshold wins, and
   * so does a later file's capture setting for the same level and field).
   */
  public static Tuning combine(List<Tuning> tunings) {
    List<Object> facts = new ArrayList<>();
    Map<String, Long> thresholds = new LinkedHashMap<>();
    CapturePolicy captures = CapturePolicy.defaults();
    for (Tuning tuning : tunings) {
      facts.addAll(tuning.facts);
      thresholds.putAll(tuning.thresholds);
      captures = captures.overriddenBy(tuning.captures);
    }
    return facts.isEmpty() && thresholds.isEmpty() && captures.isDefault() ? EMPTY : new Tuning(facts, thresholds, captures);
  }

  /** Parses one tuning file. */
  public static Tuning parse(String yaml) throws TuningException {
    TuningFile file;
    try {
      file = YAML.readValue(yaml, TuningFile.class);
    } catch (UnrecognizedPropertyException e) {
      throw new TuningException(line(yaml, e), "unknown key \"" + e.getPropertyName() + "\"; known here: "
          + e.getKnownPropertyIds());
    } catch (JsonProcessingException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
      String message = cause == e ? e.getOriginalMessage() : cause.getMessage();
      throw new TuningException(line(yaml, e), message);
    }
    if (file == null) {
      return EMPTY;
    }
    List<Object> facts = new ArrayList<>();
    file.roles().forEach((role, lists) -> lists.facts(role, facts));
    facts.addAll(file.exceptions());
    if (file.responses() != null) {
      file.responses().facts(facts);
    }
    CapturePolicy captures = file.captures() == null ? CapturePolicy.defaults() : file.captures().policy(yaml);
    return new Tuning(facts, file.thresholds(), captures);
  }

  /** Reference facts: role lists, exceptions, response modes (thresholds apart). */
  public List<Object> facts() {
    return facts;
  }

  public Map<String, Long> thresholds() {
    return thresholds;
  }

  /** Which alerts ask for a capture, and its window; the built-in policy when no file has a captures section. */
  public CapturePolicy captures() {
    return captures;
  }

  /** True when no file sets anything: no facts, thresholds or capture settings. */
  public boolean isEmpty() {
    return facts.isEmpty() && thresholds.isEmpty() && captures.isDefault();
  }

  /**
   * Inserts the facts into a session whose shipped reference facts are in place: a threshold
   * replaces the one of the same name, a default response mode replaces the shipped one.
   */
  public void applyTo(KieSession session) {
    if (facts.isEmpty() && thresholds.isEmpty()) {
      return;
    }
    boolean newDefault = facts.stream().anyMatch(f -> f instanceof NamespaceResponse r && r.getNamespace().equals(NamespaceResponse.ANY));
    for (FactHandle handle : session.getFactHandles(object ->
        object instanceof Threshold t && thresholds.containsKey(t.getName())
            || newDefault && object instanceof NamespaceResponse r && r.getNamespace().equals(NamespaceResponse.ANY))) {
      session.delete(handle);
    }
    thresholds.forEach((name, value) -> session.insert(new Threshold(name, value)));
    for (Object fact : facts) {
      session.insert(fact);
    }
  }

  /**
   * The line of the key or value a problem is about. The parser's own location is where it
   * stopped, often past the end of the entry, so the problem's path (exceptions/0/proces) is looked
   * up in a map of every path to its line, walking up to the parent when the path itself is not there.
   */
  private static int line(String yaml, JsonProcessingException e) {
    if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
      Map<String, Integer> lines = YamlLines.byPointer(yaml);
      List<String> path = new ArrayList<>();
      for (JsonMappingException.Reference reference : mapping.getPath()) {
        path.add(reference.getFieldName() != null ? reference.getFieldName() : String.valueOf(reference.getIndex()));
      }
      while (!path.isEmpty()) {
        Integer line = lines.get("/" + String.join("/", path));
        if (line != null) {
          return line;
        }
        path.remove(path.size() - 1);
      }
    }
    JsonLocation location = e.getLocation();
    return location == null ? 0 : Math.max(0, location.getLineNr());
  }

  record TuningFile(Map<String, RoleLists> roles, List<AlertException> exceptions, Map<String, Long> thresholds,
                    Responses responses, Captures captures) {
    TuningFile {
      roles = roles == null ? Map.of() : roles;
      exceptions = exceptions == null ? List.of() : exceptions;
      thresholds = thresholds == null ? Map.of() : thresholds;
    }
  }

  record RoleLists(List<String> processes, List<String> directories, List<String> files, List<String> names,
                   List<String> segments) {
    RoleLists {
      each(directories, ClassificationFact::directory);
      each(files, path -> ClassificationFact.absolute(path, "file"));
      each(names, ClassificationFact::name);
      each(segments, ClassificationFact::name);
      each(processes, ClassificationFact::name);
    }

    void facts(String role, List<Object> facts) {
      List<ClassificationFact> made = new ArrayList<>();
      each(processes, name -> made.add(new ProcessRole(name, role)));
      each(directories, dir -> made.add(new DirectoryRole(dir, role)));
      each(files, path -> made.add(new FileRole(path, role)));
      each(names, name -> made.add(new FileNameRole(name, role)));
      each(segments, segment -> made.add(new PathSegmentRole(segment, role)));
      facts.addAll(made);
    }

    private static void each(List<String> values, java.util.function.Consumer<String> action) {
      if (values != null) {
        values.forEach(action);
      }
    }
  }

  /** A response mode, checked where it is read (so a bad one is reported on its own line). */
  record Mode(String value) {
    @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)
    static Mode of(String value) {
      return new Mode(NamespaceResponse.checkMode(value));
    }
  }

  record Responses(@JsonProperty("default") Mode defaultMode, Map<String, Mode> namespaces,
                   @JsonProperty("protected") List<String> protectedNamespaces) {
    void facts(List<Object> facts) {
      if (defaultMode != null) {
        facts.add(new NamespaceResponse(NamespaceResponse.ANY, defaultMode.value()));
      }
      if (namespaces != null) {
        namespaces.forEach((namespace, mode) -> facts.add(new NamespaceResponse(namespace, mode.value())));
      }
      if (protectedNamespaces != null) {
        protectedNamespaces.forEach(name -> facts.add(new ProtectedNamespace(name)));
      }
    }
  }

  /** A capture's minimum severity, checked where it is read (so a bad one is reported on its own line). */
  record CaptureSeverity(CapturePolicy.Minimum value) {
    @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)
    static CaptureSeverity of(Object value) {
      // Unquoted off is YAML's false.
      return new CaptureSeverity(CapturePolicy.parseSeverity(String.valueOf(value)));
    }
  }

  /** A capture window side: 30s, 5m, 1h or milliseconds. */
  record CaptureDuration(long millis) {
    @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)
    static CaptureDuration of(Object value) {
      return new CaptureDuration(CapturePolicy.parseDuration(String.valueOf(value)));
    }
  }

  /** What one rule or namespace sets: at least one of severity, before, after. */
  record CaptureLevel(CaptureSeverity severity, CaptureDuration before, CaptureDuration after) {
    CapturePolicy.Level level() {
      return new CapturePolicy.Level(severity == null ? null : severity.value(),
          before == null ? null : before.millis(), after == null ? null : after.millis());
    }
  }

  record Captures(CaptureSeverity severity, CaptureDuration before, CaptureDuration after,
                  Map<String, CaptureLevel> rules, Map<String, CaptureLevel> namespaces) {
    /** The policy; a rule key that is not an id or a prefix ending in * is refused on its line. */
    CapturePolicy policy(String yaml) throws TuningException {
      Map<String, CapturePolicy.Level> byRule = new LinkedHashMap<>();
      if (rules != null) {
        for (Map.Entry<String, CaptureLevel> entry : rules.entrySet()) {
          try {
            CapturePolicy.checkRulePattern(entry.getKey());
          } catch (IllegalArgumentException e) {
            throw new TuningException(lineOf(yaml, "captures", "rules", entry.getKey()), "captures: rules: " + e.getMessage());
          }
          byRule.put(entry.getKey(), level(yaml, entry, "rules"));
        }
      }
      Map<String, CapturePolicy.Level> byNamespace = new LinkedHashMap<>();
      if (namespaces != null) {
        for (Map.Entry<String, CaptureLevel> entry : namespaces.entrySet()) {
          byNamespace.put(entry.getKey(), level(yaml, entry, "namespaces"));
        }
      }
      CapturePolicy.Level defaults = new CapturePolicy.Level(severity == null ? null : severity.value(),
          before == null ? null : before.millis(), after == null ? null : after.millis());
      return new CapturePolicy(defaults, byRule, byNamespace);
    }

    private static CapturePolicy.Level level(String yaml, Map.Entry<String, CaptureLevel> entry, String section)
        throws TuningException {
      CaptureLevel level = entry.getValue();
      if (level == null || level.severity() == null && level.before() == null && level.after() == null) {
        throw new TuningException(lineOf(yaml, "captures", section, entry.getKey()),
            "captures: " + section + ": " + entry.getKey() + ": set at least one of severity, before, after");
      }
      return level.level();
    }
  }

  /** The line of a key in the document, by its path; 0 when it cannot be found. */
  private static int lineOf(String yaml, String... path) {
    StringBuilder pointer = new StringBuilder();
    for (String part : path) {
      pointer.append('/').append(part.replace("~", "~0").replace("/", "~1"));
    }
    Integer line = YamlLines.byPointer(yaml).get(pointer.toString());
    return line == null ? 0 : line;
  }
}
