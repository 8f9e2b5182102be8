package io.driftwatch.app.topology;

import java.util.concurrent.atomic.LongAdder;

/** How events were enriched, across the app's tasks: COMPLETE, METADATA_LATE, METADATA_MISSING, and held now. */
public final class EnrichmentCounters {
    private final LongAdder complete = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder missing = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();

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

    @Override
    public String toString() {
        return "enriched: " + completeCount() + " complete, " + lateCount() + " metadata late, " + missingCount()
                + " metadata missing; " + deadLetteredCount() + " dead-lettered";
    }
}
