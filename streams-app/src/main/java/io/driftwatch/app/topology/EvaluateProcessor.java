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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every enriched event to the audit trail and evaluates it: one long-lived rule session
 * per stream task, its pseudo clock driven by event time. Alerts go out keyed by container,
 * commands keyed by node. When a partition goes quiet, the rule clock moves on with the wall
 * clock so that windows close.
 *
 * <p>Hot reload: the rule set comes from a supplier (the app's {@code RulesManager}), read before
 * every event and at every idle check. When its version differs from the one the task's session
 * runs, the session is replaced on this (the stream) thread between two events, carrying its
 * stateful facts over ({@link RuleEvaluator#replaceRules}); no event is skipped or evaluated twice.
 */
final class EvaluateProcessor implements Processor<String, EnrichedEvent, String, Object> {
    static final String UNKNOWN_NODE = "unknown";
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateProcessor.class);

    private final Supplier<RuleSet> rules;
    private final PipelineSettings settings;
    private final String enrichedChild;
    private final String alertsChild;
    private final String commandsChild;
    private ProcessorContext<String, Object> context;
    private RuleEvaluator evaluator;
    private RuleSet active;
    private RuleSet failed;
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
        this.active = rules.get();
        this.evaluator = new RuleEvaluator(active, settings.ruleMaturities(), settings.ruleRepeatWindow().toMillis());
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::advanceWhenIdle);
    }

    @Override
    public void process(Record<String, EnrichedEvent> record) {
        followRules();
        EnrichedEvent enriched = record.value();
        long eventTime = enriched.getEvent().getTimestamp();
        context.forward(new Record<String, Object>(enriched.getEvent().getContainerId(), enriched, eventTime,
                record.headers()), enrichedChild);
        emit(evaluator.evaluate(enriched));
        lastEventTime = Math.max(lastEventTime, eventTime);
        lastEventWall = context.currentSystemTimeMs();
    }

    /** Swaps the session over to the supplier's rule set when that is a new version. */
    private void followRules() {
        RuleSet latest = rules.get();
        if (latest == active || latest == failed || latest == null) {
            return;
        }
        if (!latest.version().equals(active.version())) {
            Outputs carriedOver;
            try {
                carriedOver = evaluator.replaceRules(latest);
            } catch (RuntimeException e) {
                // Not fatal for the task: it keeps evaluating with the set it has.
                failed = latest;
                LOG.error("task {}: could not move the rule session to rule set {}; this task keeps {}", context.taskId(),
                        latest.version(), active.version(), e);
                return;
            }
            LOG.info("task {}: rule set {} -> {}", context.taskId(), active.version(), latest.version());
            emit(carriedOver);
        }
        active = latest;
    }

    private void advanceWhenIdle(long wallTime) {
        followRules();
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
