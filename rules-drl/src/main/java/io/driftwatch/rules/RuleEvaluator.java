package io.driftwatch.rules;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.state.CarriedFact;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.AgendaFilter;
import org.kie.api.runtime.rule.FactHandle;
import org.kie.api.time.SessionPseudoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates events against a {@link RuleSet}: one per stream task, holding one long-lived
 * KieSession in STREAM mode whose pseudo clock is driven by event time. Not thread-safe.
 *
 * <p>Each event enters the session as a {@link ClassifiedEvent} (path and newPath canonicalised,
 * classified with the rule set's lists, an event older than the clock lifted to the clock's time),
 * the rules fire, and the event leaves the session again: what a stateful rule needs to remember
 * it keeps in facts of its own ({@link CarriedFact}s such as FileWritten), each with its own
 * expiry. Besides those the session holds the reference facts (lists, thresholds, exceptions), one
 * {@code ContainerMetadata} per recently seen container, and the alerts and commands of the
 * last ten minutes. Memory stays bounded however long the session runs.
 *
 * <p>{@link #replaceRules} swaps the rule set while running and carries the state over.
 */
public final class RuleEvaluator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RuleEvaluator.class);
  /** A right-hand side that keeps re-activating rules would otherwise never return. */
  static final int MAX_FIRINGS_PER_CALL = 100_000;

  private final AgendaFilter maturityFilter;
  private final Lane lane;
  private final OutputCollector outputs;
  private RuleSet rules;
  private KieSession session;
  private SessionPseudoClock clock;
  private ContainerTable containers;
  private Classifier classifier;
  /** Changes to working memory other than the evaluated event's own coming and going. */
  private long factChanges;
  private Object evaluating;
  private final Deduplicator deduplicator = new Deduplicator();
  private io.driftwatch.rules.image.ImageBaselines images = io.driftwatch.rules.image.ImageBaselines.NONE;

  /** Every rule of the set fires, whatever its maturity (rule tests, fixtures). */
  public RuleEvaluator(RuleSet rules) {
    this(rules, Set.of());
  }

  /**
   * Only rules whose {@code @maturity} is in {@code maturities} fire (e.g. {@code stable}, the
   * default of the app); an empty set means every rule.
   */
  public RuleEvaluator(RuleSet rules, Set<String> maturities) {
    this(rules, maturities, OutputCollector.DEFAULT_REPEAT_WINDOW_MILLIS);
  }

  /**
   * As {@link #RuleEvaluator(RuleSet, Set)}, collapsing repeats of an alert (same rule, container
   * and path) within {@code repeatWindowMillis} of event time into one alert with a count; 0 turns
   * collapsing off.
   */
  public RuleEvaluator(RuleSet rules, Set<String> maturities, long repeatWindowMillis) {
    this(rules, Lane.ALL, maturities, repeatWindowMillis);
  }

  /**
   * As above, with only the rules of {@code lane}: {@link Lane#IMMEDIATE} for a session that sees
   * events as they come, {@link Lane#ORDERED} for one that sees them in event-time order.
   */
  public RuleEvaluator(RuleSet rules, Lane lane, Set<String> maturities, long repeatWindowMillis) {
    this.lane = Objects.requireNonNull(lane, "lane");
    this.rules = Objects.requireNonNull(rules, "rules");
    this.maturityFilter = maturities.isEmpty() ? null : new MaturityFilter(maturities);
    this.outputs = new OutputCollector(rules, repeatWindowMillis);
    open(rules, Long.MIN_VALUE);
  }

  /**
   * Where the image baselines come from for the drift rules (by the container's {@code imageDigest}); without
   * this, or with {@link io.driftwatch.rules.image.ImageBaselines#NONE}, no image has a baseline and the drift
   * rules stay silent. Looked up lazily, at most once per event, only for events a drift rule looks at.
   */
  public void useImages(io.driftwatch.rules.image.ImageBaselines images) {
    this.images = Objects.requireNonNull(images, "images");
  }

  /** The rules of the set this evaluator runs. */
  public Lane lane() {
    return lane;
  }

  /** The rule set in use. */
  public RuleSet rules() {
    return rules;
  }

  /**
   * Inserts the event, advances the clock to its time (never backwards: an older event is
   * evaluated at the current clock time), fires all rules and returns what fired.
   */
  public Outputs evaluate(EnrichedEvent event) {
    Objects.requireNonNull(event, "event");
    FileEvent original = Objects.requireNonNull(event.getEvent(), "event.event");
    long now = advanceClosingWindows(original.getTimestamp());
    ClassifiedEvent fact = asFact(original, now);
    classifier.classify(fact);
    ContainerMetadata container = containers.observe(original.getContainerId(), event.getContainer(), now);
    fact.context(EventContext.of(event, container));
    fact.image(images, container == null ? null : container.getImageDigest());
    long changesBefore = factChanges;
    evaluating = fact;
    FactHandle handle = session.insert(fact);
    try {
      fire();
    } finally {
      // The raw event leaves at once, also when a rule threw: correlations keep derived facts of
      // their own (FileWritten, ChangeBurst), each with its own expiry. It has no @expires (see
      // events.drl): the expiry job every insert would schedule, and its delete take back, cost 12%
      // of an evaluation.
      session.delete(handle);
      evaluating = null;
    }
    fire();
    if (factChanges != changesBefore) {
      // Something may keep the event (a FileWritten, a ChangeBurst): for minutes, so fold its
      // values into the instances other kept events hold (about a fifth of the soak's heap).
      fact.compact(deduplicator);
    }
    outputs.closeWindows(now);
    return outputs.drain();
  }

  /**
   * A counter that moves whenever an evaluation changes what later evaluations depend on: a fact
   * other than the evaluated event inserted, updated or deleted (remembered files, bursts, alerts,
   * commands), or an alert or command produced, collapsed or suppressed. An event after which it
   * has not moved left no trace, so replaying only the events that moved it (in order, with the
   * clock) rebuilds the same state: what a restarted task does.
   */
  public long stateChanges() {
    return factChanges + outputs.changes();
  }

  /** Advances the clock (never backwards) and fires: for the end of input and for idle time. */
  public Outputs advanceTo(long eventTimeMillis) {
    long now = advanceClosingWindows(eventTimeMillis);
    containers.evict(now);
    fire();
    outputs.closeWindows(now);
    return outputs.drain();
  }

  /**
   * Continues with another rule set: a session of {@code newRules} takes over the clock, the
   * containers, the alerts and commands of the last ten minutes and every {@link CarriedFact}
   * (files written recently, bursts of changes), each keeping what remains of its life. Rules that
   * fire while the state is carried over produce nothing (their outputs are muted). Repeat and
   * de-duplication memory lives outside the session and stays. Returns what is due after the swap
   * (normally nothing). A set with the same version as the current one is ignored.
   */
  public Outputs replaceRules(RuleSet newRules) {
    Objects.requireNonNull(newRules, "newRules");
    if (newRules.version().equals(rules.version())) {
      return Outputs.empty();
    }
    long started = System.nanoTime();
    KieSession old = session;
    ContainerTable oldContainers = containers;
    long now = clock.getCurrentTime();
    List<Object> carried = new ArrayList<>();
    for (Object fact : old.getObjects(RuleEvaluator::carried)) {
      carried.add(fact);
    }
    outputs.drain();
    SessionPseudoClock oldClock = clock;
    Classifier oldClassifier = classifier;
    OutputCollector.Binding oldBinding = outputs.binding();
    outputs.mute(true);
    try {
      open(newRules, now);
      oldContainers.copyTo(containers);
      for (Object fact : carried) {
        session.insert(fact);
      }
      fire();
    } catch (RuntimeException e) {
      // Failure-atomic: the evaluator goes on with the session it had.
      KieSession failed = session;
      session = old;
      clock = oldClock;
      containers = oldContainers;
      classifier = oldClassifier;
      outputs.rebind(oldBinding);
      if (failed != old) {
        failed.dispose();
      }
      throw e;
    } finally {
      outputs.mute(false);
    }
    String previous = rules.version();
    rules = newRules;
    outputs.useRules(newRules);
    old.dispose();
    log.info("rule set {} -> {}: {} facts carried over in {} ms", previous, newRules.version(), carried.size(),
        (System.nanoTime() - started) / 1_000_000);
    return outputs.drain();
  }

  /**
   * Remembers a command that another session over the same events issued (the other lane), so this
   * session's response policy de-duplicates against it: at most one command per container, node and
   * action in ten minutes, whichever session issued it. Not an output of this evaluator.
   */
  public void rememberCommand(ResponseCommand command) {
    Objects.requireNonNull(command, "command");
    session.insert(command);
  }

  /** The commands this session remembers (issued in the last ten minutes of event time, or given to it). */
  public List<ResponseCommand> rememberedCommands() {
    List<ResponseCommand> commands = new ArrayList<>();
    for (Object fact : session.getObjects(fact -> fact instanceof ResponseCommand)) {
      commands.add((ResponseCommand) fact);
    }
    return commands;
  }

  /** Facts in working memory: reference facts, remembered state, containers, recent alerts and commands. */
  public long factCount() {
    return session.getFactCount();
  }

  /** Alerts not raised because an {@code AlertException} matched them, since this evaluator started. */
  public long suppressedAlerts() {
    return outputs.suppressed();
  }

  @Override
  public void close() {
    session.dispose();
  }

  /** The session clock: event time up to which the rules have seen everything. */
  public long currentTime() {
    return clock.getCurrentTime();
  }

  private void count(Object fact) {
    if (fact != evaluating && !(fact instanceof io.driftwatch.model.ContainerMetadata)) {
      factChanges++;
    }
  }

  private static boolean carried(Object fact) {
    return fact instanceof CarriedFact || fact instanceof Alert || fact instanceof ResponseCommand;
  }

  /** A new session on {@code ruleSet} (its clock at {@code now} unless MIN_VALUE), its reference facts in place. */
  private void open(RuleSet ruleSet, long now) {
    session = ruleSet.newSession(lane);
    clock = session.getSessionClock();
    if (now != Long.MIN_VALUE && now > clock.getCurrentTime()) {
      clock.advanceTime(now - clock.getCurrentTime(), TimeUnit.MILLISECONDS);
    }
    containers = new ContainerTable(session);
    classifier = new Classifier(session);
    session.addEventListener(new org.kie.api.event.rule.DefaultRuleRuntimeEventListener() {
      @Override
      public void objectInserted(org.kie.api.event.rule.ObjectInsertedEvent event) {
        count(event.getObject());
      }

      @Override
      public void objectUpdated(org.kie.api.event.rule.ObjectUpdatedEvent event) {
        count(event.getObject());
      }

      @Override
      public void objectDeleted(org.kie.api.event.rule.ObjectDeletedEvent event) {
        count(event.getOldObject());
      }
    });
    outputs.attach(containers, clock::getCurrentTime, session);
    if (ruleSet.declaresGlobal("detections")) {
      session.setGlobal("detections", outputs);
    }
    if (ruleSet.declaresGlobal("responses")) {
      session.setGlobal("responses", outputs);
    }
    // Rules without conditions fire now: they insert the reference facts (lists, thresholds).
    fire();
    // The tuning files come after, so that their thresholds replace the shipped defaults.
    ruleSet.tuning().applyTo(session);
    fire();
  }

  /**
   * Advances the clock to {@code eventTimeMillis}, stopping at each repeat window that closes on
   * the way, so a collapsed alert is raised, and answered by the response policy, at the time its
   * window closed (a big jump, such as the end of a replay, would otherwise expire the commands it
   * must be de-duplicated against first).
   */
  private long advanceClosingWindows(long eventTimeMillis) {
    long next;
    while ((next = outputs.nextWindowClose()) <= eventTimeMillis) {
      advanceClock(next);
      fire();
      outputs.closeWindows(Math.max(next, clock.getCurrentTime()));
    }
    return advanceClock(eventTimeMillis);
  }

  private long advanceClock(long eventTimeMillis) {
    long now = clock.getCurrentTime();
    if (eventTimeMillis > now) {
      clock.advanceTime(eventTimeMillis - now, TimeUnit.MILLISECONDS);
    }
    return clock.getCurrentTime();
  }

  private void fire() {
    int fired = maturityFilter == null
        ? session.fireAllRules(MAX_FIRINGS_PER_CALL)
        : session.fireAllRules(maturityFilter, MAX_FIRINGS_PER_CALL);
    if (fired >= MAX_FIRINGS_PER_CALL) {
      throw new IllegalStateException("rules fired " + fired + " times for one event: a rule keeps re-activating itself");
    }
  }

  /** The event as the rules see it: canonical paths, and not older than the clock. */
  private static ClassifiedEvent asFact(FileEvent event, long now) {
    ClassifiedEvent fact = shallowCopy(event);
    fact.setPath(CanonicalPath.of(event.getPath()));
    fact.setNewPath(CanonicalPath.of(event.getNewPath()));
    fact.setTimestamp(Math.max(event.getTimestamp(), now));
    return fact;
  }

  /**
   * Field by field through the record's schema, so fields added to FileEvent later are copied
   * too. Not {@code FileEvent.newBuilder(event)}: its deep copy loads the enum class by name,
   * which Avro 1.12 refuses for classes outside its trusted packages.
   */
  private static ClassifiedEvent shallowCopy(FileEvent event) {
    ClassifiedEvent copy = new ClassifiedEvent();
    for (int i = 0; i < FileEvent.getClassSchema().getFields().size(); i++) {
      copy.put(i, event.get(i));
    }
    return copy;
  }
}
