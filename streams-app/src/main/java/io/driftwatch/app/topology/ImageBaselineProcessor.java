package io.driftwatch.app.topology;

import io.driftwatch.model.ImageBaseline;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global {@code image-baselines} store: each record of the compacted topic (keyed by image digest) is
 * stored as it came, a tombstone deletes, and the cache of indexes forgets the digest. A record that does not decode
 * as an ImageBaseline of its key is logged and kept out of the store (a global store has no dead-letter topic to
 * go to); its image then has no baseline. Runs on the global thread.
 */
final class ImageBaselineProcessor implements Processor<String, byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(ImageBaselineProcessor.class);

    private final ImageBaselineCache cache;
    private final Deserializer<ImageBaseline> deserializer;
    private final String topic;
    private KeyValueStore<String, byte[]> store;

    ImageBaselineProcessor(ImageBaselineCache cache, Deserializer<ImageBaseline> deserializer, String topic) {
        this.cache = cache;
        this.deserializer = deserializer;
        this.topic = topic;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(StoreNames.IMAGE_BASELINES);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String digest = record.key();
        if (digest == null || digest.isBlank()) {
            LOG.warn("image baseline record without a key (the image digest) ignored");
            return;
        }
        if (record.value() == null) {
            store.delete(digest);
            cache.changed(digest, true);
            return;
        }
        ImageBaseline baseline;
        try {
            baseline = deserializer.deserialize(topic, record.value());
        } catch (RuntimeException e) {
            LOG.warn("image baseline record for {} is not an ImageBaseline ({}): ignored", digest, e.toString());
            return;
        }
        if (baseline == null || !digest.equals(baseline.getImageDigest())) {
            LOG.warn("image baseline record keyed {} holds the baseline of {}: ignored (the key is the image digest)",
                    digest, baseline == null ? null : baseline.getImageDigest());
            return;
        }
        store.put(digest, record.value());
        cache.changed(digest, false);
        LOG.info("image baseline of {} ({}) received: {} files", digest, baseline.getImage(), baseline.getFiles().size());
    }
}
