package io.driftwatch.app.topology;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.Outputs;
import io.driftwatch.rules.RuleEvaluator;
import io.driftwatch.rules.RuleSet;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Writes every enriched event to the audit trail and evaluates it: one long-lived rule session
 * per stream task, its pseudo clock driven by event time. Alerts go out keyed by container,
 * commands keyed by node. When a partition goes quiet, the rule clock moves on with the wall
 * clock so that windows close.
 */
final class EvaluateProcessor implements Processor<String, EnrichedEvent, String, Object> {
    static final String UNKNOWN_NODE = "unknown";

    private final Supplier<RuleSet> rules;
    private final PipelineSettings settings;
    private final String enrichedChild;
    private final String alertsChild;
    private final String commandsChild;
    private ProcessorContext<String, Object> context;
    private RuleEvaluator evaluator;
    private long lastEventTime = Long.MIN_VALUE;
    private long lastEventWall;

    EvaluateProcessor(Supplier<RuleSet> rules, PipelineSettings settings, String enrichedChild, String alertsChild,
                      String commandsChild) {
        this.rules = rules;
        this.settings = settings;
        this.enrichedChild = enrichedChild;
        this.alertsChild = alertsChild;
        this.commandsChild = commandsChild;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.evaluator = new RuleEvaluator(rules.get(), settings.ruleMaturities());
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::advanceWhenIdle);
    }

    @Override
    public void process(Record<String, EnrichedEvent> record) {
        EnrichedEvent enriched = record.value();
        long eventTime = enriched.getEvent().getTimestamp();
        context.forward(new Record<String, Object>(enriched.getEvent().getContainerId(), enriched, eventTime,
                record.headers()), enrichedChild);
        emit(evaluator.evaluate(enriched));
        lastEventTime = Math.max(lastEventTime, eventTime);
        lastEventWall = context.currentSystemTimeMs();
    }

    private void advanceWhenIdle(long wallTime) {
        if (lastEventTime == Long.MIN_VALUE) {
            return;
        }
        long idle = wallTime - lastEventWall;
        if (idle >= settings.ruleIdleAdvance().toMillis()) {
            emit(evaluator.advanceTo(lastEventTime + idle));
        }
    }

    private void emit(Outputs outputs) {
        for (Alert alert : outputs.alerts()) {
            context.forward(new Record<String, Object>(alert.getContainerId(), alert, alert.getTimestamp()), alertsChild);
        }
        for (ResponseCommand command : outputs.commands()) {
            String node = command.getNode() == null ? UNKNOWN_NODE : command.getNode();
            context.forward(new Record<String, Object>(node, command, command.getIssuedAt()), commandsChild);
        }
    }

    @Override
    public void close() {
        if (evaluator != null) {
            evaluator.close();
        }
    }
}
