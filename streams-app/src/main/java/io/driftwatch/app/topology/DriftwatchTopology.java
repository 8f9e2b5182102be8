package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.RuleSet;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole data flow in one place (DESIGN.md "Data flow"):
 *
 * <pre>
 * file-events ─────────> decode ─> check-event-time ─> enrich-with-metadata ──┐            ┌─> enriched-events
 *                           └─> file-events-by-container ─> decode ─┘ (events not keyed by their container, re-keyed)
 * container-metadata ──> decode ─> record-container-metadata (releases held events) ─> attribute-users ─> evaluate-rules ─> alerts
 * exec-sessions ───────> route ─> decode ─> record-exec-session                                          └─> response-commands (by node)
 *                           └─> exec-sessions-by-container ─> decode ─┘ (sessions not keyed by their container, re-keyed)
 * every decode ─> dead-letter (undecodable or incomplete records, with the reason)
 * check-event-time ─> alerts (clock skew)
 * evaluate-rules ─> record-trail [trail-events, trail-index, trail-alerts, trail-citations, pending/sealed captures]
 *                      ├─> captures (sealed once the window passed) ─> read-captures ─> [captures] (the topic is its changelog)
 *                      └─> incident-inputs (capture requests)
 * alerts ─> by group key ─> incident-inputs <─ response-commands ⋈ response-results; incident-inputs ─> fold-incidents ─> incidents
 * image-baselines ─> store-image-baselines ─> [image-baselines] (global: every instance holds every image's
 *                    baseline; evaluate-rules reads it through one cache of indexes, by the container's imageDigest)
 * Inputs are brought within the field caps as they are decoded; outputs are bounded by the producer's limit.
 * The bracketed stores are what the investigation API reads (src/investigation.md).
 * </pre>
 *
 * Builds the topology and does no I/O.
 */
public final class DriftwatchTopology {
    static final String DECODE_FILE_EVENTS = "decode-file-events";
    static final String DECODE_FILE_EVENTS_BY_CONTAINER = "decode-file-events-by-container";
    static final String TO_FILE_EVENTS_BY_CONTAINER = "to-file-events-by-container";
    static final String CHECK_EVENT_TIME = "check-event-time";
    static final String DECODE_METADATA = "decode-container-metadata";
    static final String DECODE_SESSIONS = "decode-exec-sessions";
    static final String ROUTE_SESSIONS = "route-exec-sessions";
    static final String DECODE_SESSIONS_BY_CONTAINER = "decode-exec-sessions-by-container";
    static final String TO_SESSIONS_BY_CONTAINER = "to-exec-sessions-by-container";
    static final String TO_SESSIONS_EVERY_PARTITION = "to-exec-sessions-every-partition";
    static final String ENRICH = "enrich-with-metadata";
    static final String RECORD_METADATA = "record-container-metadata";
    static final String RECORD_SESSION = "record-exec-session";
    static final String ATTRIBUTE = "attribute-users";
    static final String EVALUATE = "evaluate-rules";
    static final String TO_ENRICHED = "to-enriched-events";
    static final String TO_ALERTS = "to-alerts";
    static final String TO_COMMANDS = "to-response-commands";
    static final String ROUTE_COMMANDS = "route-response-commands";
    static final String TO_NODE_COMMANDS = "to-node-response-commands";
    static final String TO_DEAD_LETTER = "to-dead-letter";
    static final String RECORD_TRAIL = "record-trail";
    static final String TO_CAPTURES = "to-captures";
    static final String TO_INCIDENT_INPUTS_FROM_TRAIL = "capture-requests-to-incident-inputs";
    static final String READ_CAPTURES = "read-captures";
    static final String STORE_CAPTURES = "store-captures";
    static final String READ_IMAGE_BASELINES = "read-image-baselines";
    static final String STORE_IMAGE_BASELINES = "store-image-baselines";

    private DriftwatchTopology() {
    }

    public static Topology build(Topics topics, PipelineSettings settings, Supplier<RuleSet> rules,
                                 EnrichmentCounters counters) {
        return build(topics, settings, rules, counters, null);
    }

    /** As above; response commands are signed with {@code signatures} (unsigned when null). No trail. */
    public static Topology build(Topics topics, PipelineSettings settings, Supplier<RuleSet> rules,
                                 EnrichmentCounters counters, io.driftwatch.schemas.sign.CommandSignatures signatures) {
        return build(topics, settings, rules, counters, signatures, TrailSettings.disabled());
    }

    /** As above, with the queryable trail and captures when {@code trail} is enabled. No incidents. */
    public static Topology build(Topics topics, PipelineSettings settings, Supplier<RuleSet> rules,
                                 EnrichmentCounters counters, io.driftwatch.schemas.sign.CommandSignatures signatures,
                                 TrailSettings trail) {
        return build(topics, settings, rules, counters, signatures, trail, null);
    }

    /**
     * The whole app: the pipeline, the queryable trail and captures when {@code trail} is enabled, and the
     * incidents (alerts folded per pod, with the responses' results and a lifecycle) unless {@code incidents}
     * is null.
     */
    public static Topology build(Topics topics, PipelineSettings settings, Supplier<RuleSet> rules,
                                 EnrichmentCounters counters, io.driftwatch.schemas.sign.CommandSignatures signatures,
                                 TrailSettings trail, io.driftwatch.app.incidents.IncidentSettings incidents) {
        return build(topics, settings, rules, counters, signatures, trail, incidents, null);
    }

    /**
     * As above; with {@code nodeCommands} every response command also goes to its node's own topic
     * (response-commands.&lt;node&gt;), besides the response-commands topic; null: the shared topic only.
     */
    public static Topology build(Topics topics, PipelineSettings settings, Supplier<RuleSet> rules,
                                 EnrichmentCounters counters, io.driftwatch.schemas.sign.CommandSignatures signatures,
                                 TrailSettings trail, io.driftwatch.app.incidents.IncidentSettings incidents,
                                 NodeCommands nodeCommands) {
        return build(topics, settings, rules, counters, signatures, trail, incidents, nodeCommands, null);
    }

    /**
     * As above; with {@code plans} (not null, and incidents on) the incident fold applies the response plan: its timers
     * store joins the fold-incidents task and notifications go to incident-notifications.
     */
    public static Topology build(Topics topics, PipelineSettings settings, Supplier<RuleSet> rules,
                                 EnrichmentCounters counters, io.driftwatch.schemas.sign.CommandSignatures signatures,
                                 TrailSettings trail, io.driftwatch.app.incidents.IncidentSettings incidents,
                                 NodeCommands nodeCommands, io.driftwatch.app.incidents.IncidentPlans plans) {
        Topology topology = new Topology();

        // Record timestamps drive stream time: none may run further ahead of this machine's clock than events may.
        var extractor = settings.clockAhead() == null ? null
                : new BoundedTimestampExtractor(settings.clockAhead().toMillis());
        for (String[] source : new String[][] {
                {"read-file-events", topics.fileEvents.name()},
                {"read-file-events-by-container", topics.fileEventsByContainer.name()},
                {"read-container-metadata", topics.containerMetadata.name()},
                {"read-exec-sessions", topics.execSessions.name()},
                {"read-exec-sessions-by-container", topics.execSessionsByContainer.name()}}) {
            topology.addSource((org.apache.kafka.streams.AutoOffsetReset) null, source[0], extractor,
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), source[1]);
        }

        var fileEventSerde = topics.fileEventSerde();
        var metadataSerde = topics.containerMetadataSerde();
        var sessionSerde = topics.execSessionSerde();
        FieldCaps caps = settings.fieldCaps();

        // Events not keyed by their container are re-keyed once, through a topic co-partitioned with file-events.
        topology.addProcessor(DECODE_FILE_EVENTS, () -> new DecodeProcessor<FileEvent>(fileEventSerde.deserializer(),
                e -> RecordChecks.fileEvent(e, caps), FileEvent::getContainerId, caps::apply,
                DecodeProcessor.KeyPolicy.REKEY, CHECK_EVENT_TIME, TO_FILE_EVENTS_BY_CONTAINER, TO_DEAD_LETTER, counters,
                "file-events"),
                "read-file-events");
        topology.addSink(TO_FILE_EVENTS_BY_CONTAINER, topics.fileEventsByContainer.name(), Serdes.String().serializer(),
                OutputBounds.rawAvro(fileEventSerde.deserializer(), caps::apply, fileEventSerde.serializer(),
                        caps.maxRecordBytes(), counters), DECODE_FILE_EVENTS);
        topology.addProcessor(DECODE_FILE_EVENTS_BY_CONTAINER, () -> new DecodeProcessor<FileEvent>(
                fileEventSerde.deserializer(), e -> RecordChecks.fileEvent(e, caps), FileEvent::getContainerId, caps::apply,
                DecodeProcessor.KeyPolicy.LOCAL, CHECK_EVENT_TIME, null, TO_DEAD_LETTER, counters, "file-events-by-container"),
                "read-file-events-by-container");
        topology.addProcessor(CHECK_EVENT_TIME, () -> new ClockSkewProcessor(settings, counters, ENRICH, TO_ALERTS),
                DECODE_FILE_EVENTS, DECODE_FILE_EVENTS_BY_CONTAINER);
        // A compacted topic keeps the last record per key: metadata under another key is dead-lettered, not re-keyed.
        topology.addProcessor(DECODE_METADATA, () -> new DecodeProcessor<ContainerMetadata>(metadataSerde.deserializer(),
                m -> RecordChecks.containerMetadata(m, caps), ContainerMetadata::getContainerId, caps::apply,
                DecodeProcessor.KeyPolicy.DEAD_LETTER, RECORD_METADATA, null, TO_DEAD_LETTER, counters,
                "container-metadata"),
                "read-container-metadata");
        // Sessions not keyed by their own container id are re-keyed once, through a topic co-partitioned with file-events.
        topology.addProcessor(ROUTE_SESSIONS, () -> new ExecSessionRouter(sessionSerde.deserializer(), caps, counters,
                RECORD_SESSION, DECODE_SESSIONS,
                TO_SESSIONS_BY_CONTAINER, TO_SESSIONS_EVERY_PARTITION), "read-exec-sessions");
        topology.addProcessor(DECODE_SESSIONS, () -> new DecodeProcessor<ExecSession>(sessionSerde.deserializer(),
                s -> RecordChecks.execSession(s, caps), ExecSession::getSessionId, caps::apply, DecodeProcessor.KeyPolicy.ANY,
                RECORD_SESSION, null, TO_DEAD_LETTER, counters, null), ROUTE_SESSIONS);
        var boundedSessions = OutputBounds.rawAvro(sessionSerde.deserializer(), caps::apply, sessionSerde.serializer(),
                caps.maxRecordBytes(), counters);
        topology.addSink(TO_SESSIONS_BY_CONTAINER, topics.execSessionsByContainer.name(), Serdes.String().serializer(),
                boundedSessions, ROUTE_SESSIONS);
        topology.addSink(TO_SESSIONS_EVERY_PARTITION, topics.execSessionsByContainer.name(), Serdes.String().serializer(),
                boundedSessions, ExecSessionRouter.everyPartition(), ROUTE_SESSIONS);
        topology.addProcessor(DECODE_SESSIONS_BY_CONTAINER, () -> new DecodeProcessor<ExecSession>(
                sessionSerde.deserializer(), s -> RecordChecks.execSession(s, caps), ExecSession::getSessionId, caps::apply,
                DecodeProcessor.KeyPolicy.ANY, RECORD_SESSION, null, TO_DEAD_LETTER, counters,
                "exec-sessions-by-container"), "read-exec-sessions-by-container");

        // Decoded container metadata per task, shared by the processor that writes the versions and the one that reads them.
        MetadataCache.PerTask metadataCaches = new MetadataCache.PerTask();
        topology.addProcessor(ENRICH, () -> new EnrichProcessor(settings, counters, metadataCaches), CHECK_EVENT_TIME);
        topology.addProcessor(RECORD_METADATA, () -> new ContainerMetadataProcessor(settings, counters, metadataCaches),
                DECODE_METADATA);
        topology.addProcessor(RECORD_SESSION, () -> new ExecSessionProcessor(settings), DECODE_SESSIONS,
                DECODE_SESSIONS_BY_CONTAINER, ROUTE_SESSIONS);
        topology.addProcessor(ATTRIBUTE, () -> new AttributionProcessor(settings), ENRICH, RECORD_METADATA);
        String trailChild = trail.enabled() ? RECORD_TRAIL : null;
        String commandsChild = nodeCommands == null ? TO_COMMANDS : ROUTE_COMMANDS;
        // Image baselines: a global store fed from the compacted topic, every task's rules read it through one cache.
        var baselineSerde = topics.imageBaselineSerde();
        ImageBaselineCache imageCache = new ImageBaselineCache(settings.images(), baselineSerde.deserializer(),
                topics.imageBaselines.name(), counters);
        topology.addProcessor(EVALUATE, () -> new EvaluateProcessor(rules, settings, TO_ENRICHED, TO_ALERTS, commandsChild,
                trailChild, counters, imageCache), ATTRIBUTE);

        topology.addStateStore(Stores.versionedKeyValueStoreBuilder(
                        Stores.persistentVersionedKeyValueStore(StoreNames.METADATA_VERSIONS, settings.metadataHistory()),
                        Serdes.String(), OutputBounds.store(topics.storeAvro(ContainerMetadata.class),
                                caps.maxRecordBytes(), counters, OutputBounds::shrink)),
                ENRICH, RECORD_METADATA, RECORD_SESSION);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.HELD_EVENTS),
                Serdes.String(), OutputBounds.store(topics.storeAvro(FileEvent.class), caps.maxRecordBytes(), counters,
                        OutputBounds::shrink)), ENRICH, RECORD_METADATA);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.POD_INDEX),
                Serdes.String(), Serdes.String()), RECORD_METADATA, RECORD_SESSION);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.EXEC_SESSIONS),
                Serdes.String(), topics.storeAvro(ExecSession.class)), RECORD_METADATA, RECORD_SESSION, ATTRIBUTE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.PROCESS_LINEAGE),
                Serdes.String(), Serdes.String()).withCachingEnabled(), ATTRIBUTE);

        var enrichedSerde = OutputBounds.store(topics.storeAvro(io.driftwatch.model.EnrichedEvent.class),
                caps.maxRecordBytes(), counters, OutputBounds::shrink);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.RULE_STATE_EVENTS),
                Serdes.String(), enrichedSerde).withCachingEnabled(), EVALUATE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.RULE_REORDER_BUFFER),
                Serdes.String(), enrichedSerde).withCachingEnabled(), EVALUATE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.RULE_CLOCK),
                Serdes.String(), Serdes.Long()).withCachingEnabled(), EVALUATE);

        int maxBytes = caps.maxRecordBytes();
        topology.addSink(TO_ENRICHED, topics.enrichedEvents.name(), topics.enrichedEvents.keySerde().serializer(),
                OutputBounds.enriched(topics.enrichedEvents.valueSerde().serializer(), maxBytes, counters), EVALUATE);
        topology.addSink(TO_ALERTS, topics.alerts.name(), topics.alerts.keySerde().serializer(),
                OutputBounds.alerts(topics.alerts.valueSerde().serializer(), maxBytes, counters), EVALUATE, CHECK_EVENT_TIME);
        if (nodeCommands == null) {
            topology.addSink(TO_COMMANDS, topics.responseCommands.name(), topics.responseCommands.keySerde().serializer(),
                    CommandSigning.signing(signatures, topics.responseCommands.valueSerde().serializer()), EVALUATE);
        } else {
            // response-commands stays the audit record of every command; each is also written to its node's own topic.
            topology.addProcessor(ROUTE_COMMANDS, () -> nodeCommands.router(TO_COMMANDS, TO_NODE_COMMANDS), EVALUATE);
            topology.addSink(TO_COMMANDS, topics.responseCommands.name(), topics.responseCommands.keySerde().serializer(),
                    CommandSigning.signing(signatures, topics.responseCommands.valueSerde().serializer()), ROUTE_COMMANDS);
            topology.addSink(TO_NODE_COMMANDS,
                    (String node, ResponseCommand command, org.apache.kafka.streams.processor.RecordContext context) ->
                            nodeCommands.topicOf(node),
                    topics.responseCommands.keySerde().serializer(),
                    CommandSigning.signing(signatures, topics.responseCommands.valueSerde().serializer()), ROUTE_COMMANDS);
        }
        topology.addSink(TO_DEAD_LETTER, topics.deadLetter.name(), Serdes.ByteArray().serializer(),
                OutputBounds.deadLetter(maxBytes, counters), DECODE_FILE_EVENTS, DECODE_FILE_EVENTS_BY_CONTAINER,
                DECODE_METADATA, DECODE_SESSIONS, DECODE_SESSIONS_BY_CONTAINER);
        if (trail.enabled()) {
            addTrail(topology, topics, settings, trail, enrichedSerde);
        }
        if (incidents != null) {
            // alerts ─> by group key ─> incident-inputs <─ response-commands ⋈ response-results (by commandId)
            // incident-inputs (alerts, responses, status changes, capture requests) ─> fold-incidents ─> incidents
            io.driftwatch.app.incidents.IncidentTopology.addTo(topology, topics, incidents, plans, signatures, nodeCommands);
        }
        // Last, on purpose: Kafka Streams numbers subtopologies (and so task ids and their state directories) in the
        // order their nodes are added, global ones included. Added anywhere earlier, the global store would take the
        // number of a subtopology of an earlier release, and an upgraded instance would open that release's task
        // directories as the wrong subtopology (it fails to start). SubtopologyIdsTest holds the numbers to 0.1.0's.
        topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.IMAGE_BASELINES),
                        Serdes.String(), Serdes.ByteArray()).withLoggingDisabled(),
                READ_IMAGE_BASELINES, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                topics.imageBaselines.name(), STORE_IMAGE_BASELINES,
                () -> new ImageBaselineProcessor(imageCache, baselineSerde.deserializer(), topics.imageBaselines.name()));
        return topology;
    }

    /**
     * The queryable trail: the recorder beside the rules (same task, same partition as the container's events),
     * its window stores, the captures it seals, and the captures store restored from the captures topic.
     */
    private static void addTrail(Topology topology, Topics topics, PipelineSettings settings, TrailSettings trail,
                                 org.apache.kafka.common.serialization.Serde<io.driftwatch.model.EnrichedEvent> enrichedSerde) {
        topology.addProcessor(RECORD_TRAIL, () -> new TrailProcessor(trail, settings, TO_CAPTURES,
                TO_INCIDENT_INPUTS_FROM_TRAIL), EVALUATE);
        java.time.Duration retention = trail.retention();
        java.time.Duration point = java.time.Duration.ofMillis(1);
        topology.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(QueryableStores.TRAIL_EVENTS, retention, point, true),
                Serdes.String(), enrichedSerde), RECORD_TRAIL);
        topology.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(QueryableStores.TRAIL_INDEX, retention, point, true),
                Serdes.String(), Serdes.String()), RECORD_TRAIL);
        topology.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(QueryableStores.TRAIL_ALERTS, retention, point, false),
                Serdes.String(), topics.storeAvro(io.driftwatch.model.Alert.class)), RECORD_TRAIL);
        topology.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(QueryableStores.TRAIL_CITATIONS, retention, point, true),
                Serdes.String(), Serdes.String()), RECORD_TRAIL);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(QueryableStores.PENDING_CAPTURES), Serdes.String(), Serdes.String()),
                RECORD_TRAIL);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(QueryableStores.SEALED_CAPTURES), Serdes.String(), Serdes.Long()),
                RECORD_TRAIL);
        topology.connectProcessorAndStateStores(RECORD_TRAIL, StoreNames.EXEC_SESSIONS);
        // The rules' reorder buffer is rebuilt from the trail's events after a restart (EvaluateProcessor).
        topology.connectProcessorAndStateStores(EVALUATE, QueryableStores.TRAIL_EVENTS);
        topology.addSink(TO_CAPTURES, topics.captures.name(), topics.captures.keySerde().serializer(),
                topics.captures.valueSerde().serializer(), RECORD_TRAIL);
        topology.addSink(TO_INCIDENT_INPUTS_FROM_TRAIL, topics.incidentInputs.name(),
                topics.incidentInputs.keySerde().serializer(), topics.incidentInputs.valueSerde().serializer(), RECORD_TRAIL);
        // The captures topic is the store's changelog: a new instance restores the captures from it.
        topology.addReadOnlyStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(QueryableStores.CAPTURES),
                        Serdes.String(), topics.captures.valueSerde()).withLoggingDisabled(),
                READ_CAPTURES, topics.captures.keySerde().deserializer(), topics.captures.valueSerde().deserializer(),
                topics.captures.name(), STORE_CAPTURES, () -> new CaptureStoreProcessor(trail));
    }
}
