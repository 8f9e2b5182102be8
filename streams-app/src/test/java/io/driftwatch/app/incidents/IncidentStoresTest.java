package io.driftwatch.app.incidents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.query.InvestigationService.IncidentFilter;
import io.driftwatch.app.query.StoreUnavailableException;
import io.driftwatch.app.topology.Topics;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.Severity;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncidentStoresTest {
    static {
        // Builders fill unset array fields by copying their defaults, which loads the model classes by name.
        io.driftwatch.schemas.AvroClassTrust.install();
    }

    @TempDir
    Path stateDir;

    private static Incident incident(String id, IncidentStatus status, Severity severity, String namespace, long lastSeen) {
        return Incident.newBuilder().setIncidentId(id).setGroupKey(namespace + "/p").setStatus(status)
                .setSeverity(severity).setNamespace(namespace).setFirstSeen(lastSeen - 10).setLastSeen(lastSeen)
                .setUpdatedAt(lastSeen).build();
    }

    private static final List<Incident> ALL = List.of(
            incident("inc-a", IncidentStatus.OPEN, Severity.HIGH, "shop", 300),
            incident("inc-b", IncidentStatus.RESOLVED, Severity.CRITICAL, "shop", 500),
            incident("inc-c", IncidentStatus.OPEN, Severity.LOW, "billing", 400),
            incident("inc-d", IncidentStatus.ACKNOWLEDGED, Severity.HIGH, "shop", 100),
            incident("inc-e", IncidentStatus.OPEN, Severity.HIGH, "shop", 300));

    private static List<String> select(IncidentFilter filter) {
        return IncidentStores.select(ALL.stream().map(i -> KeyValue.pair(i.getIncidentId(), i)).iterator(), filter)
                .stream().map(Incident::getIncidentId).toList();
    }

    @Test
    void filtersAndOrdersNewestFirst() {
        assertEquals(List.of("inc-b", "inc-c", "inc-a", "inc-e", "inc-d"), select(IncidentFilter.all()));
        assertEquals(List.of("inc-b", "inc-c"), select(new IncidentFilter(null, null, null, 2)));
        assertEquals(List.of("inc-a", "inc-e", "inc-d"), select(new IncidentFilter(
                List.of(IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED), List.of(Severity.HIGH), "shop", 0)));
        assertEquals(List.of("inc-c"), select(new IncidentFilter(List.of(), List.of(), "billing", 10)));
    }

    @Test
    void aStoreThatCannotBeQueriedIsUnavailableNotMissing() {
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(DriftwatchConfig.SCHEMA_REGISTRY_URL,
                "mock://incident-stores-" + UUID.randomUUID()));
        Topics topics = new Topics(config, SchemaRegistryClient.fromConfigs(config.clientProperties()));
        Topology topology = new Topology();
        IncidentTopology.addTo(topology, topics, IncidentSettings.defaults());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "incident-stores-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            StoreUnavailableException list = assertThrows(StoreUnavailableException.class,
                    () -> IncidentStores.local(streams, IncidentFilter.all()));
            assertTrue(list.getMessage().contains("try again"), list.getMessage());
            assertThrows(StoreUnavailableException.class, () -> IncidentStores.local(streams, "inc-a"));
        }
    }
}
