package io.driftwatch.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A schema registry held in memory, for work without a registry server (offline replay, unit
 * tests). Selected with {@code schema.registry.url=mock://<scope>}; every client of one scope in a
 * JVM shares it. Ids are content ids (one id per distinct schema), as in Apicurio; BACKWARD and
 * BACKWARD_TRANSITIVE compatibility are enforced with Avro's checker, other levels accept all.
 */
public final class InMemorySchemaRegistry implements SchemaRegistryClient {
    static final String SCHEME = "mock://";
    private static final Map<String, InMemorySchemaRegistry> SCOPES = new ConcurrentHashMap<>();

    private final Map<Schema, Integer> idBySchema = new HashMap<>();
    private final List<Schema> schemaById = new ArrayList<>();
    private final Map<String, List<Integer>> idsBySubject = new HashMap<>();
    private final Map<String, String> compatibilityBySubject = new HashMap<>();

    public static InMemorySchemaRegistry scope(String name) {
        return SCOPES.computeIfAbsent(name, n -> new InMemorySchemaRegistry());
    }

    /** Drops a scope and everything registered in it (a replay's registry, once the replay is over). */
    public static void forget(String name) {
        SCOPES.remove(name);
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        List<Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        Integer existing = idBySchema.get(schema);
        if (existing != null && ids.contains(existing)) {
            return existing;
        }
        String level = compatibility(subject);
        if (!ids.isEmpty() && level.startsWith("BACKWARD")) {
            List<Integer> against = level.equals("BACKWARD_TRANSITIVE") ? ids : List.of(ids.get(ids.size() - 1));
            for (int id : against) {
                var result = SchemaCompatibility.checkReaderWriterCompatibility(schema, schemaById.get(id - 1));
                if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                    throw new SchemaRegistryException.Incompatible("Schema is incompatible with the subject's earlier "
                            + "versions under subject '" + subject + "': " + result.getDescription(), 409, 409);
                }
            }
        }
        int id = idBySchema.computeIfAbsent(schema, s -> {
            schemaById.add(s);
            return schemaById.size();
        });
        ids.add(id);
        return id;
    }

    @Override
    public synchronized int idOf(String subject, Schema schema) {
        List<Integer> ids = idsBySubject.get(subject);
        if (ids == null) {
            throw new SchemaRegistryException.NotFound("Subject '" + subject + "' not found", 404, 40401);
        }
        Integer id = idBySchema.get(schema);
        if (id == null || !ids.contains(id)) {
            throw new SchemaRegistryException.NotFound("Schema not found under subject '" + subject + "'", 404, 40403);
        }
        return id;
    }

    @Override
    public synchronized Schema schemaById(int id) {
        if (id < 1 || id > schemaById.size()) {
            throw new SchemaRegistryException.NotFound("Could not fetch schema id " + id + ": not in this in-memory registry",
                    404, 40403);
        }
        return schemaById.get(id - 1);
    }

    @Override
    public RegisteredSchema latest(String subject) {
        return version(subject, "latest");
    }

    @Override
    public synchronized RegisteredSchema version(String subject, String version) {
        List<Integer> ids = idsBySubject.get(subject);
        if (ids == null || ids.isEmpty()) {
            throw new SchemaRegistryException.NotFound("Subject '" + subject + "' not found", 404, 40401);
        }
        int index = version.equals("latest") ? ids.size() : Integer.parseInt(version);
        if (index < 1 || index > ids.size()) {
            throw new SchemaRegistryException.NotFound("Version " + version + " of subject '" + subject + "' not found",
                    404, 40402);
        }
        int id = ids.get(index - 1);
        return new RegisteredSchema(subject, index, id, schemaById.get(id - 1));
    }

    @Override
    public synchronized List<String> subjects() {
        return new ArrayList<>(idsBySubject.keySet());
    }

    @Override
    public synchronized List<Integer> versions(String subject) {
        List<Integer> ids = idsBySubject.getOrDefault(subject, List.of());
        List<Integer> versions = new ArrayList<>();
        for (int v = 1; v <= ids.size(); v++) {
            versions.add(v);
        }
        return versions;
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        List<Integer> ids = idsBySubject.get(subject);
        if (ids == null || ids.isEmpty()) {
            return true;
        }
        return SchemaCompatibility.checkReaderWriterCompatibility(schema, schemaById.get(ids.get(ids.size() - 1) - 1))
                .getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }

    @Override
    public synchronized void setCompatibility(String subject, String level) {
        compatibilityBySubject.put(subject, level);
    }

    @Override
    public synchronized String compatibility(String subject) {
        return compatibilityBySubject.getOrDefault(subject, "NONE");
    }
}
