package io.driftwatch.schemas.registry;

import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * What Driftwatch asks of a schema registry: the Confluent Schema Registry API's operations.
 * {@link #fromConfigs} gives the HTTP client for {@code http(s)://} URLs, and an in-memory
 * registry for {@code mock://<scope>} URLs (as Confluent's serdes do), which offline replay uses.
 */
public interface SchemaRegistryClient {

    /** A schema as the registry holds it under a subject. */
    record RegisteredSchema(String subject, int version, int id, Schema schema) {
    }

    /** Registers the schema under the subject (or finds it registered already) and returns its id. */
    int register(String subject, Schema schema);

    /** The id of a schema already registered under the subject; {@link SchemaRegistryException.NotFound} if it is not. */
    int idOf(String subject, Schema schema);

    /** The schema with this id; {@link SchemaRegistryException.NotFound} if the registry does not know it. */
    Schema schemaById(int id);

    /** The latest version under the subject. */
    RegisteredSchema latest(String subject);

    RegisteredSchema version(String subject, String version);

    List<String> subjects();

    List<Integer> versions(String subject);

    /** Whether the schema could be registered under the subject as its next version. */
    boolean isCompatible(String subject, Schema schema);

    /** Sets the subject's compatibility level (NONE, BACKWARD, ...). */
    void setCompatibility(String subject, String level);

    String compatibility(String subject);

    /** The client for {@code schema.registry.url}: HTTP, or in-memory for {@code mock://scope}. */
    static SchemaRegistryClient fromConfigs(Map<String, ?> configs) {
        Object url = configs.get(RegistryClientConfig.URL);
        if (url != null && url.toString().trim().startsWith(InMemorySchemaRegistry.SCHEME)) {
            return InMemorySchemaRegistry.scope(url.toString().trim().substring(InMemorySchemaRegistry.SCHEME.length()));
        }
        return new HttpSchemaRegistryClient(RegistryClientConfig.from(configs));
    }
}
