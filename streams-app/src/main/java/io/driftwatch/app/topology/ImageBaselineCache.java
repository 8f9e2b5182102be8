package io.driftwatch.app.topology;

import io.driftwatch.model.ImageBaseline;
import io.driftwatch.rules.image.ImageBaselines;
import io.driftwatch.rules.image.ImageIndex;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image baselines as the drift rules look them up, for the whole app: the global {@code image-baselines}
 * store (every baseline, on disk, fed from the compacted topic by {@link ImageBaselineProcessor}) behind an
 * in-memory cache of {@link ImageIndex}es by image digest, so that an event costs a hash look-up or two.
 *
 * <p>Why a cache across tasks and threads rather than one per task: the indexes are immutable and the same images
 * run in every partition; one copy each is what the memory bound ({@link ImageSettings}) is about. The cache holds
 * at most {@code cachedImages} indexes and {@code cachedFiles} files over them (least recently used out first),
 * and remembers up to {@value #MAX_UNKNOWN} images without a baseline, so that their events do not read the store
 * each time. A baseline received (or deleted) on the topic drops its digest's entry: the next event reads the new
 * one. Changes race with loads safely: a load that a change overtook is not kept.
 *
 * <p>An image without a baseline is reported once: a log line and {@code driftwatch.image.baselines.missing}
 * (Prometheus {@code driftwatch_image_baselines_missing_total}); reported again only after a baseline for it came
 * and went. Never an error: the drift rules make no decision for its containers.
 */
public final class ImageBaselineCache {
    private static final Logger LOG = LoggerFactory.getLogger(ImageBaselineCache.class);
    static final int MAX_UNKNOWN = 10_000;
    /** Digests reported missing, bounded: past this, more are counted but not remembered. */
    static final int MAX_REPORTED = 100_000;

    /** A cached index, or a known absence ({@code index == null}). */
    private static final class Cached {
        final ImageIndex index;
        volatile long used;

        Cached(ImageIndex index, long used) {
            this.index = index;
            this.used = used;
        }
    }

    private final ImageSettings settings;
    private final Deserializer<ImageBaseline> deserializer;
    private final String topic;
    private final EnrichmentCounters counters;
    private final Map<String, Cached> byDigest = new ConcurrentHashMap<>();
    /** Bumped by every change of a digest's record: a load that started before a change is not kept. */
    private final Map<String, Long> generations = new ConcurrentHashMap<>();
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final AtomicLong clock = new AtomicLong();
    private int images;
    private long files;
    private int unknown;

    /**
     * @param deserializer the topic's value deserializer (records arrive as bytes and are decoded on a cache miss)
     * @param topic        its name, for the deserializer
     */
    public ImageBaselineCache(ImageSettings settings, Deserializer<ImageBaseline> deserializer, String topic,
                              EnrichmentCounters counters) {
        this.settings = settings;
        this.deserializer = deserializer;
        this.topic = topic;
        this.counters = counters;
    }

    /** The look-up the rules of one task use, reading the global store it was given on a miss. */
    public ImageBaselines over(ReadOnlyKeyValueStore<String, byte[]> store) {
        return digest -> find(store, digest);
    }

    ImageIndex find(ReadOnlyKeyValueStore<String, byte[]> store, String digest) {
        Cached cached = byDigest.get(digest);
        if (cached != null) {
            cached.used = clock.incrementAndGet();
            return cached.index;
        }
        return load(store, digest);
    }

    private ImageIndex load(ReadOnlyKeyValueStore<String, byte[]> store, String digest) {
        Long generation = generations.get(digest);
        byte[] raw = store.get(digest);
        ImageIndex index = null;
        if (raw != null) {
            long started = System.nanoTime();
            try {
                ImageBaseline baseline = deserializer.deserialize(topic, raw);
                index = baseline == null ? null : ImageIndex.of(baseline);
            } catch (RuntimeException e) {
                LOG.warn("image baseline of {} cannot be read ({}): its containers are treated as having no baseline",
                        digest, e.toString());
            }
            if (index != null) {
                LOG.info("image baseline of {} indexed: {} files in {} ms", digest, index.size(),
                        (System.nanoTime() - started) / 1_000_000);
            }
        }
        if (index == null) {
            reportMissing(digest);
        }
        Cached entry = new Cached(index, clock.incrementAndGet());
        synchronized (this) {
            if (!java.util.Objects.equals(generation, generations.get(digest))) {
                return index; // changed while it was read: used once, not kept
            }
            Cached before = byDigest.put(digest, entry);
            forget(before);
            count(entry, +1);
            evict(digest);
        }
        return index;
    }

    private void reportMissing(String digest) {
        if (reported.contains(digest)) {
            return;
        }
        if (reported.size() < MAX_REPORTED && !reported.add(digest)) {
            return;
        }
        counters.imageBaselineMissing();
        LOG.info("no image baseline for image {}: the image drift rules make no decisions for its containers until one"
                + " is published (driftwatch scan IMAGE --publish)", digest);
    }

    /**
     * A record of the topic changed (put or deleted): the digest's cached entry goes, and a load under way is not
     * kept. Called by the global store's processor after the store changed.
     */
    void changed(String digest, boolean deleted) {
        synchronized (this) {
            generations.merge(digest, 1L, Long::sum);
            forget(byDigest.remove(digest));
        }
        if (!deleted) {
            reported.remove(digest);
        }
    }

    /** Over the bounds: the least recently used entries of the kind that is over go, never {@code keep}. */
    private void evict(String keep) {
        while (images > settings.cachedImages() || files > settings.cachedFiles() || unknown > MAX_UNKNOWN) {
            boolean indexes = images > settings.cachedImages() || files > settings.cachedFiles();
            String oldest = null;
            long oldestUse = Long.MAX_VALUE;
            for (Map.Entry<String, Cached> candidate : byDigest.entrySet()) {
                Cached value = candidate.getValue();
                if ((value.index != null) == indexes && !candidate.getKey().equals(keep) && value.used < oldestUse) {
                    oldest = candidate.getKey();
                    oldestUse = value.used;
                }
            }
            if (oldest == null) {
                return; // only the one just loaded is left: it stays however big
            }
            forget(byDigest.remove(oldest));
        }
    }

    private void forget(Cached entry) {
        if (entry != null) {
            count(entry, -1);
        }
    }

    private void count(Cached entry, int sign) {
        if (entry.index == null) {
            unknown += sign;
        } else {
            images += sign;
            files += sign * (long) entry.index.size();
        }
    }

    /** Indexes in memory now (images with a baseline). */
    public synchronized int cachedImages() {
        return images;
    }

    /** Files over the indexes in memory now. */
    public synchronized long cachedFiles() {
        return files;
    }
}
