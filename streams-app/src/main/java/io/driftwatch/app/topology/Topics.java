package io.driftwatch.app.topology;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import io.driftwatch.schemas.serde.AvroSerde;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic the pipeline reads or writes, typed. Inputs are read as raw bytes so that a record
 * that cannot be decoded reaches the dead-letter topic as it was; outputs are Avro through the
 * schema registry.
 */
public final class Topics {
    public final Topic<String, byte[]> fileEvents;
    public final Topic<String, byte[]> containerMetadata;
    public final Topic<String, byte[]> execSessions;
    /** Exec sessions re-keyed by container id (or sent to every partition while their container is unknown). */
    public final Topic<String, byte[]> execSessionsByContainer;
    /** File events re-keyed by container id (they arrived under another key, or none). */
    public final Topic<String, byte[]> fileEventsByContainer;
    public final Topic<String, EnrichedEvent> enrichedEvents;
    public final Topic<String, Alert> alerts;
    public final Topic<String, ResponseCommand> responseCommands;
    public final Topic<byte[], byte[]> deadLetter;

    private final SchemaRegistryClient registry;
    private final Map<String, Object> serdeConfig;

    public Topics(DriftwatchConfig config, SchemaRegistryClient registry) {
        TopicCatalog catalog = TopicCatalog.builtIn();
        this.registry = registry;
        this.serdeConfig = config.clientProperties();
        this.fileEvents = new Topic<>("file-events", catalog.name("file-events", config), Serdes.String(), Serdes.ByteArray());
        this.containerMetadata = new Topic<>("container-metadata", catalog.name("container-metadata", config),
                Serdes.String(), Serdes.ByteArray());
        this.execSessions = new Topic<>("exec-sessions", catalog.name("exec-sessions", config), Serdes.String(),
                Serdes.ByteArray());
        this.execSessionsByContainer = new Topic<>("exec-sessions-by-container",
                catalog.name("exec-sessions-by-container", config), Serdes.String(), Serdes.ByteArray());
        this.fileEventsByContainer = new Topic<>("file-events-by-container",
                catalog.name("file-events-by-container", config), Serdes.String(), Serdes.ByteArray());
        this.enrichedEvents = new Topic<>("enriched-events", catalog.name("enriched-events", config), Serdes.String(),
                avro(EnrichedEvent.class));
        this.alerts = new Topic<>("alerts", catalog.name("alerts", config), Serdes.String(), avro(Alert.class));
        this.responseCommands = new Topic<>("response-commands", catalog.name("response-commands", config),
                Serdes.String(), avro(ResponseCommand.class));
        this.deadLetter = new Topic<>("dead-letter", catalog.name("dead-letter", config), Serdes.ByteArray(),
                Serdes.ByteArray());
    }

    /** A registry-backed Avro serde for a generated record, configured for values. */
    public <T extends SpecificRecord> Serde<T> avro(Class<T> type) {
        return AvroSerde.specific(type, registry).configuredForValues(serdeConfig);
    }

    /**
     * A serde for a state store's changelog: it always registers its schema, whatever
     * {@code auto.register.schemas} says. Changelog subjects are the app's own and nobody registers
     * them ahead of time; with registration off, the first store write failed.
     */
    public <T extends SpecificRecord> Serde<T> storeAvro(Class<T> type) {
        Map<String, Object> store = new java.util.HashMap<>(serdeConfig);
        store.put(io.driftwatch.schemas.serde.AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "true");
        store.put(io.driftwatch.schemas.serde.AvroSerdeConfig.USE_LATEST_VERSION, "false");
        return AvroSerde.specific(type, registry).configuredForValues(store);
    }

    public Serde<FileEvent> fileEventSerde() {
        return avro(FileEvent.class);
    }

    public Serde<ContainerMetadata> containerMetadataSerde() {
        return avro(ContainerMetadata.class);
    }

    public Serde<ExecSession> execSessionSerde() {
        return avro(ExecSession.class);
    }
}
