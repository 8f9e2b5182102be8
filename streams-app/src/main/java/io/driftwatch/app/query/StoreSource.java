package io.driftwatch.app.query;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * Where the local stores are read: this instance's Kafka Streams (interactive queries, active and
 * standby stores) or, in tests, a TopologyTestDriver.
 */
public interface StoreSource {
    <V> ReadOnlyWindowStore<String, V> window(String name);

    <V> ReadOnlyKeyValueStore<String, V> keyValue(String name);

    /** This instance's stores, standbys included (a standby may be a little behind its active). */
    static StoreSource of(KafkaStreams streams) {
        return new StoreSource() {
            @Override
            public <V> ReadOnlyWindowStore<String, V> window(String name) {
                try {
                    return streams.store(StoreQueryParameters.fromNameAndType(name,
                            QueryableStoreTypes.<String, V>windowStore()).enableStaleStores());
                } catch (InvalidStateStoreException e) {
                    throw new StoreUnavailableException("store " + name + " is not readable yet (state "
                            + streams.state() + "): " + e.getMessage(), e);
                }
            }

            @Override
            public <V> ReadOnlyKeyValueStore<String, V> keyValue(String name) {
                try {
                    return streams.store(StoreQueryParameters.fromNameAndType(name,
                            QueryableStoreTypes.<String, V>keyValueStore()).enableStaleStores());
                } catch (InvalidStateStoreException e) {
                    throw new StoreUnavailableException("store " + name + " is not readable yet (state "
                            + streams.state() + "): " + e.getMessage(), e);
                }
            }
        };
    }
}
