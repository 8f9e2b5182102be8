package io.driftwatch.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.testkit.SchemaRegistryExtension;
import io.driftwatch.embedded.SchemaRegistryServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The client against a real registry's Confluent API (Apicurio ccompat v7). */
@ExtendWith(SchemaRegistryExtension.class)
class SchemaRegistryClientIT {
    private final Map<String, String> config;
    private final SchemaRegistryClient client;

    SchemaRegistryClientIT(SchemaRegistryServer registry) {
        this.config = Map.of(RegistryClientConfig.URL, registry.confluentApiUrl());
        this.client = SchemaRegistryClient.fromConfigs(config);
    }

    @Test
    void registerLookUpAndFetchById() {
        String subject = "client-register-value";
        int id = client.register(subject, FileEvent.getClassSchema());
        assertEquals(id, client.register(subject, FileEvent.getClassSchema()), "registering again gives the same id");

        SchemaRegistryClient fresh = SchemaRegistryClient.fromConfigs(config); // nothing cached: asks the registry
        assertEquals(id, fresh.idOf(subject, FileEvent.getClassSchema()), "look-up by schema finds the id");
        assertEquals(FileEvent.getClassSchema(), fresh.schemaById(id), "fetch by id gives the schema back");
        assertTrue(fresh.subjects().contains(subject));
        assertEquals(List.of(1), fresh.versions(subject));
        SchemaRegistryClient.RegisteredSchema latest = fresh.latest(subject);
        assertEquals(id, latest.id());
        assertEquals(1, latest.version());
        assertEquals(FileEvent.getClassSchema(), latest.schema());
    }

    @Test
    void anIncompatibleSchemaIsRefused() {
        String subject = "client-incompatible-value";
        client.register(subject, FileEvent.getClassSchema());
        client.setCompatibility(subject, "BACKWARD");
        assertEquals("BACKWARD", client.compatibility(subject));

        Schema withRequiredField = withField(FileEvent.getClassSchema(), "image");
        assertFalse(client.isCompatible(subject, withRequiredField));
        SchemaRegistryException.Incompatible refused = assertThrows(SchemaRegistryException.Incompatible.class,
                () -> client.register(subject, withRequiredField));
        assertEquals(409, refused.httpStatus());
        assertTrue(refused.getMessage().contains("incompatible") && refused.getMessage().contains(subject),
                refused.getMessage());
        assertEquals(List.of(1), client.versions(subject), "the refused schema did not become a version");
    }

    @Test
    void unknownSubjectsSchemasAndIdsAreNotFound() {
        SchemaRegistryException.NotFound noSubject = assertThrows(SchemaRegistryException.NotFound.class,
                () -> client.idOf("client-no-such-subject-value", FileEvent.getClassSchema()));
        assertEquals(40401, noSubject.errorCode());

        String subject = "client-other-schema-value";
        client.register(subject, FileEvent.getClassSchema());
        SchemaRegistryException.NotFound noSchema = assertThrows(SchemaRegistryException.NotFound.class,
                () -> client.idOf(subject, ExecSession.getClassSchema()));
        assertEquals(40403, noSchema.errorCode());

        SchemaRegistryException.NotFound noId = assertThrows(SchemaRegistryException.NotFound.class,
                () -> client.schemaById(Integer.MAX_VALUE));
        assertTrue(noId.getMessage().contains("fetch schema id " + Integer.MAX_VALUE), noId.getMessage());
    }

    @Test
    void aDeadFirstUrlFailsOverToTheNext(SchemaRegistryServer registry) throws Exception {
        int deadPort = SchemaRegistryServer.freeLoopbackPort();
        SchemaRegistryClient failover = SchemaRegistryClient.fromConfigs(Map.of(
                RegistryClientConfig.URL, "http://127.0.0.1:" + deadPort + "," + registry.confluentApiUrl(),
                RegistryClientConfig.RETRIES_WAIT_MS, "10"));
        int id = failover.register("client-failover-value", FileEvent.getClassSchema());
        assertEquals(FileEvent.getClassSchema(), failover.schemaById(id));
    }

    @Test
    void clientsRegisteringTheSameNewSubjectAtOnceAllGetItsId() throws Exception {
        // Stream threads register changelog subjects concurrently; a registry may answer the losers 409.
        String subject = "client-race-value";
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> ids = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ids.add(pool.submit(() -> SchemaRegistryClient.fromConfigs(config).register(subject, FileEvent.getClassSchema())));
            }
            java.util.Set<Integer> distinct = new java.util.HashSet<>();
            for (var id : ids) {
                distinct.add(id.get());
            }
            assertEquals(1, distinct.size(), distinct.toString());
            assertEquals(distinct.iterator().next(), client.idOf(subject, FileEvent.getClassSchema()));
        } finally {
            pool.shutdownNow();
        }
    }

    private static Schema withField(Schema base, String name) {
        List<Schema.Field> fields = new ArrayList<>();
        base.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(new Schema.Field(name, Schema.create(Schema.Type.STRING)));
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }
}
