package io.driftwatch.app.topology;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.Lane;
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
 * Writes every enriched event to the audit trail and evaluates it in two lanes, each one long-lived
 * rule session per stream task with its pseudo clock driven by event time. Alerts go out keyed by
 * container, commands keyed by node. When a partition goes quiet, the rule clocks move on with the
 * wall clock so that windows close.
 *
 * <p>Two lanes ({@link Lane}): the <b>immediate</b> lane holds the single-event rules and evaluates
 * every event the moment it arrives, so their alerts leave within the commit interval. The
 * <b>ordered</b> lane holds the stateful rules (those that remember files written, bursts of
 * changes): its events wait in a changelogged buffer for {@code driftwatch.rules.reorder.ms} of
 * event time (or as long of wall-clock quiet) and are evaluated oldest first, so an EXEC that
 * overtook the CREATE of its file still meets it. Only events some stateful rule can match enter
 * the buffer ({@link RuleSet#orderedLaneTypes()}). The audit trail is written at once. When the trail is kept,
 * the buffer is not written to a store at all: the trail (same task, committed with it) holds every event, and
 * after a restart the events later than the last release are taken back from it.
 *
 * <p>State that survives: every evaluated event that changed a session's state (see
 * {@link RuleEvaluator#stateChanges()}) is kept, under its lane, with the session clocks, in changelogged stores
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
    /** The ordered lane's clock (the name it had when there was one lane). */
    private static final String CLOCK = "clock";
    /** The immediate lane's clock where a quiet partition moved it past the newest event (it is {@code seen} otherwise). */
    private static final String IMMEDIATE_CLOCK = "clock-immediate";
    private static final String SEEN = "seen";
    private static final String SEQUENCE = "sequence";
    /** Trail-backed: the release mark when it is more than {@code seen} less the bound (after a quiet spell). */
    private static final String RELEASED = "released";
    /** Trail-backed: the reorder bound {@code seen} was released with, in case the setting changes. */
    private static final String REORDER = "reorder";
    /** State-event keys start with their lane; keys written before there were lanes start with a digit. */
    static final String IMMEDIATE_PREFIX = "i";
    static final String ORDERED_PREFIX = "o";

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
    /**
     * The trail's events (same task), when the trail is kept: then the reorder buffer lives in memory only and is
     * rebuilt from the trail after a restart (every event the trail holds later than {@link #releasedUpTo}), instead
     * of writing each event to a changelogged store and deleting it a second later.
     */
    private org.apache.kafka.streams.state.WindowStore<String, EnrichedEvent> trailEvents;
    /**
     * Trail-backed: every event with a time up to this has been evaluated in the ordered lane. Not written per
     * event: after each event it is at least {@code seen} less the bound (both kept), and a quiet spell's release
     * of everything is written as {@link #RELEASED}.
     */
    private long releasedUpTo = Long.MIN_VALUE;
    /** Trail-backed: keys left in the buffer store from before the trail kept the buffer (deleted as they go). */
    private final java.util.Set<String> persisted = new java.util.HashSet<>();
    private KeyValueStore<String, Long> clockStore;
    /** The single-event rules, evaluated as events arrive. */
    private RuleEvaluator immediate;
    /** The stateful rules, evaluated in event-time order after the reorder buffer. */
    private RuleEvaluator ordered;
    /** The event types the ordered lane's rules can match (none for a rule set without stateful rules). */
    private java.util.Set<io.driftwatch.model.EventType> orderedTypes;
    private RuleSet active;
    private RuleSet failed;
    /**
     * The buffer's keys in order, mirrored in memory: ranging over the store from its start would
     * walk every deleted entry not yet compacted away, for every event.
     */
    private final java.util.TreeMap<String, EnrichedEvent> buffered = new java.util.TreeMap<>();
    /** Everything below these state-event keys (immediate, ordered lane) has been dropped already. */
    private String immediateForgottenBelow = IMMEDIATE_PREFIX;
    private String orderedForgottenBelow = ORDERED_PREFIX;
    private String legacyForgottenBelow;
    private long seen = Long.MIN_VALUE;
    private long sequence;
    private long lastEventWall;
    private final EnrichmentCounters counters;
    /** Events processed by this task, for sampling the evaluation timer. */
    private long processed;
    /** The image baselines' cache (the global store behind it), or null when the topology has none. */
    private final ImageBaselineCache images;

    EvaluateProcessor(Supplier<RuleSet> rules, PipelineSettings settings, String enrichedChild, String alertsChild,
                      String commandsChild) {
        this(rules, settings, enrichedChild, alertsChild, commandsChild, null);
    }

    EvaluateProcessor(Supplier<RuleSet> rules, PipelineSettings settings, String enrichedChild, String alertsChild,
                      String commandsChild, String trailChild) {
        this(rules, settings, enrichedChild, alertsChild, commandsChild, trailChild, new EnrichmentCounters());
    }

    EvaluateProcessor(Supplier<RuleSet> rules, PipelineSettings settings, String enrichedChild, String alertsChild,
                      String commandsChild, String trailChild, EnrichmentCounters counters) {
        this(rules, settings, enrichedChild, alertsChild, commandsChild, trailChild, counters, null);
    }

    /** As above; the drift rules find image baselines through {@code images} and the global store (null: none). */
    EvaluateProcessor(Supplier<RuleSet> rules, PipelineSettings settings, String enrichedChild, String alertsChild,
                      String commandsChild, String trailChild, EnrichmentCounters counters, ImageBaselineCache images) {
        this.images = images;
        this.counters = counters;
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
        this.immediate = new RuleEvaluator(active, Lane.IMMEDIATE, settings.ruleMaturities(),
                settings.ruleRepeatWindow().toMillis());
        this.ordered = new RuleEvaluator(active, Lane.ORDERED, settings.ruleMaturities(),
                settings.ruleRepeatWindow().toMillis());
        this.orderedTypes = active.orderedLaneTypes();
        if (images != null) {
            // A global store: every task reads it; only the global thread writes it.
            org.apache.kafka.streams.state.KeyValueStore<String, byte[]> baselines =
                    context.getStateStore(StoreNames.IMAGE_BASELINES);
            io.driftwatch.rules.image.ImageBaselines lookup = images.over(baselines);
            immediate.useImages(lookup);
            ordered.useImages(lookup);
        }
        buffered.clear();
        persisted.clear();
        rebuild();
        try (KeyValueIterator<String, EnrichedEvent> held = reorderBuffer.all()) {
            held.forEachRemaining(entry -> {
                buffered.put(entry.key, entry.value);
                if (trailChild != null) {
                    persisted.add(entry.key);
                }
            });
        }
        if (trailChild != null) {
            trailEvents = context.getStateStore(QueryableStores.TRAIL_EVENTS);
            long reorder = settings.ruleReorder().toMillis();
            Long reorderBefore = clockStore.get(REORDER);
            Long released = clockStore.get(RELEASED);
            long bound = reorderBefore != null ? reorderBefore : reorder;
            releasedUpTo = Math.max(released != null ? released : Long.MIN_VALUE,
                    seen == Long.MIN_VALUE ? Long.MIN_VALUE : seen - bound);
            // Without a bound on record the buffer was the changelogged store's (read above): nothing to take back.
            if (reorderBefore != null && releasedUpTo != Long.MIN_VALUE) {
                int recovered = 0;
                try (var events = trailEvents.fetchAll(java.time.Instant.ofEpochMilli(releasedUpTo + 1),
                        java.time.Instant.ofEpochMilli(Long.MAX_VALUE))) {
                    while (events.hasNext()) {
                        EnrichedEvent event = events.next().value;
                        if (orderedTypes.contains(event.getEvent().getType())) {
                            buffered.put(bufferKey(event.getEvent().getTimestamp(), event.getEvent().getEventId()), event);
                            recovered++;
                        }
                    }
                }
                if (recovered > 0) {
                    LOG.info("task {}: {} events not yet evaluated in event-time order taken back from the trail",
                            context.taskId(), recovered);
                }
            }
            // The mark no longer depends on the bound it was made with; from here on, seen is released with this one.
            if (releasedUpTo != Long.MIN_VALUE) {
                clockStore.put(RELEASED, releasedUpTo);
            }
            clockStore.put(REORDER, reorder);
        }
        this.lastEventWall = context.currentSystemTimeMs();
        // Read at scrape time from another thread: a plain size, at worst a moment stale.
        counters.reorderBuffer(this, buffered::size);
        // A tenth of the reorder bound (at least 50 ms, at most 1 s): the buffer goes out within a tenth past the bound of
        // wall-clock quiet, so a stateful alert at the end of a burst is not held for a further second.
        long idleCheck = Math.max(50, Math.min(1000, settings.ruleReorder().toMillis() / 10));
        context.schedule(Duration.ofMillis(idleCheck), PunctuationType.WALL_CLOCK_TIME, this::advanceWhenIdle);
        context.schedule(Duration.ofSeconds(10), PunctuationType.WALL_CLOCK_TIME, wall -> forgetOldStateEvents());
    }

    /** Replays the kept state events into the fresh sessions, outputs discarded, and restores the clocks. */
    private void rebuild() {
        Long clock = clockStore.get(CLOCK);
        Long immediateClock = clockStore.get(IMMEDIATE_CLOCK);
        Long seenBefore = clockStore.get(SEEN);
        Long sequenceBefore = clockStore.get(SEQUENCE);
        seen = seenBefore == null ? Long.MIN_VALUE : seenBefore;
        sequence = sequenceBefore == null ? 0 : sequenceBefore;
        if (clock == null && immediateClock == null && seenBefore == null) {
            return; // a task that has seen nothing
        }
        long started = System.nanoTime();
        int replayed = 0;
        try (KeyValueIterator<String, EnrichedEvent> events = stateEvents.all()) {
            while (events.hasNext()) {
                var entry = events.next();
                if (entry.key.startsWith(IMMEDIATE_PREFIX)) {
                    immediate.evaluate(entry.value);
                } else if (entry.key.startsWith(ORDERED_PREFIX)) {
                    ordered.evaluate(entry.value);
                } else {
                    // Kept before there were lanes: each lane takes what its rules make of it.
                    immediate.evaluate(entry.value);
                    ordered.evaluate(entry.value);
                }
                replayed++;
            }
        }
        if (clock != null) {
            ordered.advanceTo(clock);
        }
        // The immediate lane's clock is the newest event's time, or further where a quiet partition moved it on.
        long immediateTime = Math.max(Math.max(seen, immediateClock != null ? immediateClock : Long.MIN_VALUE),
                clock != null ? clock : Long.MIN_VALUE);
        immediate.advanceTo(immediateTime);
        // Each lane de-duplicates its commands against the other's too (as emit keeps them): give each the other's.
        var fromImmediate = immediate.rememberedCommands();
        ordered.rememberedCommands().forEach(immediate::rememberCommand);
        fromImmediate.forEach(ordered::rememberCommand);
        LOG.info("task {}: rule state rebuilt from {} events up to event time {} (ordered lane) and {} (immediate lane) in {} ms"
                        + " ({} + {} facts)", context.taskId(), replayed, ordered.currentTime(), immediate.currentTime(),
                (System.nanoTime() - started) / 1_000_000, immediate.factCount(), ordered.factCount());
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
        // One event in EVALUATION_SAMPLE is timed (both lanes, where its ordered evaluation comes now): two clock
        // reads and a timer update per event would be paid by every event for a figure a sample gives as well.
        boolean timed = (processed++ & (EnrichmentCounters.EVALUATION_SAMPLE - 1)) == 0;
        long started = timed ? System.nanoTime() : 0;
        evaluateLanes(enriched, eventTime);
        if (timed) {
            counters.evaluated(System.nanoTime() - started);
        }
    }

    private void evaluateLanes(EnrichedEvent enriched, long eventTime) {
        evaluate(immediate, IMMEDIATE_PREFIX, null, enriched);
        long reorder = settings.ruleReorder().toMillis();
        if (!orderedTypes.contains(enriched.getEvent().getType())) {
            // No stateful rule can match it: the ordered lane's clock still moves on with the events it does see.
            release(seen - reorder);
            return;
        }
        if (reorder == 0) {
            evaluate(ordered, ORDERED_PREFIX, CLOCK, enriched);
            release(seen); // nothing waits: everything seen so far has been evaluated (seen less a bound of 0)
            return;
        }
        if (trailEvents != null && eventTime <= releasedUpTo) {
            // Older than what the lane has evaluated (after a quiet spell released everything): at once, as the
            // buffer would; after a restart it would not be taken back from the trail.
            evaluate(ordered, ORDERED_PREFIX, CLOCK, enriched);
            return;
        }
        String key = bufferKey(eventTime, enriched.getEvent().getEventId());
        if (trailEvents == null) {
            reorderBuffer.put(key, enriched);
        }
        buffered.put(key, enriched);
        release(seen - reorder);
    }

    /** Evaluates the buffered events up to {@code upTo} (event time), oldest first, in the ordered lane. */
    private void release(long upTo) {
        if (!buffered.isEmpty()) {
            String bound = bufferKey(upTo, "\uffff");
            if (buffered.firstKey().compareTo(bound) <= 0) {
                var due = buffered.headMap(bound, true);
                while (!due.isEmpty()) {
                    var oldest = due.pollFirstEntry();
                    if (trailEvents == null || persisted.remove(oldest.getKey())) {
                        reorderBuffer.delete(oldest.getKey());
                    }
                    evaluate(ordered, ORDERED_PREFIX, CLOCK, oldest.getValue());
                }
            }
        }
        if (trailEvents != null) {
            if (upTo == Long.MAX_VALUE) {
                // The whole buffer went: everything seen so far, more than seen less the bound says, so it is written.
                if (seen > releasedUpTo) {
                    releasedUpTo = seen;
                    clockStore.put(RELEASED, releasedUpTo);
                }
            } else {
                releasedUpTo = Math.max(releasedUpTo, upTo);
            }
        }
    }

    /** Evaluates in one lane, keeping the event if it changed the lane's state, and the lane's clock under {@code clockKey} (null: derived). */
    private void evaluate(RuleEvaluator lane, String prefix, String clockKey, EnrichedEvent enriched) {
        long before = lane.stateChanges();
        emit(lane.evaluate(enriched), lane);
        if (lane.stateChanges() != before) {
            sequence++;
            stateEvents.put(prefix + stateKey(lane.currentTime(), sequence), enriched);
            clockStore.put(SEQUENCE, sequence);
        }
        if (clockKey != null) {
            clockStore.put(clockKey, lane.currentTime());
        }
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
                carriedOver = immediate.replaceRules(latest);
            } catch (RuntimeException e) {
                // Not fatal for the task: it keeps evaluating with the set it has.
                failed = latest;
                LOG.error("task {}: could not move the rule sessions to rule set {}; this task keeps {}", context.taskId(),
                        latest.version(), active.version(), e);
                return;
            }
            emit(carriedOver, immediate);
            try {
                emit(ordered.replaceRules(latest), ordered);
            } catch (RuntimeException e) {
                // The immediate lane has moved (its old session is gone); the ordered lane keeps the set it has.
                failed = latest;
                LOG.error("task {}: could not move the ordered lane's session to rule set {}; it keeps {} while the"
                        + " immediate lane runs {}", context.taskId(), latest.version(), active.version(), latest.version(), e);
                return;
            }
            LOG.info("task {}: rule set {} -> {}", context.taskId(), active.version(), latest.version());
        }
        active = latest;
        orderedTypes = latest.orderedLaneTypes();
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
            emit(immediate.advanceTo(seen + idle), immediate);
            clockStore.put(IMMEDIATE_CLOCK, immediate.currentTime());
            emit(ordered.advanceTo(seen + idle), ordered);
            clockStore.put(CLOCK, ordered.currentTime());
        }
    }

    /** Drops the kept state events older than the retention (event time, behind the session clock). */
    private void forgetOldStateEvents() {
        immediateForgottenBelow = forget(IMMEDIATE_PREFIX, immediate, immediateForgottenBelow);
        orderedForgottenBelow = forget(ORDERED_PREFIX, ordered, orderedForgottenBelow);
        legacyForgottenBelow = forget("", ordered, legacyForgottenBelow);
    }

    /** Drops one lane's state events older than the retention behind its clock; returns where the next pass starts. */
    private String forget(String prefix, RuleEvaluator lane, String from) {
        long cutoff = lane.currentTime() - settings.ruleStateRetention().toMillis();
        if (cutoff <= 0) {
            return from;
        }
        String below = prefix + stateKey(cutoff, 0);
        // From where the last pass stopped: below it are only deleted entries.
        StoreNames.deleteWhere(stateEvents, stateEvents.range(from, below), (key, event) -> true);
        return below;
    }

    /**
     * Forwards what {@code lane} produced. Its commands are given to the other lane as well, so that the response
     * policy's de-duplication (one command per container, node and action in ten minutes) holds across lanes.
     */
    private void emit(Outputs outputs, RuleEvaluator lane) {
        RuleEvaluator other = lane == immediate ? ordered : immediate;
        for (ResponseCommand command : outputs.commands()) {
            other.rememberCommand(command);
        }
        long now = outputs.alerts().isEmpty() ? 0 : context.currentSystemTimeMs();
        for (Alert alert : outputs.alerts()) {
            counters.alert(alert, now);
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
            counters.command(command.getAction());
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
        counters.forgetTask(this);
        if (immediate != null) {
            immediate.close();
        }
        if (ordered != null) {
            ordered.close();
        }
    }
}
