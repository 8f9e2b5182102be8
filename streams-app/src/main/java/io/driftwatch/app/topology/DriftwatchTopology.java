package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.rules.RuleSet;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole data flow in one place (DESIGN.md "Data flow"):
 *
 * <pre>
 * file-events ─────────> decode ─> enrich-with-metadata ──┐            ┌─> enriched-events
 * container-metadata ──> decode ─> record-container-metadata (releases held events) ─> attribute-users ─> evaluate-rules ─> alerts
 * exec-sessions ───────> route ─> decode ─> record-exec-session                                          └─> response-commands (by node)
 *                           └─> exec-sessions-by-container ─> decode ─┘ (sessions not keyed by their container, re-keyed)
 * every decode ─> dead-letter (undecodable or incomplete records, with the reason)
 * </pre>
 *
 * Builds the topology and does no I/O.
 */
public final class DriftwatchTopology {
    static final String DECODE_FILE_EVENTS = "decode-file-events";
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
    static final String TO_DEAD_LETTER = "to-dead-letter";

    private DriftwatchTopology() {
    }

    public static Topology build(Topics topics, PipelineSettings settings, Supplier<RuleSet> rules,
                                 EnrichmentCounters counters) {
        return build(topics, settings, rules, counters, null);
    }

    /** As above; response commands are signed with {@code signatures} (unsigned when null). */
    public static Topology build(Topics topics, PipelineSettings settings, Supplier<RuleSet> rules,
                                 EnrichmentCounters counters, io.driftwatch.schemas.sign.CommandSignatures signatures) {
        Topology topology = new Topology();

        topology.addSource("read-file-events", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                topics.fileEvents.name());
        topology.addSource("read-container-metadata", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                topics.containerMetadata.name());
        topology.addSource("read-exec-sessions", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                topics.execSessions.name());
        topology.addSource("read-exec-sessions-by-container", Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer(), topics.execSessionsByContainer.name());

        var fileEventSerde = topics.fileEventSerde();
        var metadataSerde = topics.containerMetadataSerde();
        var sessionSerde = topics.execSessionSerde();

        topology.addProcessor(DECODE_FILE_EVENTS, () -> new DecodeProcessor<FileEvent>(fileEventSerde.deserializer(),
                RecordChecks::fileEvent, FileEvent::getContainerId, ENRICH, TO_DEAD_LETTER, counters), "read-file-events");
        topology.addProcessor(DECODE_METADATA, () -> new DecodeProcessor<ContainerMetadata>(metadataSerde.deserializer(),
                RecordChecks::containerMetadata, ContainerMetadata::getContainerId, RECORD_METADATA, TO_DEAD_LETTER, counters),
                "read-container-metadata");
        // Sessions not keyed by their own container id are re-keyed once, through a topic co-partitioned with file-events.
        topology.addProcessor(ROUTE_SESSIONS, () -> new ExecSessionRouter(sessionSerde.deserializer(), DECODE_SESSIONS,
                TO_SESSIONS_BY_CONTAINER, TO_SESSIONS_EVERY_PARTITION), "read-exec-sessions");
        topology.addProcessor(DECODE_SESSIONS, () -> new DecodeProcessor<ExecSession>(sessionSerde.deserializer(),
                RecordChecks::execSession, ExecSession::getSessionId, RECORD_SESSION, TO_DEAD_LETTER, counters),
                ROUTE_SESSIONS);
        topology.addSink(TO_SESSIONS_BY_CONTAINER, topics.execSessionsByContainer.name(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer(), ROUTE_SESSIONS);
        topology.addSink(TO_SESSIONS_EVERY_PARTITION, topics.execSessionsByContainer.name(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer(), ExecSessionRouter.everyPartition(), ROUTE_SESSIONS);
        topology.addProcessor(DECODE_SESSIONS_BY_CONTAINER, () -> new DecodeProcessor<ExecSession>(
                sessionSerde.deserializer(), RecordChecks::execSession, ExecSession::getSessionId, RECORD_SESSION,
                TO_DEAD_LETTER, counters), "read-exec-sessions-by-container");

        topology.addProcessor(ENRICH, () -> new EnrichProcessor(settings, counters), DECODE_FILE_EVENTS);
        topology.addProcessor(RECORD_METADATA, () -> new ContainerMetadataProcessor(settings, counters), DECODE_METADATA);
        topology.addProcessor(RECORD_SESSION, () -> new ExecSessionProcessor(settings), DECODE_SESSIONS,
                DECODE_SESSIONS_BY_CONTAINER);
        topology.addProcessor(ATTRIBUTE, () -> new AttributionProcessor(settings), ENRICH, RECORD_METADATA);
        topology.addProcessor(EVALUATE, () -> new EvaluateProcessor(rules, settings, TO_ENRICHED, TO_ALERTS, TO_COMMANDS),
                ATTRIBUTE);

        topology.addStateStore(Stores.versionedKeyValueStoreBuilder(
                        Stores.persistentVersionedKeyValueStore(StoreNames.METADATA_VERSIONS, settings.metadataHistory()),
                        Serdes.String(), metadataSerde),
                ENRICH, RECORD_METADATA, RECORD_SESSION);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.HELD_EVENTS),
                Serdes.String(), fileEventSerde), ENRICH, RECORD_METADATA);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.POD_INDEX),
                Serdes.String(), Serdes.String()), RECORD_METADATA, RECORD_SESSION);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.EXEC_SESSIONS),
                Serdes.String(), sessionSerde), RECORD_METADATA, RECORD_SESSION, ATTRIBUTE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.PROCESS_LINEAGE),
                Serdes.String(), Serdes.String()).withCachingEnabled(), ATTRIBUTE);

        var enrichedSerde = topics.enrichedEvents.valueSerde();
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.RULE_STATE_EVENTS),
                Serdes.String(), enrichedSerde).withCachingEnabled(), EVALUATE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.RULE_REORDER_BUFFER),
                Serdes.String(), enrichedSerde).withCachingEnabled(), EVALUATE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.RULE_CLOCK),
                Serdes.String(), Serdes.Long()).withCachingEnabled(), EVALUATE);

        topology.addSink(TO_ENRICHED, topics.enrichedEvents.name(), topics.enrichedEvents.keySerde().serializer(),
                topics.enrichedEvents.valueSerde().serializer(), EVALUATE);
        topology.addSink(TO_ALERTS, topics.alerts.name(), topics.alerts.keySerde().serializer(),
                topics.alerts.valueSerde().serializer(), EVALUATE);
        topology.addSink(TO_COMMANDS, topics.responseCommands.name(), topics.responseCommands.keySerde().serializer(),
                CommandSigning.signing(signatures, topics.responseCommands.valueSerde().serializer()), EVALUATE);
        topology.addSink(TO_DEAD_LETTER, topics.deadLetter.name(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), DECODE_FILE_EVENTS, DECODE_METADATA, DECODE_SESSIONS,
                DECODE_SESSIONS_BY_CONTAINER);
        return topology;
    }
}
