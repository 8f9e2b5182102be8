package io.driftwatch.app.query;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Where the local stores are read: this instance's Kafka Streams (interactive queries, active and
 * standby stores) or, in tests, a TopologyTestDriver.
 */
public interface StoreSource {
    <V> ReadOnlyWindowStore<String, V> window(String name);

    <V> ReadOnlyKeyValueStore<String, V> keyValue(String name);

    /**
     * This instance's stores, standbys included (a standby may be a little behind its active). A
     * window store reads every local partition and returns all they hold: Kafka Streams' own composite
     * store answers a key from the first partition that has it, right for keys that live in one
     * partition (a container's trail) but not for the index, whose keys every partition holds.
     */
    static StoreSource of(KafkaStreams streams) {
        return new StoreSource() {
            @Override
            public <V> ReadOnlyWindowStore<String, V> window(String name) {
                List<ReadOnlyWindowStore<String, V>> stores = new ArrayList<>();
                for (int partition : localPartitions(streams)) {
                    try {
                        stores.add(streams.store(StoreQueryParameters.fromNameAndType(name,
                                QueryableStoreTypes.<String, V>windowStore()).withPartition(partition).enableStaleStores()));
                    } catch (InvalidStateStoreException e) {
                        if (streams.state() != KafkaStreams.State.RUNNING && streams.state() != KafkaStreams.State.REBALANCING) {
                            throw unavailable(name, streams, e);
                        }
                        // this partition's task has no such store (another sub-topology), or is moving: not ours now
                    }
                }
                if (stores.isEmpty()) {
                    throw new StoreUnavailableException("store " + name + " has no partition on this instance yet (state "
                            + streams.state() + ")");
                }
                return new UnionWindowStore<>(stores);
            }

            @Override
            public <V> ReadOnlyKeyValueStore<String, V> keyValue(String name) {
                try {
                    return streams.store(StoreQueryParameters.fromNameAndType(name,
                            QueryableStoreTypes.<String, V>keyValueStore()).enableStaleStores());
                } catch (InvalidStateStoreException e) {
                    throw unavailable(name, streams, e);
                }
            }
        };
    }

    private static StoreUnavailableException unavailable(String name, KafkaStreams streams, RuntimeException e) {
        return new StoreUnavailableException("store " + name + " is not readable yet (state " + streams.state() + "): "
                + e.getMessage(), e);
    }

    /** The partitions of this instance's active and standby tasks. */
    private static Set<Integer> localPartitions(KafkaStreams streams) {
        Set<Integer> partitions = new TreeSet<>();
        try {
            for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
                thread.activeTasks().forEach(t -> partitions.add(t.taskId().partition()));
                thread.standbyTasks().forEach(t -> partitions.add(t.taskId().partition()));
            }
        } catch (RuntimeException e) {
            throw new StoreUnavailableException("this instance's tasks are not known yet: " + e.getMessage(), e);
        }
        return partitions;
    }

    /** Every answer of several partitions' window stores, one after another (callers that need an order sort). */
    final class UnionWindowStore<V> implements ReadOnlyWindowStore<String, V> {
        private final List<ReadOnlyWindowStore<String, V>> stores;

        UnionWindowStore(List<ReadOnlyWindowStore<String, V>> stores) {
            this.stores = stores;
        }

        @Override
        public V fetch(String key, long time) {
            for (ReadOnlyWindowStore<String, V> store : stores) {
                V value = store.fetch(key, time);
                if (value != null) {
                    return value;
                }
            }
            return null;
        }

        @Override
        public WindowStoreIterator<V> fetch(String key, Instant from, Instant to) {
            return new ChainedWindow<>(map(s -> () -> s.fetch(key, from, to)));
        }

        @Override
        public WindowStoreIterator<V> backwardFetch(String key, Instant from, Instant to) {
            return new ChainedWindow<>(map(s -> () -> s.backwardFetch(key, from, to)));
        }

        @Override
        public KeyValueIterator<Windowed<String>, V> fetch(String keyFrom, String keyTo, Instant from, Instant to) {
            return new Chained<>(map(s -> () -> s.fetch(keyFrom, keyTo, from, to)));
        }

        @Override
        public KeyValueIterator<Windowed<String>, V> backwardFetch(String keyFrom, String keyTo, Instant from, Instant to) {
            return new Chained<>(map(s -> () -> s.backwardFetch(keyFrom, keyTo, from, to)));
        }

        @Override
        public KeyValueIterator<Windowed<String>, V> all() {
            return new Chained<>(map(s -> s::all));
        }

        @Override
        public KeyValueIterator<Windowed<String>, V> backwardAll() {
            return new Chained<>(map(s -> s::backwardAll));
        }

        @Override
        public KeyValueIterator<Windowed<String>, V> fetchAll(Instant from, Instant to) {
            return new Chained<>(map(s -> () -> s.fetchAll(from, to)));
        }

        @Override
        public KeyValueIterator<Windowed<String>, V> backwardFetchAll(Instant from, Instant to) {
            return new Chained<>(map(s -> () -> s.backwardFetchAll(from, to)));
        }

        private <I> List<java.util.function.Supplier<I>> map(
                Function<ReadOnlyWindowStore<String, V>, java.util.function.Supplier<I>> opener) {
            return stores.stream().map(opener).toList();
        }
    }

    /** Iterators opened one store at a time; closing closes the open one. */
    class Chained<K, V> implements KeyValueIterator<K, V> {
        private final Iterator<java.util.function.Supplier<? extends KeyValueIterator<K, V>>> openers;
        private KeyValueIterator<K, V> current;

        Chained(List<? extends java.util.function.Supplier<? extends KeyValueIterator<K, V>>> openers) {
            this.openers = new ArrayList<java.util.function.Supplier<? extends KeyValueIterator<K, V>>>(openers).iterator();
        }

        @Override
        public boolean hasNext() {
            while (current == null || !current.hasNext()) {
                if (current != null) {
                    current.close();
                    current = null;
                }
                if (!openers.hasNext()) {
                    return false;
                }
                current = openers.next().get();
            }
            return true;
        }

        @Override
        public KeyValue<K, V> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return current.next();
        }

        @Override
        public K peekNextKey() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return current.peekNextKey();
        }

        @Override
        public void close() {
            if (current != null) {
                current.close();
                current = null;
            }
        }
    }

    /** {@link Chained} over window-store iterators (time → value). */
    final class ChainedWindow<V> extends Chained<Long, V> implements WindowStoreIterator<V> {
        ChainedWindow(List<? extends java.util.function.Supplier<? extends KeyValueIterator<Long, V>>> openers) {
            super(openers);
        }
    }
}
