package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.processor.TaskId;

/**
 * The decoded latest metadata of a task's containers, each with the event time it is valid from:
 * most events find their container's metadata here instead of reading and decoding it from the
 * versioned store, and all of a container's events then carry the same instance (which the rule
 * sessions compare by identity first, and remember once). One per task, shared by the processors
 * that read the versioned store and the one that writes it, which forgets a container whose
 * metadata it writes. Used on the task's stream thread only.
 */
final class MetadataCache {
    static final int MAX_CONTAINERS = 20_000;

    /** A version of a container's metadata and the times it is valid for: {@code from} inclusive, {@code to} exclusive
     * (the latest version: to the end of time, until a newer one is written). */
    record Valid(long from, long to, ContainerMetadata value) {
        boolean covers(long time) {
            return from <= time && time < to;
        }
    }

    private final Map<String, Valid> byContainer = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Valid> eldest) {
            return size() > MAX_CONTAINERS;
        }
    };

    Valid get(String containerId) {
        return byContainer.get(containerId);
    }

    void put(String containerId, Valid valid) {
        byContainer.put(containerId, valid);
    }

    void forget(String containerId) {
        byContainer.remove(containerId);
    }

    void clear() {
        byContainer.clear();
    }

    /** The caches of one topology's tasks, by task. */
    static final class PerTask {
        private final Map<TaskId, MetadataCache> caches = new ConcurrentHashMap<>();

        MetadataCache of(TaskId task) {
            return caches.computeIfAbsent(task, t -> new MetadataCache());
        }
    }
}
