package io.driftwatch.rules;

import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.FileEvent;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.AgendaFilter;
import org.kie.api.runtime.rule.FactHandle;
import org.kie.api.time.SessionPseudoClock;

/**
 * Evaluates events against a {@link RuleSet}: one per stream task, holding one long-lived
 * KieSession in STREAM mode whose pseudo clock is driven by event time. Not thread-safe.
 *
 * <p>Facts: each event's {@link FileEvent} (path and newPath canonicalised; an event older than
 * the clock is inserted at the clock's time), one {@code ContainerMetadata} per recently seen
 * container, and the alerts and commands the rules produce. Every event type expires (see
 * {@code events.drl}), so memory stays bounded however long the session runs.
 */
public final class RuleEvaluator implements AutoCloseable {
  /** A right-hand side that keeps re-activating rules would otherwise never return. */
  static final int MAX_FIRINGS_PER_CALL = 100_000;

  private final KieSession session;
  private final SessionPseudoClock clock;
  private final ContainerTable containers;
  private final OutputCollector outputs;
  private final AgendaFilter maturityFilter;
  private final Classifier classifier;

  /** Every rule of the set fires, whatever its maturity (rule tests, fixtures). */
  public RuleEvaluator(RuleSet rules) {
    this(rules, Set.of());
  }

  /**
   * Only rules whose {@code @maturity} is in {@code maturities} fire (e.g. {@code stable}, the
   * default of the app); an empty set means every rule.
   */
  public RuleEvaluator(RuleSet rules, Set<String> maturities) {
    Objects.requireNonNull(rules, "rules");
    this.maturityFilter = maturities.isEmpty() ? null : new MaturityFilter(maturities);
    this.session = rules.newSession();
    this.clock = session.getSessionClock();
    this.containers = new ContainerTable(session);
    this.classifier = new Classifier(session);
    this.outputs = new OutputCollector(rules, containers, clock::getCurrentTime);
    if (rules.declaresGlobal("detections")) {
      session.setGlobal("detections", outputs);
    }
    if (rules.declaresGlobal("responses")) {
      session.setGlobal("responses", outputs);
    }
    // Rules without conditions fire now: they insert the reference facts (allow-lists).
    fire();
  }

  /**
   * Inserts the event, advances the clock to its time (never backwards: an older event is
   * evaluated at the current clock time), fires all rules and returns what fired.
   */
  public Outputs evaluate(EnrichedEvent event) {
    Objects.requireNonNull(event, "event");
    FileEvent original = Objects.requireNonNull(event.getEvent(), "event.event");
    long now = advanceClock(original.getTimestamp());
    ClassifiedEvent fact = asFact(original, now);
    classifier.classify(fact);
    outputs.remember(fact, EventContext.of(event));
    containers.observe(original.getContainerId(), event.getContainer(), now);
    FactHandle handle = session.insert(fact);
    Outputs outputs = fire();
    // The raw event leaves at once: correlations keep derived facts of their own (FileWritten),
    // each with its own expiry. An event held for its full @expires costs every later event
    // time in the engine's expiry queue and in the memories of the rules it reached.
    session.delete(handle);
    fire();
    return outputs;
  }

  /** Advances the clock (never backwards) and fires: for the end of input and for idle time. */
  public Outputs advanceTo(long eventTimeMillis) {
    long now = advanceClock(eventTimeMillis);
    containers.evict(now);
    return fire();
  }

  /** Facts in working memory: reference facts, live events, derived facts, containers. */
  public long factCount() {
    return session.getFactCount();
  }

  @Override
  public void close() {
    session.dispose();
  }

  long currentTime() {
    return clock.getCurrentTime();
  }

  private long advanceClock(long eventTimeMillis) {
    long now = clock.getCurrentTime();
    if (eventTimeMillis > now) {
      clock.advanceTime(eventTimeMillis - now, TimeUnit.MILLISECONDS);
    }
    return clock.getCurrentTime();
  }

  private Outputs fire() {
    int fired = maturityFilter == null
        ? session.fireAllRules(MAX_FIRINGS_PER_CALL)
        : session.fireAllRules(maturityFilter, MAX_FIRINGS_PER_CALL);
    if (fired >= MAX_FIRINGS_PER_CALL) {
      throw new IllegalStateException("rules fired " + fired + " times for one event: a rule keeps re-activating itself");
    }
    return outputs.drain();
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
