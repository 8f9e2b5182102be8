package io.driftwatch.app.topology;

/**
 * The stores the investigation API reads through Kafka Streams interactive queries, and their key
 * layouts. Times are event time, epoch ms.
 */
public final class QueryableStores {
    /** Window store, containerId → EnrichedEvent at the event's time (duplicates kept): the trail. */
    public static final String TRAIL_EVENTS = "trail-events";
    /**
     * Window store, {@code dimension NUL value} → containerId at the start of each index bucket in which the
     * container had an event with that value (see {@link TrailIndex}); for {@link TrailIndex#RULE}, ruleId → alertId
     * at the alert's time.
     */
    public static final String TRAIL_INDEX = "trail-index";
    /** Window store, alertId → Alert at the alert's time. */
    public static final String TRAIL_ALERTS = "trail-alerts";
    /** Window store, eventId → alertId at the alert's time: the alerts that cite an event. */
    public static final String TRAIL_CITATIONS = "trail-citations";
    /** Key-value store, captureId → "containerId|from|to|alertId|ruleId|dueWall": captures waiting to be sealed. */
    public static final String PENDING_CAPTURES = "pending-captures";
    /** Key-value store, captureId → when it was sealed (ms): to know it was, and when it expires. */
    public static final String SEALED_CAPTURES = "sealed-captures";
    /** Key-value store, captureId → Capture, restored from the captures topic (no changelog of its own). */
    public static final String CAPTURES = "captures";

    private QueryableStores() {
    }
}
