package io.driftwatch.app.topology;

import io.driftwatch.model.Alert;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.Severity;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event time that cannot be right (src/operations.md, "Clock skew"). An event stamped more than
 * {@code driftwatch.clock.skew.ahead.ms} ahead of the app's clock would be refused by the broker
 * once written (more than an hour ahead: a crash loop before this existed) and would move every
 * window of its partition into the future; it gets the time of receipt as its {@code timestamp},
 * its own time kept in {@code originalTimestamp}. An event more than
 * {@code driftwatch.clock.skew.behind.ms} behind its partition's stream time is processed at its
 * own time (late events are normal after an outage). Both are signals: a node whose clock is wrong
 * (or whose records are forged) raises a {@value #RULE_ID} alert, at most one per node per
 * {@code driftwatch.clock.skew.alert.interval.ms} in each task.
 */
final class ClockSkewProcessor implements Processor<String, FileEvent, String, Object> {
    static final String RULE_ID = "DW-CLOCK-001";
    private static final Logger LOG = LoggerFactory.getLogger(ClockSkewProcessor.class);

    private final PipelineSettings settings;
    private final EnrichmentCounters counters;
    private final String eventsChild;
    private final String alertsChild;
    private final Map<String, Long> lastAlertWall = new HashMap<>();
    private ProcessorContext<String, Object> context;

    ClockSkewProcessor(PipelineSettings settings, EnrichmentCounters counters, String eventsChild, String alertsChild) {
        this.settings = settings;
        this.counters = counters;
        this.eventsChild = eventsChild;
        this.alertsChild = alertsChild;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, FileEvent> record) {
        FileEvent event = record.value();
        long now = context.currentSystemTimeMs();
        long time = event.getTimestamp();
        Duration ahead = settings.clockAhead();
        Duration behind = settings.clockBehind();
        if (ahead != null && time > now + ahead.toMillis()) {
            counters.clockAhead();
            alert(event, time - now, now, "ahead of the pipeline's clock; the event was given its time of receipt");
            event = FileEvent.newBuilder(event).setTimestamp(now)
                    .setOriginalTimestamp(event.getOriginalTimestamp() != null ? event.getOriginalTimestamp() : time)
                    .build();
        } else if (behind != null) {
            long streamTime = context.currentStreamTimeMs();
            if (streamTime > 0 && time < streamTime - behind.toMillis()) {
                counters.clockBehind();
                alert(event, time - streamTime, streamTime,
                        "behind the newest events of its partition (a wrong clock, or it could not publish for that long)");
            }
        }
        context.forward(new Record<String, Object>(record.key(), event, event.getTimestamp(), record.headers()),
                eventsChild);
    }

    private void alert(FileEvent event, long skewMillis, long reference, String what) {
        String node = event.getNode() == null ? EvaluateProcessor.UNKNOWN_NODE : event.getNode();
        long wall = context.currentSystemTimeMs();
        Long last = lastAlertWall.get(node);
        if (last != null && wall - last < settings.clockAlertInterval().toMillis()) {
            return;
        }
        lastAlertWall.put(node, wall);
        counters.clockSkewAlert();
        String amount = human(Math.abs(skewMillis));
        String direction = skewMillis > 0 ? "ahead" : "behind";
        String message = "Events from node " + node + " are stamped " + amount + " " + what + " (event "
                + event.getEventId() + ")";
        LOG.warn("{}", message);
        Alert alert = Alert.newBuilder()
                .setAlertId(io.driftwatch.rules.Hashes.sha256Hex(32, RULE_ID, node, event.getEventId()))
                .setRuleId(RULE_ID)
                .setRuleName("Event time far from the pipeline's clock")
                .setRuleVersion("builtin")
                .setSeverity(Severity.MEDIUM)
                .setMitre(List.of("T1070.006"))
                .setTags(List.of("clock-skew", "pipeline-integrity", "maturity:stable"))
                .setTimestamp(Math.min(event.getTimestamp(), reference))
                .setEventIds(List.of(event.getEventId()))
                .setContainerId(event.getContainerId())
                .setNode(event.getNode())
                .setUsers(List.of())
                .setProcessName(event.getProcessName())
                .setPath(event.getPath())
                .setMessage(message)
                .setEvidence(Map.of(
                        "eventTimestamp", Long.toString(event.getTimestamp()),
                        "referenceTime", Long.toString(reference),
                        "skewMs", Long.toString(skewMillis),
                        "direction", direction))
                .build();
        counters.alert(alert);
        context.forward(new Record<String, Object>(event.getContainerId(), alert, alert.getTimestamp()), alertsChild);
    }

    static String human(long millis) {
        Duration d = Duration.ofMillis(millis);
        if (d.toDays() >= 2) {
            return d.toDays() + " days";
        }
        if (d.toHours() >= 1) {
            return d.toHours() + " h " + d.toMinutesPart() + " min";
        }
        if (d.toMinutes() >= 1) {
            return d.toMinutes() + " min " + d.toSecondsPart() + " s";
        }
        return d.toSeconds() + " s";
    }
}
