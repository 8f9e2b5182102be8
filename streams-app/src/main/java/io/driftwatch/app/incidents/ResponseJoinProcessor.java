package io.driftwatch.app.incidents;

import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins response commands with their results (both keyed by node, so a command and its result meet in one task) by
 * command id. A command goes on at once as {@code IncidentInput{command}}; its result as
 * {@code IncidentInput{command, result}}, and a result that comes before its command waits for it. Both go out under
 * the command's group key.
 *
 * <p>The join store keeps every command id it saw, with what it saw of it, for {@code driftwatch.incidents.response.wait.ms}
 * (record time), so that a repeated command or result changes nothing; then the entry is forgotten. The expiry walks a
 * second store ordered by time from where its last pass stopped (below it are only deleted entries).
 */
final class ResponseJoinProcessor implements Processor<String, Object, String, IncidentInput> {
    private static final Logger LOG = LoggerFactory.getLogger(ResponseJoinProcessor.class);

    private final IncidentSettings settings;
    private final IncidentCounters counters;
    private ProcessorContext<String, IncidentInput> context;
    private KeyValueStore<String, IncidentInput> joined;
    private KeyValueStore<String, String> expiry;
    private String forgottenBelow;

    ResponseJoinProcessor(IncidentSettings settings, IncidentCounters counters) {
        this.settings = settings;
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<String, IncidentInput> context) {
        this.context = context;
        this.joined = context.getStateStore(IncidentTopology.RESPONSE_JOIN_STORE);
        this.expiry = context.getStateStore(IncidentTopology.RESPONSE_JOIN_EXPIRY_STORE);
        context.schedule(IncidentTopology.expiryInterval(settings), PunctuationType.STREAM_TIME, this::forgetOld);
    }

    @Override
    public void process(Record<String, Object> record) {
        if (record.value() instanceof ResponseCommand command) {
            command(command, record);
        } else if (record.value() instanceof ResponseResult result) {
            result(result, record);
        } else {
            counters.malformed();
            LOG.warn("response join: ignored a record that is neither a command nor a result ({})",
                    record.value() == null ? "null" : record.value().getClass().getSimpleName());
        }
    }

    private void command(ResponseCommand command, Record<String, Object> record) {
        String id = command.getCommandId();
        if (id == null || id.isBlank()) {
            counters.malformed();
            LOG.warn("response join: ignored a {} command without a command id (node {})", command.getAction(),
                    record.key());
            return;
        }
        IncidentInput seen = joined.get(id);
        if (seen != null && seen.getCommand() != null) {
            counters.duplicate();
            return;
        }
        ResponseResult waiting = seen == null ? null : seen.getResult();
        IncidentInput both = IncidentInput.newBuilder().setCommand(command).setResult(waiting).build();
        if (seen == null) {
            remember(id, record.timestamp());
        }
        joined.put(id, both);
        forward(both, record.timestamp());
    }

    private void result(ResponseResult result, Record<String, Object> record) {
        String id = result.getCommandId();
        if (id == null || id.isBlank()) {
            counters.malformed();
            LOG.warn("response join: ignored a {} result without a command id (node {})", result.getAction(), record.key());
            return;
        }
        IncidentInput seen = joined.get(id);
        if (seen != null && seen.getResult() != null) {
            counters.duplicate();
            return;
        }
        if (seen == null) {
            remember(id, record.timestamp());
            joined.put(id, IncidentInput.newBuilder().setResult(result).build());
            return;
        }
        IncidentInput both = IncidentInput.newBuilder().setCommand(seen.getCommand()).setResult(result).build();
        joined.put(id, both);
        forward(both, record.timestamp());
    }

    private void forward(IncidentInput input, long timestamp) {
        ResponseCommand c = input.getCommand();
        String key = IncidentUpdates.groupKey(c.getNamespace(), c.getPodName(), c.getContainerId());
        context.forward(new Record<>(key, input, timestamp));
    }

    private void remember(String commandId, long time) {
        expiry.put(IncidentTopology.timeKey(time, commandId), commandId);
    }

    /** Forgets the entries first seen more than the wait ago (stream time). */
    private void forgetOld(long streamTime) {
        long cutoff = streamTime - settings.responseWait().toMillis();
        if (cutoff <= 0) {
            return;
        }
        String below = IncidentTopology.timeKey(cutoff, "");
        List<String> commandIds = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, String> old = expiry.range(forgottenBelow, below)) {
            old.forEachRemaining(entry -> {
                keys.add(entry.key);
                commandIds.add(entry.value);
            });
        }
        for (String commandId : commandIds) {
            IncidentInput entry = joined.delete(commandId);
            if (entry != null && (entry.getCommand() == null || entry.getResult() == null)) {
                counters.joinExpired();
                LOG.debug("response join: forgot command {} after {}: {}", commandId, settings.responseWait(),
                        entry.getCommand() == null ? "its command never came" : "no result came");
            }
        }
        keys.forEach(expiry::delete);
        forgottenBelow = below;
    }
}
