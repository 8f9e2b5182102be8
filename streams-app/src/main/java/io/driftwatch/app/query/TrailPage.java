package io.driftwatch.app.query;

import io.driftwatch.model.EnrichedEvent;
import java.util.List;

/**
 * One page of trail results in time order; {@code next} continues after the last one (null when
 * there is no more).
 */
public record TrailPage(List<Entry> events, String next) {
    /** A trail event and the ids of the alerts that cite it. */
    public record Entry(EnrichedEvent event, List<String> alertIds) {
    }
}
