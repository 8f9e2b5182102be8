package io.driftwatch.app.topology;

import io.driftwatch.model.Capture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the sealed captures queryable by id: the captures topic (compacted) is this store's
 * changelog. A capture past {@code driftwatch.captures.retention} gets a tombstone on the topic
 * from the task that sealed it; this store drops it then, or on its own hourly pass.
 */
final class CaptureStoreProcessor implements Processor<String, Capture, Void, Void> {
    private final TrailSettings settings;
    private KeyValueStore<String, Capture> captures;

    CaptureStoreProcessor(TrailSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        captures = context.getStateStore(QueryableStores.CAPTURES);
        context.schedule(Duration.ofHours(1), PunctuationType.WALL_CLOCK_TIME, this::forgetOld);
    }

    @Override
    public void process(Record<String, Capture> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            captures.delete(record.key());
        } else {
            captures.put(record.key(), record.value());
        }
    }

    private void forgetOld(long wallNow) {
        long cutoff = wallNow - settings.captureRetention().toMillis();
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, Capture> all = captures.all()) {
            while (all.hasNext()) {
                KeyValue<String, Capture> entry = all.next();
                if (entry.value.getSealedAt() < cutoff) {
                    old.add(entry.key);
                }
            }
        }
        old.forEach(captures::delete);
    }
}
