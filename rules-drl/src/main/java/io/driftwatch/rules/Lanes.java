package io.driftwatch.rules;

import io.driftwatch.model.Alert;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.RuleCompilationException.Problem;
import io.driftwatch.rules.state.CarriedFact;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.drools.base.base.ClassObjectType;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.base.rule.ConsequenceMetaData;
import org.drools.base.rule.RuleConditionElement;
import org.kie.api.KieBase;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;

/**
 * The lane of every rule of a rule set (see {@link Lane}), found from the rules themselves.
 *
 * <p>State is what rules derive from events and keep: a fact type is state when it is an event type
 * other than the file event, alerts and commands ({@code @role( event )}: FileWrite, FileWritten,
 * ChangeBurst), implements {@link CarriedFact}, or is inserted or modified by a rule that matches a
 * file event or state (so a counter a user's rule keeps in a plain declared type is state too). A
 * rule is <b>ordered</b> when it matches state or makes it; <b>immediate</b> when it matches a file
 * event and no state; in <b>both</b> lanes otherwise (reference facts without conditions, the
 * response policy, which reads alerts). {@code @lane( "ordered" )} or {@code @lane( "immediate" )}
 * on a rule overrides what was found (a rule that makes state through a helper method the analysis
 * cannot see, say).
 *
 * <p>What a rule makes is what its right-hand side inserts, modifies or deletes, as Drools records
 * it while compiling the consequence.
 */
final class Lanes {
  /** Where a rule runs: one lane, or both (reference facts, response policy). */
  enum Placement { IMMEDIATE, ORDERED, BOTH }


  private static final java.util.regex.Pattern TYPE_IS =
      java.util.regex.Pattern.compile("\\s*type\\s*==\\s*(?:[\\w.]*\\.)?(\\w+)\\s*");
  private static final java.util.regex.Pattern TYPE_IN =
      java.util.regex.Pattern.compile("\\s*type\\s+in\\s*\\((.*)\\)\\s*");

  private final Map<String, Placement> placements;
  private final List<Problem> problems;
  private final Set<io.driftwatch.model.EventType> orderedTypes;

  private Lanes(Map<String, Placement> placements, List<Problem> problems, Set<io.driftwatch.model.EventType> orderedTypes) {
    this.placements = placements;
    this.problems = problems;
    this.orderedTypes = orderedTypes;
  }

  /** The placement of every rule of {@code base}, whose sources are {@code files}. */
  static Lanes find(KieBase base, java.util.function.Function<Rule, String> fileOf) {
    List<RuleImpl> rules = new ArrayList<>();
    for (KiePackage kiePackage : base.getKiePackages()) {
      for (Rule rule : kiePackage.getRules()) {
        if (rule instanceof RuleImpl impl) {
          rules.add(impl);
        }
      }
    }
    // Every type some rule matches, by simple name, and which of them are state to begin with.
    Map<String, Class<?>> matched = new HashMap<>();
    Set<Class<?>> state = new HashSet<>();
    Map<RuleImpl, Set<Class<?>>> lhsTypes = new HashMap<>();
    Set<Class<?>> events = new HashSet<>();
    for (RuleImpl rule : rules) {
      Set<Class<?>> types = new HashSet<>();
      collect(rule.getLhs(), types, events);
      lhsTypes.put(rule, types);
      for (Class<?> type : types) {
        matched.putIfAbsent(type.getSimpleName(), type);
      }
    }
    for (Set<Class<?>> types : lhsTypes.values()) {
      for (Class<?> type : types) {
        if (events.contains(type) && !FileEvent.class.isAssignableFrom(type) && !isOutput(type)
            || CarriedFact.class.isAssignableFrom(type)) {
          state.add(type);
        }
      }
    }
    // What each rule makes (types some rule matches), then state to a fixpoint: what rules on events or state make.
    Map<RuleImpl, Set<Class<?>>> made = new HashMap<>();
    for (RuleImpl rule : rules) {
      made.put(rule, makes(rule, matched));
    }
    boolean grew = true;
    while (grew) {
      grew = false;
      for (RuleImpl rule : rules) {
        if (onEventsOrState(lhsTypes.get(rule), state)) {
          for (Class<?> type : made.get(rule)) {
            if (!isOutput(type) && !FileEvent.class.isAssignableFrom(type) && state.add(type)) {
              grew = true;
            }
          }
        }
      }
    }
    Map<String, Placement> placements = new HashMap<>();
    List<Problem> problems = new ArrayList<>();
    for (RuleImpl rule : rules) {
      Set<Class<?>> types = lhsTypes.get(rule);
      boolean usesState = types.stream().anyMatch(state::contains)
          || onEventsOrState(types, state) && made.get(rule).stream().anyMatch(state::contains);
      boolean onEvents = types.stream().anyMatch(FileEvent.class::isAssignableFrom);
      Placement placement = usesState ? Placement.ORDERED : onEvents ? Placement.IMMEDIATE : Placement.BOTH;
      Object declared = RuleCatalog.metadata(rule).get("lane");
      if (declared != null) {
        String lane = String.valueOf(declared).replace("\"", "").trim();
        switch (lane) {
          case "ordered" -> placement = Placement.ORDERED;
          case "immediate" -> placement = Placement.IMMEDIATE;
          default -> problems.add(new Problem(fileOf.apply(rule), 0, "rule \"" + rule.getName()
              + "\": @lane(\"" + lane + "\") must be ordered or immediate"));
        }
      }
      placements.put(key(rule), placement);
    }
    Set<io.driftwatch.model.EventType> orderedTypes = java.util.EnumSet.noneOf(io.driftwatch.model.EventType.class);
    for (RuleImpl rule : rules) {
      if (placements.get(key(rule)) != Placement.IMMEDIATE) {
        eventTypes(rule.getLhs(), orderedTypes);
      }
    }
    return new Lanes(Map.copyOf(placements), List.copyOf(problems), java.util.Collections.unmodifiableSet(orderedTypes));
  }

