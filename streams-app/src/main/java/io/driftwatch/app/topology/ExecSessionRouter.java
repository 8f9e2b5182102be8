package io.driftwatch.app.topology;

import io.driftwatch.model.ExecSession;
import io.driftwatch.schemas.serde.SchemaRegistryUnavailableException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Re-keys exec sessions by container, once (DESIGN.md "Time, order and partitions"). The
 * exec-sessions topic is keyed by container id, or by {@code namespace/pod} while the container is
 * not known (the Kubernetes audit adapter knows pods, not containers); only a record keyed by its
 * own container id is on its container's partition. So, looking at each raw record:
 *
 * <ul>
 *   <li>keyed by its own {@code containerId}: on the right partition already, it is brought within
 *       the field caps and recorded here (decoded once: this peek is the decode);</li>
 *   <li>naming a {@code containerId} under another key: written, as it arrived, to the
 *       exec-sessions-by-container topic keyed by that id, so it lands on its container's
 *       partition;</li>
 *   <li>naming no {@code containerId}: written to every partition of that topic (keyed
 *       {@code namespace/pod}); each task knows the containers of its own partition (the pod index
 *       and the metadata), so the one holding the container resolves it, now or when the metadata
 *       arrives (see {@link ExecSessionProcessor});</li>
 *   <li>anything it cannot read or that is invalid goes on unchanged, to be dead-lettered by the
 *       decoder with the reason.</li>
 * </ul>
 *
 * The record's bytes and timestamp are passed on unchanged; the topic read back is decoded like
 * every input.
 */
final class ExecSessionRouter implements Processor<String, byte[], String, Object> {
    private final Deserializer<ExecSession> deserializer;
    private final FieldCaps caps;
    private final EnrichmentCounters counters;
    private final String recordChild;
    private final String localChild;
    private final String rekeyChild;
    private final String everyPartitionChild;
    private final io.micrometer.core.instrument.Counter in;
    private ProcessorContext<String, Object> context;

    /**
     * @param recordChild         where a valid session already on its container's partition goes, decoded
     * @param localChild          the decoder, which dead-letters what cannot be read or is invalid
     * @param rekeyChild          a sink to the exec-sessions-by-container topic, partitioned by key
     * @param everyPartitionChild a sink to the same topic that writes each record to every partition
     *                            ({@link #everyPartition()})
     */
    ExecSessionRouter(Deserializer<ExecSession> deserializer, FieldCaps caps, EnrichmentCounters counters,
                      String recordChild, String localChild, String rekeyChild, String everyPartitionChild) {
        this.deserializer = deserializer;
        this.caps = caps;
        this.counters = counters;
        this.in = counters.input("exec-sessions");
        this.recordChild = recordChild;
        this.localChild = localChild;
        this.rekeyChild = rekeyChild;
        this.everyPartitionChild = everyPartitionChild;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        in.increment();
        ExecSession session = peek(record);
        if (session == null || RecordChecks.execSession(session, caps) != null) {
            context.forward(new Record<String, Object>(record.key(), record.value(), record.timestamp(),
                    record.headers()), localChild); // the decoder dead-letters it with the reason
            return;
        }
        String containerId = session.getContainerId();
        if (!RecordChecks.blank(containerId)) {
            if (containerId.equals(record.key())) {
                ExecSession normalized = caps.apply(session);
                if (normalized != session) {
                    counters.sanitized();
                }
                context.forward(new Record<String, Object>(normalized.getSessionId(), normalized, record.timestamp(),
                        record.headers()), recordChild);
            } else {
                context.forward(new Record<String, Object>(containerId, record.value(), record.timestamp(),
                        record.headers()), rekeyChild);
            }
            return;
        }
        context.forward(new Record<String, Object>(podKey(session), record.value(), record.timestamp(),
                record.headers()), everyPartitionChild);
    }

    private ExecSession peek(Record<String, byte[]> record) {
        if (record.value() == null) {
            return null;
        }
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("?");
        try {
            return deserializer.deserialize(topic, record.headers(), record.value());
        } catch (SchemaRegistryUnavailableException e) {
            throw e; // not the record's fault: stop the task, read it again when the registry is back
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The key of a session whose container is not known: {@code namespace/pod}, as the adapters key it. */
    static String podKey(ExecSession session) {
        return session.getNamespace() + "/" + session.getPodName();
    }

    /** Writes each record to every partition of its topic (a multicast, KIP-837). */
    static StreamPartitioner<String, byte[]> everyPartition() {
        return (topic, key, value, partitions) -> {
            Set<Integer> all = new HashSet<>();
            for (int p = 0; p < partitions; p++) {
                all.add(p);
            }
            return Optional.of(all);
        };
    }
}
