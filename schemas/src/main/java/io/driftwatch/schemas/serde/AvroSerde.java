package io.driftwatch.schemas.serde;

import io.driftwatch.schemas.registry.SchemaRegistryClient;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A Kafka {@link Serde} over {@link AvroSerializer} and {@link AvroDeserializer}. */
public final class AvroSerde<T> implements Serde<T> {
    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;
    private final boolean specific;

    private AvroSerde(AvroSerializer<T> serializer, AvroDeserializer<T> deserializer, boolean specific) {
        this.serializer = serializer;
        this.deserializer = deserializer;
        this.specific = specific;
    }

    /** Reads and writes one generated record class; a client of its own is built at {@link #configure}. */
    public static <T extends SpecificRecord> AvroSerde<T> specific(Class<T> recordClass) {
        return new AvroSerde<>(new AvroSerializer<>(), new AvroDeserializer<>(null, recordClass), true);
    }

    /** Reads and writes one generated record class through a shared client. */
    public static <T extends SpecificRecord> AvroSerde<T> specific(Class<T> recordClass, SchemaRegistryClient client) {
        return new AvroSerde<>(new AvroSerializer<>(client), new AvroDeserializer<>(client, recordClass), true);
    }

    /** Reads any record as a GenericRecord. */
    public static AvroSerde<GenericRecord> generic() {
        return new AvroSerde<>(new AvroSerializer<>(), new AvroDeserializer<>(), false);
    }

    public static AvroSerde<GenericRecord> generic(SchemaRegistryClient client) {
        return new AvroSerde<>(new AvroSerializer<>(client), new AvroDeserializer<>(client, null), false);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> effective = new HashMap<>(configs);
        if (specific) {
            effective.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        }
        serializer.configure(effective, isKey);
        deserializer.configure(effective, isKey);
    }

    /** Configures for values and returns this, for one-line set-up. */
    public AvroSerde<T> configuredForValues(Map<String, ?> configs) {
        configure(configs, false);
        return this;
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