  /**
   * The event types the file-event patterns of the ordered lane can match: an event of any other type
   * need not wait in the reorder buffer nor reach that lane. Read from each pattern's {@code type == X}
   * or {@code type in ( X, Y )} constraint; a pattern without one can match every type.
   */
  Set<io.driftwatch.model.EventType> orderedTypes() {
    return orderedTypes;
  }

  private static void eventTypes(RuleConditionElement element, Set<io.driftwatch.model.EventType> types) {
    if (element == null) {
      return;
    }
    if (element instanceof org.drools.base.rule.Pattern pattern) {
      if (pattern.getObjectType() instanceof ClassObjectType type && type.getClassType() != null
          && FileEvent.class.isAssignableFrom(type.getClassType())) {
        Set<io.driftwatch.model.EventType> allowed = null;
        for (org.drools.base.rule.constraint.Constraint constraint : pattern.getConstraints()) {
          if (constraint instanceof org.drools.mvel.MVELConstraint mvel && mvel.getExpression() != null) {
            Set<io.driftwatch.model.EventType> named = typesNamed(mvel.getExpression());
            if (named != null) {
              allowed = named;
            }
          }
        }
        types.addAll(allowed != null ? allowed : java.util.EnumSet.allOf(io.driftwatch.model.EventType.class));
      }
      eventTypes(pattern.getSource(), types);
      return;
    }
    for (RuleConditionElement nested : element.getNestedElements()) {
      eventTypes(nested, types);
    }
  }

  /**
   * The types a constraint {@code type == X}, {@code type == X || type == Y} (how Drools rewrites
   * {@code type in ( X, Y )}) or {@code type in ( X, Y )} admits; null for any other constraint.
   */
  static Set<io.driftwatch.model.EventType> typesNamed(String expression) {
    java.util.regex.Matcher in = TYPE_IN.matcher(expression);
    List<String> names = new ArrayList<>();
    if (!in.matches()) {
      for (String alternative : expression.split("\\|\\|", -1)) {
        java.util.regex.Matcher is = TYPE_IS.matcher(alternative);
        if (!is.matches()) {
          return null;
        }
        names.add(is.group(1));
      }
    } else {
      for (String name : in.group(1).split(",")) {
        String trimmed = name.trim();
        names.add(trimmed.substring(trimmed.lastIndexOf('.') + 1));
      }
    }
    Set<io.driftwatch.model.EventType> types = java.util.EnumSet.noneOf(io.driftwatch.model.EventType.class);
    for (String name : names) {
      try {
        types.add(io.driftwatch.model.EventType.valueOf(name));
      } catch (IllegalArgumentException e) {
        return null; // not a constant we know: assume any type
      }
    }
    return types;
  }

  /** Whether the rule belongs in a session of {@code lane}. */
  boolean includes(Lane lane, Rule rule) {
    Placement placement = placements.getOrDefault(key(rule), Placement.BOTH);
    return switch (lane) {
      case ALL -> true;
      case IMMEDIATE -> placement != Placement.ORDERED;
      case ORDERED -> placement != Placement.IMMEDIATE;
    };
  }

  Placement placement(Rule rule) {
    return placements.getOrDefault(key(rule), Placement.BOTH);
  }

  List<Problem> problems() {
    return problems;
  }

  static String key(Rule rule) {
    return rule.getPackageName() + "/" + rule.getName();
  }

  private static boolean onEventsOrState(Set<Class<?>> types, Set<Class<?>> state) {
    return types.stream().anyMatch(type -> FileEvent.class.isAssignableFrom(type) || state.contains(type));
  }

  private static boolean isOutput(Class<?> type) {
    return Alert.class.isAssignableFrom(type) || ResponseCommand.class.isAssignableFrom(type);
  }

  /** The types a pattern of the element (nested, sources too) matches; those declared as events also in {@code events}. */
  private static void collect(RuleConditionElement element, Set<Class<?>> types, Set<Class<?>> events) {
    if (element == null) {
      return;
    }
    if (element instanceof org.drools.base.rule.Pattern pattern) {
      if (pattern.getObjectType() instanceof ClassObjectType type) {
        Class<?> cls = type.getClassType();
        if (cls != null && !cls.getName().startsWith("org.drools.")) {
          types.add(cls);
        }
        if (type.isEvent() && cls != null) {
          events.add(cls);
        }
      }
      collect(pattern.getSource(), types, events);
      return;
    }
    for (RuleConditionElement nested : element.getNestedElements()) {
      collect(nested, types, events);
    }
  }

  /**
   * What the rule's right-hand side inserts, modifies or deletes, among the types some rule matches: from the
   * consequence's metadata, which Drools reads from {@code insert}, {@code modify}, {@code update} and
   * {@code delete} while compiling.
   */
  private static Set<Class<?>> makes(RuleImpl rule, Map<String, Class<?>> matched) {
    Set<Class<?>> types = new HashSet<>();
    ConsequenceMetaData metaData = rule.getConsequenceMetaData();
    if (metaData == null || metaData.getStatements() == null) {
      return types;
    }
    for (ConsequenceMetaData.Statement statement : metaData.getStatements()) {
      String name = statement.getFactClassName();
      if (name == null) {
        continue;
      }
      Class<?> type = matched.get(name.substring(Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1));
      if (type != null && type.getName().equals(name.replace('$', '.')) || type != null && type.getName().equals(name)) {
        types.add(type);
      }
    }
    return types;
  }
}
