package io.driftwatch.app.incidents;

import io.driftwatch.app.topology.Topics;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentInput;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The incidents sub-topology (DESIGN.md "Topics": incident-inputs, incidents):
 *
 * <pre>
 * alerts (by container) ─> group-alerts-by-incident ───────────────────┐
 * response-commands ─┐                                                 ├─> incident-inputs (by group key)
 * response-results ──┴─> join-commands-with-results (by node) ─────────┘        │  (also: capture requests,
 *                          [response-join, response-join-expiry]                │   status changes from the API)
 *                                                                               v
 *                                                        fold-incidents ─> incidents (by incidentId)
 *        [incidents, incident-groups, incident-alerts, incident-waiting-inputs, incident-waiting-expiry,
 *         incident-plan-timers]                      └─> incident-notifications (by incidentId; with a response plan)
 * </pre>
 *
 * The group key is {@code namespace/pod}, or the container id ({@link IncidentUpdates#groupKey}): every producer of
 * incident-inputs keys by it, so one group's incidents live in one task. Adds to a topology and does no I/O.
 */
public final class IncidentTopology {
    /** Key-value store, incidentId → Incident: what the investigation API reads ({@link IncidentStores}). */
    public static final String INCIDENTS_STORE = "incidents";
    /** groupKey → the id of the group's latest incident (the one a new alert may join). */
    static final String GROUPS_STORE = "incident-groups";
    /** alertId → incidentId: where a command, result or capture for an alert goes. */
    static final String ALERTS_STORE = "incident-alerts";
    /** alertId NUL kind NUL id → IncidentInput: commands and captures that came before their alert. */
    static final String WAITING_STORE = "incident-waiting-inputs";
    /** time(20 digits) NUL waiting key → waiting key: the waiting inputs in the order they came, to forget them. */
    static final String WAITING_EXPIRY_STORE = "incident-waiting-expiry";
    /** commandId → IncidentInput{command?, result?}: what the join has seen of each command. */
    static final String RESPONSE_JOIN_STORE = "response-join";
    /** time(20 digits) NUL commandId → commandId: the join's entries in the order they came, to forget them. */
    static final String RESPONSE_JOIN_EXPIRY_STORE = "response-join-expiry";
    /**
     * The response plan's timers: time(20 digits, the wall-clock dueAt) NUL notificationId → notificationId
     * ({@code incidentId/ESCALATION/2}, {@code incidentId/REMINDER/breach-72h/1}, {@code incidentId/OVERDUE/breach-72h}).
     */
    public static final String PLAN_TIMERS_STORE = "incident-plan-timers";

    static final String READ_ALERTS = "read-alerts-for-incidents";
    static final String GROUP_ALERTS = "group-alerts-by-incident";
    static final String READ_COMMANDS = "read-response-commands";
    static final String READ_RESULTS = "read-response-results";
    static final String JOIN_RESPONSES = "join-commands-with-results";
    static final String ALERTS_TO_INCIDENT_INPUTS = "alerts-to-incident-inputs";
    static final String RESPONSES_TO_INCIDENT_INPUTS = "responses-to-incident-inputs";
    static final String READ_INCIDENT_INPUTS = "read-incident-inputs";
    static final String FOLD_INCIDENTS = "fold-incidents";
    static final String TO_INCIDENTS = "to-incidents";
    static final String TO_NOTIFICATIONS = "to-incident-notifications";
    /** The commands of a plan's automated steps ({@link PlanSteps}): to response-commands, and per node when on. */
    static final String ROUTE_PLAN_COMMANDS = "route-plan-response-commands";
    static final String TO_PLAN_COMMANDS = "to-plan-response-commands";
    static final String TO_PLAN_NODE_COMMANDS = "to-plan-node-response-commands";

    private IncidentTopology() {
    }

    /** Adds the sub-topology with counters of its own, and returns them. */
    public static IncidentCounters addTo(Topology topology, Topics topics, IncidentSettings settings) {
        return addTo(topology, topics, settings, (IncidentPlans) null);
    }

    /** As above, applying the response plan {@code plans} supplies (null: no plan at all, no timers store). */
    public static IncidentCounters addTo(Topology topology, Topics topics, IncidentSettings settings, IncidentPlans plans) {
        IncidentCounters counters = new IncidentCounters();
        addTo(topology, topics, settings, counters, plans);
        return counters;
    }

    public static void addTo(Topology topology, Topics topics, IncidentSettings settings, IncidentCounters counters) {
        addTo(topology, topics, settings, counters, null);
    }

    public static void addTo(Topology topology, Topics topics, IncidentSettings settings, IncidentCounters counters,
                             IncidentPlans plans) {
        addTo(topology, topics, settings, counters, plans, null, null);
    }

    /**
     * As above; when the plan issues its automated steps ({@link PlanSteps#issue}), their commands are signed with
     * {@code signatures} (null: unsigned) and written to response-commands, and with {@code nodeCommands} (null: off)
     * to the node's own topic too, from sinks of the fold-incidents processor (this sub-topology; the detection
     * sub-topology's command router is not touched, so sub-topology numbers stay).
     */
    public static IncidentCounters addTo(Topology topology, Topics topics, IncidentSettings settings, IncidentPlans plans,
                                         io.driftwatch.schemas.sign.CommandSignatures signatures,
                                         io.driftwatch.app.topology.NodeCommands nodeCommands) {
        IncidentCounters counters = new IncidentCounters();
        addTo(topology, topics, settings, counters, plans, signatures, nodeCommands);
        return counters;
    }

    public static void addTo(Topology topology, Topics topics, IncidentSettings settings, IncidentCounters counters,
                             IncidentPlans plans, io.driftwatch.schemas.sign.CommandSignatures signatures,
                             io.driftwatch.app.topology.NodeCommands nodeCommands) {
        boolean issue = plans != null && plans.steps().issue();
        String commandsChild = !issue ? null : nodeCommands == null ? TO_PLAN_COMMANDS : ROUTE_PLAN_COMMANDS;
        topology.addSource(READ_ALERTS, topics.alerts.keySerde().deserializer(), topics.alerts.valueSerde().deserializer(),
                topics.alerts.name());
        topology.addProcessor(GROUP_ALERTS, () -> new AlertGroupingProcessor(counters), READ_ALERTS);
        topology.addSink(ALERTS_TO_INCIDENT_INPUTS, topics.incidentInputs.name(),
                topics.incidentInputs.keySerde().serializer(), topics.incidentInputs.valueSerde().serializer(), GROUP_ALERTS);

        // Commands and results are both keyed by node (co-partitioned): a command and its result meet in one task.
        topology.addSource(READ_COMMANDS, topics.responseCommands.keySerde().deserializer(),
                topics.responseCommands.valueSerde().deserializer(), topics.responseCommands.name());
        topology.addSource(READ_RESULTS, topics.responseResults.keySerde().deserializer(),
                topics.responseResults.valueSerde().deserializer(), topics.responseResults.name());
        topology.addProcessor(JOIN_RESPONSES, () -> new ResponseJoinProcessor(settings, counters), READ_COMMANDS,
                READ_RESULTS);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RESPONSE_JOIN_STORE),
                Serdes.String(), topics.storeAvro(IncidentInput.class)).withCachingEnabled(), JOIN_RESPONSES);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RESPONSE_JOIN_EXPIRY_STORE),
                Serdes.String(), Serdes.String()), JOIN_RESPONSES);

        topology.addSink(RESPONSES_TO_INCIDENT_INPUTS, topics.incidentInputs.name(),
                topics.incidentInputs.keySerde().serializer(), topics.incidentInputs.valueSerde().serializer(),
                JOIN_RESPONSES);

        topology.addSource(READ_INCIDENT_INPUTS, topics.incidentInputs.keySerde().deserializer(),
                topics.incidentInputs.valueSerde().deserializer(), topics.incidentInputs.name());
        topology.addProcessor(FOLD_INCIDENTS, () -> new IncidentProcessor(settings, counters, plans, commandsChild),
                READ_INCIDENT_INPUTS);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(INCIDENTS_STORE),
                Serdes.String(), topics.storeAvro(Incident.class)).withCachingEnabled(), FOLD_INCIDENTS);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(GROUPS_STORE),
                Serdes.String(), Serdes.String()), FOLD_INCIDENTS);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERTS_STORE),
                Serdes.String(), Serdes.String()), FOLD_INCIDENTS);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WAITING_STORE),
                Serdes.String(), topics.storeAvro(IncidentInput.class)), FOLD_INCIDENTS);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WAITING_EXPIRY_STORE),
                Serdes.String(), Serdes.String()), FOLD_INCIDENTS);
        topology.addSink(TO_INCIDENTS, topics.incidents.name(), topics.incidents.keySerde().serializer(),
                topics.incidents.valueSerde().serializer(), FOLD_INCIDENTS);
        if (plans != null) {
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PLAN_TIMERS_STORE),
                    Serdes.String(), Serdes.String()), FOLD_INCIDENTS);
            topology.addSink(TO_NOTIFICATIONS, topics.incidentNotifications.name(),
                    topics.incidentNotifications.keySerde().serializer(),
                    topics.incidentNotifications.valueSerde().serializer(), FOLD_INCIDENTS);
        }
        if (issue) {
            var signing = io.driftwatch.app.topology.CommandSigning.signing(signatures,
                    topics.responseCommands.valueSerde().serializer());
            if (nodeCommands == null) {
                topology.addSink(TO_PLAN_COMMANDS, topics.responseCommands.name(),
                        topics.responseCommands.keySerde().serializer(), signing, FOLD_INCIDENTS);
            } else {
                topology.addProcessor(ROUTE_PLAN_COMMANDS, () -> nodeCommands.router(TO_PLAN_COMMANDS, TO_PLAN_NODE_COMMANDS),
                        FOLD_INCIDENTS);
                topology.addSink(TO_PLAN_COMMANDS, topics.responseCommands.name(),
                        topics.responseCommands.keySerde().serializer(), signing, ROUTE_PLAN_COMMANDS);
                topology.addSink(TO_PLAN_NODE_COMMANDS,
                        (String node, io.driftwatch.model.ResponseCommand command,
                         org.apache.kafka.streams.processor.RecordContext context) -> nodeCommands.topicOf(node),
                        topics.responseCommands.keySerde().serializer(), signing, ROUTE_PLAN_COMMANDS);
            }
        }
    }

    /** A key that sorts by time: 20 zero-padded digits (negative as 0), NUL, then {@code id}. */
    static String timeKey(long time, String id) {
        return String.format("%020d", Math.max(0, time)) + "\u0000" + id;
    }

    /** How often (stream time) the join and the waiting inputs are checked for entries past the wait. */
    static Duration expiryInterval(IncidentSettings settings) {
        Duration minute = Duration.ofMinutes(1);
        return settings.responseWait().compareTo(minute) < 0 ? settings.responseWait() : minute;
    }
}
