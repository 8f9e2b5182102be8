package io.driftwatch.app.topology;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The app's counters, across its tasks and threads: how events were enriched (COMPLETE,
 * METADATA_LATE, METADATA_MISSING), and what happened to input that was not as documented (the
 * table in src/operations.md, "Hostile input", names each).
 */
public final class EnrichmentCounters {
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
        return all;
    }

    @Override
    public String toString() {
        return "enriched: " + completeCount() + " complete, " + lateCount() + " metadata late, " + missingCount()
                + " metadata missing; " + deadLetteredCount() + " dead-lettered";
    }
}
