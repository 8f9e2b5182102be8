package io.driftwatch.app.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.model.ImageBaseline;
import io.driftwatch.model.ImageFile;
import io.driftwatch.model.ImageFileKind;
import io.driftwatch.rules.image.ImageBaselines;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

/** The cache's bounds and what it reads from the store: a look-up per event must not read the store. */
class ImageBaselineCacheTest {
    private static final String TOPIC = "driftwatch.image-baselines";

    /** A store over a map that counts its reads. */
    private static final class CountingStore implements ReadOnlyKeyValueStore<String, byte[]> {
        final Map<String, byte[]> values = new HashMap<>();
        final Map<String, Integer> reads = new HashMap<>();

        @Override
        public byte[] get(String key) {
            reads.merge(key, 1, Integer::sum);
            return values.get(key);
        }

        @Override
        public KeyValueIterator<String, byte[]> range(String from, String to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public KeyValueIterator<String, byte[]> all() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long approximateNumEntries() {
            return values.size();
        }
    }

    private final Serde<ImageBaseline> serde;
    private final EnrichmentCounters counters = new EnrichmentCounters();

    ImageBaselineCacheTest() {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(DriftwatchConfig.SCHEMA_REGISTRY_URL,
                "mock://image-cache-" + UUID.randomUUID()));
        serde = new Topics(config, SchemaRegistryClient.fromConfigs(config.clientProperties())).imageBaselineSerde();
    }

    private byte[] baseline(String digest, int files) {
        List<ImageFile> all = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            all.add(ImageFile.newBuilder().setPath("/f" + i).setKind(ImageFileKind.FILE).setMode(0755).setLayer(0).build());
        }
        return serde.serializer().serialize(TOPIC, ImageBaseline.newBuilder().setImageDigest(digest).setScannedAt(1)
                .setLayers(List.of()).setFiles(all).build());
    }

    @Test
    void keepsAtMostTheConfiguredImagesLeastRecentlyUsedOutFirst() {
        CountingStore store = new CountingStore();
        for (String digest : List.of("a", "b", "c")) {
            store.values.put(digest, baseline(digest, 10));
        }
        ImageBaselineCache cache = new ImageBaselineCache(new ImageSettings(2, 1_000), serde.deserializer(), TOPIC,
                counters);
        ImageBaselines lookup = cache.over(store);
        assertNotNull(lookup.find("a"));
        assertNotNull(lookup.find("b"));
        assertNotNull(lookup.find("a"));
        assertNotNull(lookup.find("c")); // b is the least recently used
        assertEquals(2, cache.cachedImages());
        assertEquals(20, cache.cachedFiles());
        assertNotNull(lookup.find("a"));
        assertNotNull(lookup.find("c"));
        assertEquals(Map.of("a", 1, "b", 1, "c", 1), store.reads, "a and c were served from memory");
        assertNotNull(lookup.find("b"));
        assertEquals(2, store.reads.get("b"), "b was evicted and is read again");
    }

    @Test
    void boundsTheFilesOverAllImagesButKeepsAnImageLargerThanTheBound() {
        CountingStore store = new CountingStore();
        store.values.put("small", baseline("small", 30));
        store.values.put("big", baseline("big", 80));
        ImageBaselineCache cache = new ImageBaselineCache(new ImageSettings(10, 50), serde.deserializer(), TOPIC, counters);
        ImageBaselines lookup = cache.over(store);
        lookup.find("small");
        lookup.find("big");
        assertEquals(1, cache.cachedImages(), "the small one made room");
        assertEquals(80, cache.cachedFiles());
        lookup.find("big");
        assertEquals(1, store.reads.get("big"));
    }

    @Test
    void remembersAbsenceUntilTheTopicChanges() {
        CountingStore store = new CountingStore();
        ImageBaselineCache cache = new ImageBaselineCache(ImageSettings.defaults(), serde.deserializer(), TOPIC, counters);
        ImageBaselines lookup = cache.over(store);
        assertNull(lookup.find("x"));
        assertNull(lookup.find("x"));
        assertEquals(1, store.reads.get("x"), "an absence is remembered");
        assertEquals(1, counters.imageBaselinesMissingCount());
        store.values.put("x", baseline("x", 3));
        cache.changed("x", false);
        assertEquals(3, lookup.find("x").size());
        store.values.put("x", new byte[] {0, 0, 0, 0, 1, 9});
        cache.changed("x", false);
        assertNull(lookup.find("x"), "a record that does not decode is no baseline");
        assertEquals(2, counters.imageBaselinesMissingCount());
        assertEquals(0, cache.cachedImages());
    }

    @Test
    void settingsAreCheckedByName() {
        assertEquals(new ImageSettings(32, 500_000), ImageSettings.from(DriftwatchConfig.of(Map.of())));
        assertEquals(new ImageSettings(4, 10), ImageSettings.from(DriftwatchConfig.of(Map.of(
                ImageSettings.CACHE_IMAGES, "4", ImageSettings.CACHE_FILES, " 10 "))));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ImageSettings.from(DriftwatchConfig.of(Map.of(ImageSettings.CACHE_IMAGES, "0"))));
        assertEquals("Configuration 'driftwatch.images.cache.images' must be a whole number from 1 to 2147483647, was '0'",
                e.getMessage());
    }
}
