package io.driftwatch.app.topology;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.Outputs;
import io.driftwatch.rules.RuleEvaluator;
import io.driftwatch.rules.RuleSet;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every enriched event to the audit trail and evaluates it: one long-lived rule session
 * per stream task, its pseudo clock driven by event time. Alerts go out keyed by container,
 * commands keyed by node. When a partition goes quiet, the rule clock moves on with the wall
 * clock so that windows close.
 *
 * <p>Event-time order: events wait in a changelogged buffer for {@code driftwatch.rules.reorder.ms}
 * of event time (or as long of wall-clock quiet) and are evaluated oldest first, so an EXEC that
 * overtook the CREATE of its file still meets it. The audit trail is written at once.
 *
 * <p>State that survives: every evaluated event that changed the session's state (see
 * {@link RuleEvaluator#stateChanges()}) is kept, with the session clock, in changelogged stores
 * for {@code driftwatch.rules.state.retention.ms}. When the task starts (a new instance took it
 * over, or this one restarted after a crash), those events are replayed into a fresh session with
 * their outputs discarded: they were emitted, and committed, before. Stores, outputs and input
 * offsets commit together (exactly once), so the rebuilt state is the state as of the last commit.
 *
 * <p>Hot reload: the rule set comes from a supplier (the app's {@code RulesManager}), read before
 * every event and at every idle check. When its version differs from the one the task's session
 * runs, the session is replaced on this (the stream) thread between two events, carrying its
 * stateful facts over ({@link RuleEvaluator#replaceRules}); no event is skipped or evaluated twice.
 */
final class EvaluateProcessor implements Processor<String, EnrichedEvent, String, Object> {
    static final String UNKNOWN_NODE = "unknown";
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateProcessor.class);
    private static final String CLOCK = "clock";
    private static final String SEEN = "seen";
    private static final String SEQUENCE = "sequence";

    private final Supplier<RuleSet> rules;
    private final PipelineSettings settings;
    private final String enrichedChild;
    private final String alertsChild;
    private final String commandsChild;
    /** The audit trail's recorder (events, alerts, capture requests), or null when the trail is off. */
    private final String trailChild;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, EnrichedEvent> stateEvents;
    private KeyValueStore<String, EnrichedEvent> reorderBuffer;
    private KeyValueStore<String, Long> clockStore;
    private RuleEvaluator evaluator;
    private RuleSet active;
    private RuleSet failed;
    /**
     * The buffer's keys in order, mirrored in memory: ranging over the store from its start would
     * walk every deleted entry not yet compacted away, for every event.
     */
    private final java.util.TreeMap<String, EnrichedEvent> buffered = new java.util.TreeMap<>();
    /** Everything below this state-event key has been dropped already. */
    private String forgottenBelow;
    private long seen = Long.MIN_VALUE;
    private long sequence;
    private long lastEventWall;

    EvaluateProcessor(Supplier<RuleSet> rules, PipelineSettings settings, String enrichedChild, String alertsChild,
                      String commandsChild) {
        this(rules, settings, enrichedChild, alertsChild, commandsChild, null);
    }

    EvaluateProcessor(Supplier<RuleSet> rules, PipelineSettings settings, String enrichedChild, String alertsChild,
                      String commandsChild, String trailChild) {
        this.trailChild = trailChild;
        this.rules = rules;
        this.settings = settings;
        this.enrichedChild = enrichedChild;
        this.alertsChild = alertsChild;
        this.commandsChild = commandsChild;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.stateEvents = context.getStateStore(StoreNames.RULE_STATE_EVENTS);
        this.reorderBuffer = context.getStateStore(StoreNames.RULE_REORDER_BUFFER);
        this.clockStore = context.getStateStore(StoreNames.RULE_CLOCK);
        this.active = rules.get();
        this.evaluator = new RuleEvaluator(active, settings.ruleMaturities(), settings.ruleRepeatWindow().toMillis());
        rebuild();
        try (KeyValueIterator<String, EnrichedEvent> held = reorderBuffer.all()) {
            held.forEachRemaining(entry -> buffered.put(entry.key, entry.value));
        }
        this.lastEventWall = context.currentSystemTimeMs();
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::advanceWhenIdle);
        context.schedule(Duration.ofSeconds(10), PunctuationType.WALL_CLOCK_TIME, wall -> forgetOldStateEvents());
    }

    /** Replays the kept state events into the fresh session, outputs discarded, and restores the clock. */
    private void rebuild() {
        Long clock = clockStore.get(CLOCK);
        Long seenBefore = clockStore.get(SEEN);
        Long sequenceBefore = clockStore.get(SEQUENCE);
        seen = seenBefore == null ? Long.MIN_VALUE : seenBefore;
        sequence = sequenceBefore == null ? 0 : sequenceBefore;
        if (clock == null) {
            return;
        }
        long started = System.nanoTime();
        int replayed = 0;
        try (KeyValueIterator<String, EnrichedEvent> events = stateEvents.all()) {
            while (events.hasNext()) {
                evaluator.evaluate(events.next().value);
                replayed++;
            }
        }
        evaluator.advanceTo(clock);
        LOG.info("task {}: rule state rebuilt from {} events up to event time {} in {} ms ({} facts)", context.taskId(),
                replayed, clock, (System.nanoTime() - started) / 1_000_000, evaluator.factCount());
    }

    @Override
    public void process(Record<String, EnrichedEvent> record) {
        followRules();
        EnrichedEvent enriched = record.value();
        long eventTime = enriched.getEvent().getTimestamp();
        Record<String, Object> out = new Record<>(enriched.getEvent().getContainerId(), enriched, eventTime,
                record.headers());
        context.forward(out, enrichedChild);
        if (trailChild != null) {
            context.forward(out, trailChild);
        }
        lastEventWall = context.currentSystemTimeMs();
        seen = Math.max(seen, eventTime);
        clockStore.put(SEEN, seen);
        long reorder = settings.ruleReorder().toMillis();
        if (reorder == 0) {
            evaluate(enriched);
            return;
        }
        String key = bufferKey(eventTime, enriched.getEvent().getEventId());
        reorderBuffer.put(key, enriched);
        buffered.put(key, enriched);
        release(seen - reorder);
    }

    /** Evaluates the buffered events up to {@code upTo} (event time), oldest first. */
    private void release(long upTo) {
        var due = buffered.headMap(bufferKey(upTo, "\uffff"), true);
        while (!due.isEmpty()) {
            var oldest = due.pollFirstEntry();
            reorderBuffer.delete(oldest.getKey());
            evaluate(oldest.getValue());
        }
    }

    private void evaluate(EnrichedEvent enriched) {
        long before = evaluator.stateChanges();
        emit(evaluator.evaluate(enriched));
        if (evaluator.stateChanges() != before) {
            sequence++;
            stateEvents.put(stateKey(evaluator.currentTime(), sequence), enriched);
            clockStore.put(SEQUENCE, sequence);
        }
        clockStore.put(CLOCK, evaluator.currentTime());
    }

    /** Swaps the session over to the supplier's rule set when that is a new version. */
    private void followRules() {
        RuleSet latest = rules.get();
        if (latest == active || latest == failed || latest == null) {
            return;
        }
        if (!latest.version().equals(active.version())) {
            Outputs carriedOver;
            try {
                carriedOver = evaluator.replaceRules(latest);
            } catch (RuntimeException e) {
                // Not fatal for the task: it keeps evaluating with the set it has.
                failed = latest;
                LOG.error("task {}: could not move the rule session to rule set {}; this task keeps {}", context.taskId(),
                        latest.version(), active.version(), e);
                return;
            }
            LOG.info("task {}: rule set {} -> {}", context.taskId(), active.version(), latest.version());
            emit(carriedOver);
        }
        active = latest;
    }

    private void advanceWhenIdle(long wallTime) {
        followRules();
        if (seen == Long.MIN_VALUE) {
            return;
        }
        long idle = wallTime - lastEventWall;
        if (idle >= settings.ruleReorder().toMillis()) {
            release(Long.MAX_VALUE);
        }
        if (idle >= settings.ruleIdleAdvance().toMillis()) {
            emit(evaluator.advanceTo(seen + idle));
            clockStore.put(CLOCK, evaluator.currentTime());
        }
    }

    /** Drops the kept state events older than the retention (event time, behind the session clock). */
    private void forgetOldStateEvents() {
        long cutoff = evaluator.currentTime() - settings.ruleStateRetention().toMillis();
        if (cutoff <= 0) {
            return;
        }
        String below = stateKey(cutoff, 0);
        // From where the last pass stopped: below it are only deleted entries.
        StoreNames.deleteWhere(stateEvents, stateEvents.range(forgottenBelow, below), (key, event) -> true);
        forgottenBelow = below;
    }

    private void emit(Outputs outputs) {
        for (Alert alert : outputs.alerts()) {
            Record<String, Object> out = new Record<>(alert.getContainerId(), alert, alert.getTimestamp());
            context.forward(out, alertsChild);
            if (trailChild != null) {
                context.forward(out, trailChild);
            }
        }
        if (trailChild != null) {
            for (io.driftwatch.rules.CaptureRequest capture : outputs.captures()) {
                context.forward(new Record<String, Object>(capture.alert().getContainerId(), capture,
                        capture.alert().getTimestamp()), trailChild);
            }
        }
        for (ResponseCommand command : outputs.commands()) {
            String node = command.getNode() == null ? UNKNOWN_NODE : command.getNode();
            context.forward(new Record<String, Object>(node, command, command.getIssuedAt()), commandsChild);
        }
    }

    static String bufferKey(long eventTime, String eventId) {
        return StoreNames.padded(eventTime) + StoreNames.SEPARATOR + eventId;
    }

    static String stateKey(long clock, long sequence) {
        return StoreNames.padded(clock) + StoreNames.SEPARATOR + StoreNames.padded(sequence);
    }

    @Override
    public void close() {
        if (evaluator != null) {
            evaluator.close();
        }
    }
}
