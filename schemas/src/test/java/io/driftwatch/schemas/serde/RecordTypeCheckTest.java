package io.driftwatch.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import io.driftwatch.schemas.registry.InMemorySchemaRegistry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** A topic's reader checks the writer schema's full name before decoding (issue 13, type confusion). */
class RecordTypeCheckTest {
    private static final Map<String, Object> CONFIG = Map.of("schema.registry.url", "mock://type-check");

    @Test
    void anExecSessionIsNotReadAsContainerMetadata() {
        var registry = InMemorySchemaRegistry.scope("type-check");
        ExecSession session = ExecSession.newBuilder().setSessionId("s1").setContainerId("c1").setUser("mallory")
                .setGroups(List.of()).setSourceIps(List.of()).setStartedAt(1_000L).build();
        byte[] bytes;
        try (AvroSerde<ExecSession> writer = AvroSerde.specific(ExecSession.class, registry).configuredForValues(CONFIG)) {
            bytes = writer.serializer().serialize("driftwatch.container-metadata", session);
        }
        try (AvroSerde<ContainerMetadata> reader = AvroSerde.specific(ContainerMetadata.class, registry)
                .configuredForValues(CONFIG)) {
            // Before the check, resolution filled ContainerMetadata's defaulted fields and kept containerId "c1".
            SerializationException e = assertThrows(SerializationException.class,
                    () -> reader.deserializer().deserialize("driftwatch.container-metadata", bytes));
            assertTrue(e.getMessage().contains("io.driftwatch.model.ExecSession")
                    && e.getMessage().contains("carries io.driftwatch.model.ContainerMetadata"), e.getMessage());
        }
    }

    @Test
    void theRightTypeStillReads() {
        var registry = InMemorySchemaRegistry.scope("type-check");
        ContainerMetadata metadata = ContainerMetadata.newBuilder().setContainerId("c1").build();
        try (AvroSerde<ContainerMetadata> serde = AvroSerde.specific(ContainerMetadata.class, registry)
                .configuredForValues(CONFIG)) {
            byte[] bytes = serde.serializer().serialize("t", metadata);
            assertEquals(metadata, serde.deserializer().deserialize("t", bytes));
        }
    }
}
