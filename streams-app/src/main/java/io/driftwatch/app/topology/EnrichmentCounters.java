package io.driftwatch.app.topology;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.Severity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The app's counters, across its tasks and threads: how events were enriched (COMPLETE,
 * METADATA_LATE, METADATA_MISSING), and what happened to input that was not as documented (the
 * table in src/operations.md, "Hostile input", names each); and the meters the app exports on
 * {@code /metrics} (src/monitoring.md), in the registry it was made with. Stream threads call it
 * for every record, so every meter with labels is made once and kept (by rule id for alerts), never
 * looked up in the registry per record.
 */
public final class EnrichmentCounters {
    /** Why a record went to the dead-letter topic: the {@code reason} label, a closed set (the header has the detail). */
    public enum DeadLetterReason {
        /** Not Avro of the topic's type, unknown schema, truncated or corrupt. */
        UNDECODABLE,
        /** A null value (tombstone). */
        EMPTY_VALUE,
        /** Decoded, but a required field missing or an id unusable. */
        INVALID,
        /** Keyed by something other than its containerId on a compacted input. */
        WRONG_KEY,
        /** The deserialization handler's (a source record Kafka Streams could not read). */
        DESERIALIZATION_FAILED,
        /** A processor threw on it. */
        PROCESSING_FAILED,
        /** Its output was refused by the producer or broker, or could not be serialized. */
        OUTPUT_REFUSED;

