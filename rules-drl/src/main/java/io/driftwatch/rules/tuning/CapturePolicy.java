package io.driftwatch.rules.tuning;

import io.driftwatch.model.Severity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which alerts ask for a capture (their container's trail sealed from {@code before} the alert to
 * {@code after} it) and how long a window: the {@code captures:} section of the tuning files.
 * Without one, every alert of severity {@link #DEFAULT_SEVERITY} or above asks, with five minutes
 * each side.
 *
 * <p>Three levels, each setting any of severity, before and after: the alert's rule, then its
 * namespace, then the default. Each setting comes from the first level that sets it, so
 * {@code DW-EXE-*: {severity: MEDIUM}} keeps the namespace's or the default's windows. Within the
 * rule level the exact id comes first, then the prefixes ending in {@code *} that match, longest
 * first. A severity of {@code off} asks for no capture.
 *
 * <p>Immutable.
 */
public final class CapturePolicy {
  public static final Severity DEFAULT_SEVERITY = Severity.HIGH;
  public static final long DEFAULT_BEFORE_MILLIS = 5 * 60_000L;
  public static final long DEFAULT_AFTER_MILLIS = 5 * 60_000L;
  /** A window side longer than a day would keep a capture open (and its trail held) for too long. */
  public static final long MAX_WINDOW_MILLIS = 24 * 60 * 60_000L;

  private static final Level BUILT_IN = new Level(Minimum.of(DEFAULT_SEVERITY), DEFAULT_BEFORE_MILLIS, DEFAULT_AFTER_MILLIS);
  private static final CapturePolicy DEFAULTS = new CapturePolicy(Level.UNSET, Map.of(), Map.of());
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

  /** The window of one capture: event time before and after the alert. */
  public record Window(long beforeMillis, long afterMillis) {
  }

  /**
   * The least severity that asks for a capture; {@link #OFF} (no severity) asks for none.
   *
   * @param atLeast null for off
   */
  public record Minimum(Severity atLeast) {
    public static final Minimum OFF = new Minimum(null);

    public static Minimum of(Severity severity) {
      return new Minimum(Objects.requireNonNull(severity, "severity"));
    }

    boolean admits(Severity severity) {
      return atLeast != null && severity != null && severity.ordinal() >= atLeast.ordinal();
    }

    @Override
    public String toString() {
      return atLeast == null ? "off" : atLeast.name();
    }
  }

  /**
   * What one level of the policy sets; a null field is not set here and comes from the next level.
   */
  public record Level(Minimum severity, Long beforeMillis, Long afterMillis) {
    public static final Level UNSET = new Level(null, null, null);

    public Level {
      checkWindow(beforeMillis, "before");
      checkWindow(afterMillis, "after");
    }

    public boolean isUnset() {
      return severity == null && beforeMillis == null && afterMillis == null;
    }

    /** This level with what {@code later} sets in place of its own settings. */
    Level overriddenBy(Level later) {
      return new Level(later.severity != null ? later.severity : severity,
          later.beforeMillis != null ? later.beforeMillis : beforeMillis,
          later.afterMillis != null ? later.afterMillis : afterMillis);
    }
  }

  private final Level defaults;
  private final Map<String, Level> rules;
  private final Map<String, Level> namespaces;

  /**
   * @param defaults   what the files set for every alert (unset fields keep the built-in defaults)
   * @param rules      by rule id, or by a prefix of ids ending in {@code *}
   * @param namespaces by namespace name
   */
  public CapturePolicy(Level defaults, Map<String, Level> rules, Map<String, Level> namespaces) {
    this.defaults = Objects.requireNonNull(defaults, "defaults");
    rules.keySet().forEach(CapturePolicy::checkRulePattern);
    this.rules = Map.copyOf(rules);
    this.namespaces = Map.copyOf(namespaces);
  }

  /** The built-in policy: HIGH and above, five minutes before and after. */
  public static CapturePolicy defaults() {
    return DEFAULTS;
  }

  /** True when nothing is tuned (the built-in policy). */
  public boolean isDefault() {
    return defaults.isUnset() && rules.isEmpty() && namespaces.isEmpty();
  }

  /**
   * The window of the capture an alert asks for, or empty when it asks for none.
   *
   * @param namespace the alert's namespace; null when its container is not known
   */
  public Optional<Window> windowFor(String ruleId, String namespace, Severity severity) {
    Level level = BUILT_IN.overriddenBy(defaults);
    Level byNamespace = namespace == null ? null : namespaces.get(namespace);
    if (byNamespace != null) {
      level = level.overriddenBy(byNamespace);
    }
    Level byRule = ruleLevel(ruleId);
    if (byRule != null) {
      level = level.overriddenBy(byRule);
    }
    if (!level.severity().admits(severity)) {
      return Optional.empty();
    }
    return Optional.of(new Window(level.beforeMillis(), level.afterMillis()));
  }

  /** This policy with what {@code later} (a later tuning file) sets in place of its own settings. */
  public CapturePolicy overriddenBy(CapturePolicy later) {
    if (later.isDefault()) {
      return this;
    }
    return new CapturePolicy(defaults.overriddenBy(later.defaults), merge(rules, later.rules),
        merge(namespaces, later.namespaces));
  }

  /** What the patterns matching the id set: the exact id over the prefixes, a longer prefix over a shorter. */
  private Level ruleLevel(String ruleId) {
    if (ruleId == null) {
      return null;
    }
    List<String> matching = new ArrayList<>();
    for (String pattern : rules.keySet()) {
      if (pattern.endsWith("*") ? ruleId.startsWith(pattern.substring(0, pattern.length() - 1)) : pattern.equals(ruleId)) {
        matching.add(pattern);
      }
    }
    // Least specific first, so each more specific one overrides it; an exact id is longer than its prefixes.
    matching.sort(Comparator.comparingInt((String pattern) -> pattern.endsWith("*") ? pattern.length() - 1 : Integer.MAX_VALUE));
    Level level = null;
    for (String pattern : matching) {
      level = level == null ? rules.get(pattern) : level.overriddenBy(rules.get(pattern));
    }
    return level;
  }

  private static Map<String, Level> merge(Map<String, Level> earlier, Map<String, Level> later) {
    Map<String, Level> merged = new LinkedHashMap<>(earlier);
    later.forEach((key, level) -> merged.merge(key, level, Level::overriddenBy));
    return merged;
  }

  /**
   * A minimum severity as the tuning file writes it: INFO, LOW, MEDIUM, HIGH or CRITICAL (any case),
   * or {@code off} (which YAML also reads from an unquoted off/no/false).
   */
  public static Minimum parseSeverity(String value) {
    String text = Objects.requireNonNull(value, "severity").strip();
    if (text.equalsIgnoreCase("off") || text.equalsIgnoreCase("false")) {
      return Minimum.OFF;
    }
    try {
      return Minimum.of(Severity.valueOf(text.toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("capture severity must be INFO, LOW, MEDIUM, HIGH, CRITICAL or off, not " + value);
    }
  }

  /** A duration as the tuning file writes it: 30s, 5m, 1h, 250ms, or a number of milliseconds. */
  public static long parseDuration(String value) {
    String text = Objects.requireNonNull(value, "duration").strip();
    Matcher matcher = DURATION.matcher(text);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("a duration is written 30s, 5m, 1h or as milliseconds, not " + value);
    }
    long millis;
    try {
      long amount = Long.parseLong(matcher.group(1));
      String unit = matcher.group(2) == null ? "ms" : matcher.group(2);
      millis = switch (unit) {
        case "h" -> Math.multiplyExact(amount, 3_600_000L);
        case "m" -> Math.multiplyExact(amount, 60_000L);
        case "s" -> Math.multiplyExact(amount, 1_000L);
        default -> amount;
      };
    } catch (ArithmeticException | NumberFormatException e) {
      millis = Long.MAX_VALUE;
    }
    if (millis > MAX_WINDOW_MILLIS) {
      throw new IllegalArgumentException("a capture window side is at most 24h, not " + value);
    }
    return millis;
  }

  private static void checkWindow(Long millis, String side) {
    if (millis != null && (millis < 0 || millis > MAX_WINDOW_MILLIS)) {
      throw new IllegalArgumentException("capture " + side + " must be between 0 and 24h, not " + millis + " ms");
    }
  }

  /** A rule id, or a prefix of ids ending in its only {@code *}. */
  public static void checkRulePattern(String pattern) {
    if (pattern == null || pattern.isBlank() || pattern.indexOf('*') >= 0 && pattern.indexOf('*') != pattern.length() - 1) {
      throw new IllegalArgumentException("a rule id, or a prefix ending in * (DW-FIM-*), not \"" + pattern + "\"");
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CapturePolicy that && defaults.equals(that.defaults) && rules.equals(that.rules)
        && namespaces.equals(that.namespaces);
  }

  @Override
  public int hashCode() {
    return Objects.hash(defaults, rules, namespaces);
  }

  @Override
  public String toString() {
    return "CapturePolicy[defaults=" + BUILT_IN.overriddenBy(defaults) + ", rules=" + rules + ", namespaces=" + namespaces + "]";
  }
}
