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
 *   <li>keyed by its own {@code containerId}: on the right partition already, it goes on to be
 *       decoded and recorded here;</li>
 *   <li>naming a {@code containerId} under another key: written, as it arrived, to the
 *       exec-sessions-by-container topic keyed by that id, so it lands on its container's
 *       partition;</li>
 *   <li>naming no {@code containerId}: written to every partition of that topic (keyed
 *       {@code namespace/pod}); each task knows the containers of its own partition (the pod index
 *       and the metadata), so the one holding the container resolves it, now or when the metadata
 *       arrives (see {@link ExecSessionProcessor});</li>
 *   <li>anything it cannot read goes on unchanged, to be dead-lettered by the decoder.</li>
 * </ul>
 *
 * The record's bytes and timestamp are passed on unchanged; the topic read back is decoded like
 * every input.
 */
final class ExecSessionRouter implements Processor<String, byte[], String, byte[]> {
    private final Deserializer<ExecSession> deserializer;
    private final String localChild;
    private final String rekeyChild;
    private final String everyPartitionChild;
    private ProcessorContext<String, byte[]> context;

    /**
     * @param localChild          the decoder of sessions already on their container's partition
     * @param rekeyChild          a sink to the exec-sessions-by-container topic, partitioned by key
     * @param everyPartitionChild a sink to the same topic that writes each record to every partition
     *                            ({@link #everyPartition()})
     */
    ExecSessionRouter(Deserializer<ExecSession> deserializer, String localChild, String rekeyChild,
                      String everyPartitionChild) {
        this.deserializer = deserializer;
        this.localChild = localChild;
        this.rekeyChild = rekeyChild;
        this.everyPartitionChild = everyPartitionChild;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        ExecSession session = peek(record);
        if (session == null || RecordChecks.execSession(session) != null) {
            context.forward(record, localChild); // the decoder dead-letters it with the reason
            return;
        }
        String containerId = session.getContainerId();
        if (!blank(containerId)) {
            if (containerId.equals(record.key())) {
                context.forward(record, localChild);
            } else {
                context.forward(record.withKey(containerId), rekeyChild);
            }
            return;
        }
        context.forward(record.withKey(podKey(session)), everyPartitionChild);
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

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