        /** The label value, e.g. {@code empty-value}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Event-to-alert latency buckets besides the percentile histogram's own (the service levels we care about). */
    static final Duration[] ALERT_LATENCY_SLOS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30)};
    /** The evaluation timer records one event in this many per task (a power of two): its mean and max, not its count. */
    static final int EVALUATION_SAMPLE = 16;

    private final MeterRegistry registry;
    private final Map<String, Counter> inputs = new ConcurrentHashMap<>();
    private final Map<DeadLetterReason, Counter> deadLetters = new EnumMap<>(DeadLetterReason.class);
    private final Map<String, Counter[]> alerts = new ConcurrentHashMap<>();
    private final Map<ResponseAction, Counter> commands = new EnumMap<>(ResponseAction.class);
    private final Map<Object, IntSupplier> reorderBuffers = new ConcurrentHashMap<>();
    private final Map<Object, IntSupplier> heldNow = new ConcurrentHashMap<>();
    private final Timer evaluation;
    private final Timer eventToAlert;
    private final LongAdder held = new LongAdder();
    private final LongAdder complete = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder missing = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder sanitized = new LongAdder();
    private final LongAdder rekeyed = new LongAdder();
    private final LongAdder clockAhead = new LongAdder();
    private final LongAdder clockBehind = new LongAdder();
    private final LongAdder clockSkewAlerts = new LongAdder();
    private final LongAdder outputsShrunk = new LongAdder();
    private final LongAdder deserializationErrors = new LongAdder();
    private final LongAdder processingErrors = new LongAdder();
    private final LongAdder productionErrors = new LongAdder();
    private final LongAdder threadsReplaced = new LongAdder();
    private final LongAdder imageBaselinesMissing = new LongAdder();

    /** Counters that count nowhere: for replay, tests and tools. */
    public EnrichmentCounters() {
        this(new CompositeMeterRegistry());
    }

    /** Counters whose meters are registered in {@code registry} (the app's Prometheus registry). */
    public EnrichmentCounters(MeterRegistry registry) {
        this.registry = registry;
        enriched(complete, "COMPLETE");
        enriched(late, "METADATA_LATE");
        enriched(missing, "METADATA_MISSING");
        function("driftwatch.events.held", held, "File events held for their container's metadata (they leave as "
                + "METADATA_LATE or METADATA_MISSING)");
        function("driftwatch.input.sanitized", sanitized, "Input records with a field cut to its cap or a control "
                + "character escaped");
        function("driftwatch.input.rekeyed", rekeyed, "File events re-keyed by their containerId");
        FunctionCounter.builder("driftwatch.input.clock.skew", clockAhead, LongAdder::doubleValue)
                .tag("direction", "ahead").description("Events stamped too far ahead of the app's clock, or behind "
                        + "their partition's newest").register(registry);
        FunctionCounter.builder("driftwatch.input.clock.skew", clockBehind, LongAdder::doubleValue)
                .tag("direction", "behind").register(registry);
        function("driftwatch.outputs.shrunk", outputsShrunk, "Outputs cut to fit the producer's limit");
        for (Object[] kind : new Object[][] {{"deserialization", deserializationErrors}, {"processing", processingErrors},
                {"production", productionErrors}}) {
            FunctionCounter.builder("driftwatch.stream.errors", (LongAdder) kind[1], LongAdder::doubleValue)
                    .tag("kind", (String) kind[0]).description("Records the error handlers dealt with").register(registry);
        }
        function("driftwatch.stream.threads.replaced", threadsReplaced, "Stream threads that died and were replaced");
        function("driftwatch.image.baselines.missing", imageBaselinesMissing, "Images whose containers ran with no image "
                + "baseline published (each counted once): the drift rules make no decisions for them");
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLetters.put(reason, Counter.builder("driftwatch.dead.letters").tag("reason", reason.label())
                    .description("Records sent to the dead-letter topic, by reason").register(registry));
        }
        for (ResponseAction action : ResponseAction.values()) {
            commands.put(action, Counter.builder("driftwatch.response.commands").tag("action", action.name())
                    .description("Response commands issued, by action").register(registry));
        }
        Gauge.builder("driftwatch.reorder.buffer.events", reorderBuffers, EnrichmentCounters::sum)
                .description("Events waiting in the stateful rules' reorder buffers (all tasks of this instance)")
                .register(registry);
        Gauge.builder("driftwatch.events.held.current", heldNow, EnrichmentCounters::sum)
                .description("File events held for their metadata now (all tasks; refreshed at least every second)")
                .register(registry);
        this.evaluation = Timer.builder("driftwatch.rule.evaluation")
                .description("Rule evaluation time per event, both lanes (one event in " + EVALUATION_SAMPLE
                        + " per task is timed)").register(registry);
        this.eventToAlert = Timer.builder("driftwatch.event.to.alert")
                .description("From the event's time to its alert leaving the rules (includes clock skew between the "
                        + "node and the app)")
                .publishPercentileHistogram().serviceLevelObjectives(ALERT_LATENCY_SLOS)
                .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
    }

    private void enriched(LongAdder adder, String enrichment) {
        FunctionCounter.builder("driftwatch.events.enriched", adder, LongAdder::doubleValue).tag("enrichment", enrichment)
                .description("File events enriched and written to the enriched-events topic (the audit trail)")
                .register(registry);
    }

    private void function(String name, LongAdder adder, String description) {
        FunctionCounter.builder(name, adder, LongAdder::doubleValue).description(description).register(registry);
    }

    private static double sum(Map<Object, IntSupplier> parts) {
        long total = 0;
        for (IntSupplier part : parts.values()) {
            total += part.getAsInt();
        }
        return total;
    }

    /** The registry the meters are in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The counter of records read from one input topic ({@code role}: file-events, container-metadata, ...). */
    Counter input(String role) {
        return inputs.computeIfAbsent(role, r -> Counter.builder("driftwatch.input.records").tag("input", r)
                .description("Records read from each input topic, before decoding").register(registry));
    }

    /** A record dead-lettered, by reason (the decoders' and the error handlers'). */
    public void deadLetter(DeadLetterReason reason) {
        deadLetters.get(reason).increment();
    }

    /** An alert that left the rules, and how long after its event. */
    void alert(Alert alert, long nowMillis) {
        alert(alert);
        eventToAlert.record(Math.max(0, nowMillis - alert.getTimestamp()), TimeUnit.MILLISECONDS);
    }

    /** An alert raised outside the rules (clock skew): counted, with no latency of its own. */
    void alert(Alert alert) {
        String rule = alert.getRuleId() == null ? "unknown" : alert.getRuleId();
        Counter[] bySeverity = alerts.computeIfAbsent(rule, r -> new Counter[Severity.values().length]);
        Severity severity = alert.getSeverity() == null ? Severity.INFO : alert.getSeverity();
        Counter counter = bySeverity[severity.ordinal()];
        if (counter == null) {
            // A race here registers the same meter twice, and the registry returns the one it has.
            counter = Counter.builder("driftwatch.alerts").tag("rule", rule).tag("severity", severity.name())
                    .description("Alerts raised, by rule and severity").register(registry);
            bySeverity[severity.ordinal()] = counter;
        }
        counter.increment();
    }

    void command(ResponseAction action) {
        if (action != null) {
            commands.get(action).increment();
        }
    }

    /** One sampled rule evaluation (see {@link #EVALUATION_SAMPLE}). */
    void evaluated(long nanos) {
        evaluation.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A task's reorder buffer depth, read at scrape time until {@link #forgetTask}. */
    void reorderBuffer(Object task, IntSupplier depth) {
        reorderBuffers.put(task, depth);
    }

    /** A task's count of held events, read at scrape time until {@link #forgetTask}. */
    void heldEvents(Object task, IntSupplier count) {
        heldNow.put(task, count);
    }

    void forgetTask(Object task) {
        reorderBuffers.remove(task);
        heldNow.remove(task);
    }

    void held() {
        held.increment();
    }

    void complete() {
        complete.increment();
    }

    void late() {
        late.increment();
    }

    void missing() {
        missing.increment();
    }

    void deadLettered() {
        deadLettered.increment();
    }

    void sanitized() {
        sanitized.increment();
    }

    void rekeyed() {
        rekeyed.increment();
    }

    void clockAhead() {
        clockAhead.increment();
    }

    void clockBehind() {
        clockBehind.increment();
    }

    void clockSkewAlert() {
        clockSkewAlerts.increment();
    }

    void outputShrunk() {
        outputsShrunk.increment();
    }

    /** A record the deserialization handler dead-lettered. */
    public void deserializationError() {
        deserializationErrors.increment();
    }

    /** A record whose processing threw and that the processing handler dead-lettered. */
    public void processingError() {
        processingErrors.increment();
    }

    /** An output the broker or producer refused, seen by the production handler. */
    public void productionError() {
        productionErrors.increment();
    }

    /** A stream thread that died and was replaced (its tasks resume from their last commit). */
    public void threadReplaced() {
        threadsReplaced.increment();
    }

    /** An image found without a baseline (counted once per image by the cache). */
    void imageBaselineMissing() {
        imageBaselinesMissing.increment();
    }

    /** Images found without a baseline, each once. */
    public long imageBaselinesMissingCount() {
        return imageBaselinesMissing.sum();
    }

    public long completeCount() {
        return complete.sum();
    }

    public long lateCount() {
        return late.sum();
    }

    public long missingCount() {
        return missing.sum();
    }

    public long deadLetteredCount() {
        return deadLettered.sum();
    }

    /** Input records with a field cut to its cap or a control character escaped. */
    public long sanitizedCount() {
        return sanitized.sum();
    }

    public long rekeyedCount() {
        return rekeyed.sum();
    }

    public long clockAheadCount() {
        return clockAhead.sum();
    }

    public long clockBehindCount() {
        return clockBehind.sum();
    }

    public long clockSkewAlertCount() {
        return clockSkewAlerts.sum();
    }

    public long outputsShrunkCount() {
        return outputsShrunk.sum();
    }

    public long deserializationErrorCount() {
        return deserializationErrors.sum();
    }

    public long processingErrorCount() {
        return processingErrors.sum();
    }

    public long productionErrorCount() {
        return productionErrors.sum();
    }

    public long threadsReplacedCount() {
        return threadsReplaced.sum();
    }

    /** Every counter by the name src/operations.md uses. */
    public Map<String, Long> asMap() {
        Map<String, Long> all = new LinkedHashMap<>();
        all.put("enriched.complete", completeCount());
        all.put("enriched.metadata-late", lateCount());
        all.put("enriched.metadata-missing", missingCount());
        all.put("input.dead-lettered", deadLetteredCount());
        all.put("input.sanitized", sanitizedCount());
        all.put("input.rekeyed", rekeyedCount());
        all.put("input.clock-ahead", clockAheadCount());
        all.put("input.clock-behind", clockBehindCount());
        all.put("alerts.clock-skew", clockSkewAlertCount());
        all.put("output.shrunk", outputsShrunkCount());
        all.put("errors.deserialization", deserializationErrorCount());
        all.put("errors.processing", processingErrorCount());
        all.put("errors.production", productionErrorCount());
        all.put("errors.threads-replaced", threadsReplacedCount());
        all.put("images.baselines-missing", imageBaselinesMissingCount());
        return all;
    }

    @Override
    public String toString() {
        return "enriched: " + completeCount() + " complete, " + lateCount() + " metadata late, " + missingCount()
                + " metadata missing; " + deadLetteredCount() + " dead-lettered";
    }
}
