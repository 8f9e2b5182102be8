package io.driftwatch.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.SampleRecords;
import io.driftwatch.schemas.serde.AvroSerde;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {

    @Test
    void mockUrlsShareOneRegistryPerScopeAndTheSerdeWorksOnIt() {
        Map<String, Object> config = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://in-memory-test");
        assertSame(SchemaRegistryClient.fromConfigs(config), InMemorySchemaRegistry.scope("in-memory-test"));
        try (AvroSerde<FileEvent> serde = AvroSerde.specific(FileEvent.class).configuredForValues(config)) {
            byte[] bytes = serde.serializer().serialize("t", SampleRecords.fileEvent());
            assertEquals(SampleRecords.fileEvent(), serde.deserializer().deserialize("t", bytes));
        }
        assertEquals(List.of(1), InMemorySchemaRegistry.scope("in-memory-test").versions("t-value"));
    }

    @Test
    void enforcesBackwardCompatibilityWhenAsked() {
        InMemorySchemaRegistry registry = InMemorySchemaRegistry.scope("in-memory-compat");
        registry.register("s", FileEvent.getClassSchema());
        registry.setCompatibility("s", "BACKWARD");
        List<Schema.Field> fields = new ArrayList<>();
        FileEvent.getClassSchema().getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(new Schema.Field("image", Schema.create(Schema.Type.STRING)));
        Schema incompatible = Schema.createRecord("FileEvent", null, "io.driftwatch.model", false, fields);
        SchemaRegistryException.Incompatible e = assertThrows(SchemaRegistryException.Incompatible.class,
                () -> registry.register("s", incompatible));
        assertEquals(409, e.httpStatus());
        assertThrows(SchemaRegistryException.NotFound.class, () -> registry.schemaById(99));
    }
}
