package io.driftwatch.app.incidents;

import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentInput;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Re-keys each alert (keyed by container) by its incident group key, as {@code IncidentInput{alert}}. */
final class AlertGroupingProcessor implements Processor<String, Alert, String, IncidentInput> {
    private static final Logger LOG = LoggerFactory.getLogger(AlertGroupingProcessor.class);

    private final IncidentCounters counters;
    private ProcessorContext<String, IncidentInput> context;

    AlertGroupingProcessor(IncidentCounters counters) {
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<String, IncidentInput> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, Alert> record) {
        Alert alert = record.value();
        if (alert == null || alert.getAlertId() == null || alert.getAlertId().isBlank()) {
            counters.malformed();
            LOG.warn("incidents: ignored an alert without an alert id (key {})", record.key());
            return;
        }
        String key = IncidentUpdates.groupKey(alert.getNamespace(), alert.getPodName(), alert.getContainerId());
        context.forward(new Record<>(key, IncidentInput.newBuilder().setAlert(alert).build(), record.timestamp(),
                record.headers()));
    }
}
