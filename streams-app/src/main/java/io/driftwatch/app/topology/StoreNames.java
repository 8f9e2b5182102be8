package io.driftwatch.app.topology;

/** The pipeline's state stores and the key layouts they use. */
final class StoreNames {
    /** containerId → ContainerMetadata, versioned by the metadata's own time (startedAt / stoppedAt). */
    static final String METADATA_VERSIONS = "container-metadata-versions";
    /** namespace/pod/container → the newest containerId of that name (namespace/pod/ for a container without a name), to place exec sessions that name no container id. */
    static final String POD_INDEX = "pod-index";
    /** containerId|timestamp|eventId → FileEvent waiting for its container's metadata. */
    static final String HELD_EVENTS = "held-file-events";
    /** containerId|sessionId → ExecSession; pending|namespace/pod[/container]|sessionId while the container is unknown. */
    static final String EXEC_SESSIONS = "exec-sessions";
    /** containerId|pid → "W|lastSeen" (workload) or "S|lastSeen" (session). */
    static final String PROCESS_LINEAGE = "process-lineage";

    /** clock(20 digits)|sequence(20 digits) → EnrichedEvent: the evaluated events that changed rule state, to rebuild it. */
    static final String RULE_STATE_EVENTS = "rule-state-events";
    /** timestamp(20 digits)|eventId → EnrichedEvent: events held to be evaluated in event-time order. */
    static final String RULE_REORDER_BUFFER = "rule-reorder-buffer";
    /** "clock", "seen", "sequence" → the rule session's clock, the newest event time seen, the last state-event sequence. */
    static final String RULE_CLOCK = "rule-clock";

    /** Global: image digest → ImageBaseline (the image-baselines topic's record, as it came). */
    static final String IMAGE_BASELINES = "image-baselines";

    static final String SEPARATOR = "|";
    static final String PENDING = "pending" + SEPARATOR;

    private StoreNames() {
    }

    static String heldKey(String containerId, long timestamp, String eventId) {
        return containerId + SEPARATOR + padded(timestamp) + SEPARATOR + eventId;
    }

    /** A time or sequence as 20 zero-padded digits (negative as 0), so that keys sort by it. */
    static String padded(long value) {
        // By hand, not String.format: this runs several times per event (profiled at 3% of the stream thread).
        char[] digits = new char[20];
        long rest = Math.max(0, value);
        for (int i = 19; i >= 0; i--) {
            digits[i] = (char) ('0' + rest % 10);
            rest /= 10;
        }
        return new String(digits);
    }

    /**
     * Deletes the entries of {@code entries} (an iterator over a store) that {@code old} picks: collected
     * first, deleted after, since a store must not change under an open iterator.
     */
    static <V> void deleteWhere(org.apache.kafka.streams.state.KeyValueStore<String, V> store,
                                org.apache.kafka.streams.state.KeyValueIterator<String, V> entries,
                                java.util.function.BiPredicate<String, V> old) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        try (entries) {
            entries.forEachRemaining(entry -> {
                if (old.test(entry.key, entry.value)) {
                    keys.add(entry.key);
                }
            });
        }
        keys.forEach(store::delete);
    }

    static String podKey(String namespace, String pod, String container) {
        return container == null || container.isBlank() ? namespace + "/" + pod : namespace + "/" + pod + "/" + container;
    }
}
