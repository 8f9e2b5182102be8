package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;

/** The container metadata valid at an event's time, tolerating a small start-time skew. */
final class MetadataLookup {
    private final VersionedKeyValueStore<String, ContainerMetadata> versions;
    private final long startSkewMs;

    MetadataLookup(VersionedKeyValueStore<String, ContainerMetadata> versions, long startSkewMs) {
        this.versions = versions;
        this.startSkewMs = startSkewMs;
    }

    /** The version valid at {@code eventTime}, or the first version when it starts within the skew after it; else null. */
    ContainerMetadata at(String containerId, long eventTime) {
        VersionedRecord<ContainerMetadata> valid = versions.get(containerId, eventTime);
        if (valid != null) {
            return valid.value();
        }
        VersionedRecord<ContainerMetadata> soon = versions.get(containerId, eventTime + startSkewMs);
        return soon == null ? null : soon.value();
    }
}
