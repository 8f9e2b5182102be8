package io.driftwatch.app.topology;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/** A topic in one role: its name and the serdes of its keys and values. */
public record Topic<K, V>(String role, String name, Serde<K> keySerde, Serde<V> valueSerde) {
    public Topic {
        Objects.requireNonNull(name, () -> "no topic name for role " + role);
    }
}
