package io.driftwatch.app.incidents;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.topology.Topics;
import io.driftwatch.model.Alert;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.model.Severity;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** The incidents sub-topology alone on TopologyTestDriver, with an in-memory registry, and records to feed it. */
final class IncidentDriver implements AutoCloseable {
    static final long T0 = 1_795_082_400_000L;

    final Topics topics;
    final IncidentSettings settings;
    final IncidentCounters counters;
    final TopologyTestDriver driver;
    final TestInputTopic<String, Alert> alerts;
    final TestInputTopic<String, ResponseCommand> commands;
    final TestInputTopic<String, ResponseResult> results;
    final TestInputTopic<String, IncidentInput> inputs;
    final TestOutputTopic<String, Incident> incidents;
    /** With a plan: what the plan told people. */
    final TestOutputTopic<String, io.driftwatch.model.IncidentNotification> notifications;

    IncidentDriver(Path stateDir, Map<String, String> settings) {
        this(stateDir, settings, null);
    }

    IncidentDriver(Path stateDir, Map<String, String> settings, IncidentPlans plans) {
        this(stateDir, settings, plans, null, null, "mock://incidents-test-" + UUID.randomUUID());
    }

    /** The commands a plan issued for its automated steps, on response-commands (values as signed on the wire). */
    final TestOutputTopic<String, ResponseCommand> planCommands;

    /** With signing and per-node topics; {@code registry}: the same one across a restart of the driver. */
    IncidentDriver(Path stateDir, Map<String, String> settings, IncidentPlans plans,
                   io.driftwatch.schemas.sign.CommandSignatures signatures,
                   io.driftwatch.app.topology.NodeCommands nodeCommands, String registry) {
        Map<String, String> values = new HashMap<>(settings);
        values.put(DriftwatchConfig.SCHEMA_REGISTRY_URL, registry);
        DriftwatchConfig config = DriftwatchConfig.of(values);
        this.topics = new Topics(config, SchemaRegistryClient.fromConfigs(config.clientProperties()));
        this.settings = IncidentSettings.from(config);
        Topology topology = new Topology();
        this.counters = IncidentTopology.addTo(topology, topics, this.settings, plans, signatures, nodeCommands);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "incidents-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        this.driver = new TopologyTestDriver(topology, props, Instant.ofEpochMilli(T0));
        StringSerializer keys = new StringSerializer();
        alerts = driver.createInputTopic(topics.alerts.name(), keys, topics.alerts.valueSerde().serializer());
        commands = driver.createInputTopic(topics.responseCommands.name(), keys,
                topics.responseCommands.valueSerde().serializer());
        results = driver.createInputTopic(topics.responseResults.name(), keys,
                topics.responseResults.valueSerde().serializer());
        inputs = driver.createInputTopic(topics.incidentInputs.name(), keys, topics.incidentInputs.valueSerde().serializer());
        incidents = driver.createOutputTopic(topics.incidents.name(), new StringDeserializer(),
                topics.incidents.valueSerde().deserializer());
        notifications = plans == null ? null : driver.createOutputTopic(topics.incidentNotifications.name(),
                new StringDeserializer(), topics.incidentNotifications.valueSerde().deserializer());
        planCommands = driver.createOutputTopic(topics.responseCommands.name(), new StringDeserializer(),
                topics.responseCommands.valueSerde().deserializer());
    }

    /** What went to a node's own command topic. */
    TestOutputTopic<String, ResponseCommand> nodeTopic(String topic) {
        return driver.createOutputTopic(topic, new StringDeserializer(), topics.responseCommands.valueSerde().deserializer());
    }

    void pipe(Alert alert) {
        alerts.pipeInput(alert.getContainerId(), alert, alert.getTimestamp());
    }

    void pipe(ResponseCommand command) {
        commands.pipeInput(command.getNode(), command, command.getIssuedAt());
    }

    void pipe(ResponseResult result) {
        results.pipeInput(result.getNode(), result, result.getFinishedAt());
    }

    void pipe(String groupKey, IncidentInput input, long time) {
        inputs.pipeInput(groupKey, input, time);
    }

    /** Every incident that came out since the last call, in order. */
    List<Incident> drain() {
        return incidents.readValuesToList();
    }

    /** The last version of each incident that came out since the last call, by id. */
    Map<String, Incident> latest() {
        Map<String, Incident> byId = new LinkedHashMap<>();
        for (KeyValue<String, Incident> kv : incidents.readKeyValuesToList()) {
            byId.put(kv.key, kv.value);
        }
        return byId;
    }

    <V> Map<String, V> store(String name) {
        KeyValueStore<String, V> store = driver.getKeyValueStore(name);
        Map<String, V> all = new LinkedHashMap<>();
        try (KeyValueIterator<String, V> it = store.all()) {
            it.forEachRemaining(kv -> all.put(kv.key, kv.value));
        }
        return all;
    }

    @Override
    public void close() {
        driver.close();
    }

    static Alert alert(String id, String containerId, String namespace, String pod, long time, Severity severity,
                       String ruleId, List<String> mitre, List<String> users) {
        return Alert.newBuilder().setAlertId(id).setRuleId(ruleId).setRuleName("rule " + ruleId).setRuleVersion("1")
                .setSeverity(severity).setMitre(mitre).setTags(List.of("maturity:stable")).setTimestamp(time)
                .setEventIds(List.of("e-" + id)).setContainerId(containerId).setContainerName("app-" + containerId)
                .setImage("registry.example/app:1").setPodName(pod).setNamespace(namespace).setNode("node-a")
                .setUsers(users).setSessions(users.stream().map(u -> "session-" + u).toList()).setProcessName("sh")
                .setPath("/etc/x").setMessage(ruleId + " fired in " + containerId).setEvidence(Map.of()).setCount(1)
                .build();
    }

    static Alert alert(String id, String containerId, long time) {
        return alert(id, containerId, "shop", "web-1", time, Severity.MEDIUM, "DW-FIM-001", List.of("T1070.003"),
                List.of());
    }

    static ResponseCommand command(String commandId, Alert alert, ResponseAction action) {
        return ResponseCommand.newBuilder().setCommandId(commandId).setAlertId(alert.getAlertId()).setAction(action)
                .setNode(alert.getNode()).setContainerId(alert.getContainerId()).setPodName(alert.getPodName())
                .setNamespace(alert.getNamespace()).setParameters(Map.of("reason", alert.getRuleId()))
                .setIssuedAt(alert.getTimestamp()).setExpiresAt(alert.getTimestamp() + 600_000).build();
    }

    static ResponseResult result(ResponseCommand command, ResponseStatus status, String detail, long finishedAt) {
        return ResponseResult.newBuilder().setCommandId(command.getCommandId()).setNode(command.getNode())
                .setAction(command.getAction()).setStatus(status).setDetail(detail).setFinishedAt(finishedAt).build();
    }

    static List<String> ids(List<Incident> incidents) {
        List<String> ids = new ArrayList<>();
        incidents.forEach(i -> ids.add(i.getIncidentId()));
        return ids;
    }
}
