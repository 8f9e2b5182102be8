package io.driftwatch.app.topology;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.Capture;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentInput;
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
    /** Response results, keyed by node (the responders write them). */
    public final Topic<String, ResponseResult> responseResults;
    /** Alerts, commands with their results, status changes and capture requests, keyed by incident group key. */
    public final Topic<String, IncidentInput> incidentInputs;
    /** Incidents, keyed by incidentId (compacted). */
    public final Topic<String, Incident> incidents;
    /** What the response plan tells people (escalations, reminders), keyed by incidentId; the notifier delivers it. */
    public final Topic<String, io.driftwatch.model.IncidentNotification> incidentNotifications;
    /** Drill reports, keyed by drillId (compacted): {@code driftwatch drill} writes them, the console shows them. */
    public final Topic<String, io.driftwatch.model.DrillReport> drills;
    /** Sealed captures, keyed by captureId (compacted). */
    public final Topic<String, Capture> captures;
    /** Image baselines, keyed by image digest (compacted): read into a global store, as bytes (decoded on use). */
    public final Topic<String, byte[]> imageBaselines;

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
        // Each enriched event is written to its topic and to up to three stores (reorder buffer, trail, rule state):
        // one encoding serves them all (the record is never changed once made).
        Map<String, Object> reuse = new java.util.HashMap<>(serdeConfig);
        reuse.put(io.driftwatch.schemas.serde.AvroSerializer.REUSE_ENCODING, "true");
        this.enrichedEvents = new Topic<>("enriched-events", catalog.name("enriched-events", config), Serdes.String(),
                AvroSerde.specific(EnrichedEvent.class, registry).configuredForValues(reuse));
        this.alerts = new Topic<>("alerts", catalog.name("alerts", config), Serdes.String(), avro(Alert.class));
        this.responseCommands = new Topic<>("response-commands", catalog.name("response-commands", config),
                Serdes.String(), avro(ResponseCommand.class));
        this.deadLetter = new Topic<>("dead-letter", catalog.name("dead-letter", config), Serdes.ByteArray(),
                Serdes.ByteArray());
        this.responseResults = new Topic<>("response-results", catalog.name("response-results", config),
                Serdes.String(), avro(ResponseResult.class));
        this.incidentInputs = new Topic<>("incident-inputs", catalog.name("incident-inputs", config), Serdes.String(),
                avro(IncidentInput.class));
        this.incidents = new Topic<>("incidents", catalog.name("incidents", config), Serdes.String(),
                avro(Incident.class));
        this.captures = new Topic<>("captures", catalog.name("captures", config), Serdes.String(), avro(Capture.class));
        this.incidentNotifications = new Topic<>("incident-notifications", catalog.name("incident-notifications", config),
                Serdes.String(), avro(io.driftwatch.model.IncidentNotification.class));
        this.drills = new Topic<>("drills", catalog.name("drills", config), Serdes.String(),
                avro(io.driftwatch.model.DrillReport.class));
        this.imageBaselines = new Topic<>("image-baselines", catalog.name("image-baselines", config), Serdes.String(),
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
        // Store values are records the processors made and never change: one encoding serves a record written twice.
        store.put(io.driftwatch.schemas.serde.AvroSerializer.REUSE_ENCODING, "true");
        return AvroSerde.specific(type, registry).configuredForValues(store);
    }

    public Serde<FileEvent> fileEventSerde() {
        return avro(FileEvent.class);
    }

    public Serde<ContainerMetadata> containerMetadataSerde() {
        return avro(ContainerMetadata.class);
    }

    public Serde<io.driftwatch.model.ImageBaseline> imageBaselineSerde() {
        return avro(io.driftwatch.model.ImageBaseline.class);
    }

    public Serde<ExecSession> execSessionSerde() {
        return avro(ExecSession.class);
    }
}
