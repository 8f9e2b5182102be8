package io.driftwatch.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.schemas.registry.InMemorySchemaRegistry;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A record written to a topic and to stores is encoded once, when the serializers are told it never changes. */
class ReuseEncodingTest {
    private static final Map<String, Object> PLAIN = Map.of("schema.registry.url", "mock://reuse");
    private static final Map<String, Object> REUSING = Map.of("schema.registry.url", "mock://reuse",
            AvroSerializer.REUSE_ENCODING, "true");

    @Test
    void theSameInstanceKeepsItsBodyUnderEachSubjectsOwnHeader() {
        var registry = InMemorySchemaRegistry.scope("reuse");
        ContainerMetadata metadata = ContainerMetadata.newBuilder().setContainerId("c1").setPodName("web").build();
        try (var topic = AvroSerde.specific(ContainerMetadata.class, registry).configuredForValues(REUSING);
             var store = AvroSerde.specific(ContainerMetadata.class, registry).configuredForValues(REUSING)) {
            byte[] first = topic.serializer().serialize("driftwatch.container-metadata", metadata);
            byte[] again = store.serializer().serialize("app-store-changelog", metadata);
            assertArrayEquals(Arrays.copyOfRange(first, 5, first.length), Arrays.copyOfRange(again, 5, again.length));
            assertEquals(metadata, store.deserializer().deserialize("app-store-changelog", again));
            assertEquals(WireFormat.schemaId(again, "app-store-changelog"),
                    registry.idOf("app-store-changelog-value", ContainerMetadata.getClassSchema()),
                    "the header is the store subject's, not the topic's");
        }
    }

    @Test
    void anotherInstanceWithOtherContentIsEncodedAnew() {
        var registry = InMemorySchemaRegistry.scope("reuse");
        try (var serde = AvroSerde.specific(ContainerMetadata.class, registry).configuredForValues(REUSING)) {
            byte[] one = serde.serializer().serialize("t", ContainerMetadata.newBuilder().setContainerId("c1").build());
            byte[] two = serde.serializer().serialize("t", ContainerMetadata.newBuilder().setContainerId("c2").build());
            assertEquals("c2", serde.deserializer().deserialize("t", two).getContainerId());
            assertNotEquals(Arrays.toString(one), Arrays.toString(two));
        }
    }

    @Test
    void withoutTheSettingAChangedInstanceIsEncodedAsItIsNow() {
        var registry = InMemorySchemaRegistry.scope("reuse");
        ContainerMetadata metadata = ContainerMetadata.newBuilder().setContainerId("c1").build();
        try (var serde = AvroSerde.specific(ContainerMetadata.class, registry).configuredForValues(PLAIN)) {
            serde.serializer().serialize("t", metadata);
            metadata.setContainerId("c2"); // a producer reusing its record between sends
            assertEquals("c2", serde.deserializer().deserialize("t", serde.serializer().serialize("t", metadata))
                    .getContainerId());
        }
    }
}
