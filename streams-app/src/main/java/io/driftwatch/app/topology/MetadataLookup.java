package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;

/** The container metadata valid at an event's time, tolerating a small start-time skew. */
final class MetadataLookup {
    private final VersionedKeyValueStore<String, ContainerMetadata> versions;
    private final long startSkewMs;
    private final MetadataCache cache;

    MetadataLookup(VersionedKeyValueStore<String, ContainerMetadata> versions, long startSkewMs) {
        this(versions, startSkewMs, null);
    }

    /** With {@code cache} (the task's; null for none) in front of the store. */
    MetadataLookup(VersionedKeyValueStore<String, ContainerMetadata> versions, long startSkewMs, MetadataCache cache) {
        this.versions = versions;
        this.startSkewMs = startSkewMs;
        this.cache = cache;
    }

    /** The version valid at {@code eventTime}, or the first version when it starts within the skew after it; else null. */
    ContainerMetadata at(String containerId, long eventTime) {
        if (cache != null) {
            MetadataCache.Valid cached = cache.get(containerId);
            if (cached != null && cached.covers(eventTime)) {
                return cached.value();
            }
            // The latest version is valid from its time on, until a newer one is written (which forgets it here).
            VersionedRecord<ContainerMetadata> latest = versions.get(containerId);
            if (latest != null && latest.timestamp() <= eventTime) {
                cache.put(containerId, new MetadataCache.Valid(latest.timestamp(), Long.MAX_VALUE, latest.value()));
                return latest.value();
            }
        }
        VersionedRecord<ContainerMetadata> valid = versions.get(containerId, eventTime);
        if (valid != null) {
            return valid.value();
        }
        VersionedRecord<ContainerMetadata> soon = versions.get(containerId, eventTime + startSkewMs);
        return soon == null ? null : soon.value();
    }
}
