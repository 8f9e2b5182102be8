package io.driftwatch.schemas.serde;

import io.driftwatch.schemas.AvroClassTrust;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import io.driftwatch.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire-format Avro. The writer's schema comes from the registry by the id in the
 * header. With {@code specific.avro.reader=true} (or a target class) the result is the generated
 * class, read through Avro schema resolution into that class's schema; otherwise a GenericRecord
 * (or the primitive value).
 */
public class AvroDeserializer<T> implements Deserializer<T> {
    /** Reused per thread: the decoder is only a cursor over the array it is given. */
    private static final ThreadLocal<BinaryDecoder> DECODER = new ThreadLocal<>();

    private SchemaRegistryClient client;
    private final Class<? extends SpecificRecord> targetClass;
    private boolean specificReader;
    private volatile Schema targetSchema;
    private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();

    /** For Kafka's reflective instantiation; {@link #configure} must follow. */
    public AvroDeserializer() {
        this(null, null);
    }

    /** Uses the given client; with a target class, every record is read into that generated class. */
    public AvroDeserializer(SchemaRegistryClient client, Class<? extends SpecificRecord> targetClass) {
        this.client = client;
        this.targetClass = targetClass;
        this.specificReader = targetClass != null;
        if (targetClass != null) {
            AvroClassTrust.trustPackageOf(targetClass);
        }
        AvroClassTrust.install();
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = AvroSerdeConfig.from(configs, isKey);
        this.specificReader = targetClass != null || config.specificReader;
        if (client == null) {
            client = SchemaRegistryClient.fromConfigs(configs);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (client == null) {
            throw new IllegalStateException("AvroDeserializer used before configure()");
        }
        int id = WireFormat.schemaId(data, topic);
        Schema writer;
        try {
            writer = client.schemaById(id);
        } catch (SchemaRegistryException.NotFound e) {
            throw new SerializationException("Unknown schema id " + id + " in a record on topic '" + topic
                    + "': the schema registry does not know it (written against another registry?). " + e.getMessage(), e);
        } catch (SchemaRegistryException.Unavailable e) {
            throw new SchemaRegistryUnavailableException("Could not fetch schema id " + id + " for a record on topic '"
                    + topic + "': " + e.getMessage(), e);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("Could not fetch schema id " + id + " for a record on topic '" + topic
                    + "': " + e.getMessage(), e);
        }
        if (targetClass != null && writer.getType() == Schema.Type.RECORD && !carries(writer)) {
            // Schema resolution would happily read one record as another when the reader's fields have
            // defaults (an ExecSession read as ContainerMetadata): check the type before decoding.
            throw new SerializationException("Wrong record type on topic '" + topic + "': a " + writer.getFullName()
                    + " (schema id " + id + "), but this topic carries " + targetSchema().getFullName());
        }
        if (writer.getType() == Schema.Type.BYTES) {
            return (T) Arrays.copyOfRange(data, WireFormat.HEADER_SIZE, data.length);
        }
        DatumReader<Object> reader = readers.computeIfAbsent(id, ignored -> readerFor(writer));
        BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, DECODER.get());
        DECODER.set(decoder);
        try {
            return (T) reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Truncated or corrupt Avro payload on topic '" + topic + "': "
                    + data.length + " bytes with schema id " + id + " (" + writer.getFullName()
                    + ") could not be decoded: " + e, e);
        }
    }

    /** The writer is the target type: the same full name, or one of the target's aliases. */
    private boolean carries(Schema writer) {
        Schema target = targetSchema();
        return target.getFullName().equals(writer.getFullName()) || target.getAliases().contains(writer.getFullName());
    }

    private Schema targetSchema() {
        if (targetSchema == null) {
            targetSchema = SpecificData.get().getSchema(targetClass);
        }
        return targetSchema;
    }

    @SuppressWarnings("unchecked")
    private DatumReader<Object> readerFor(Schema writer) {
        if (!specificReader || writer.getType() != Schema.Type.RECORD) {
            return new GenericDatumReader<>(writer);
        }
        Schema reader;
        if (targetClass != null) {
            reader = SpecificData.get().getSchema(targetClass);
        } else {
            Class<?> generated;
            try {
                generated = SpecificData.get().getClass(writer);
            } catch (SecurityException e) {
                throw new SerializationException("specific.avro.reader=true, but Avro does not trust the class for "
                        + writer.getFullName() + ": add its package to the system property "
                        + "org.apache.avro.SERIALIZABLE_PACKAGES", e);
            }
            if (generated == null || !SpecificRecord.class.isAssignableFrom(generated)) {
                throw new SerializationException("specific.avro.reader=true, but no generated class for "
                        + writer.getFullName() + " is on the classpath");
            }
            reader = SpecificData.get().getSchema(generated);
        }
        return (DatumReader<Object>) (DatumReader<?>) new SpecificDatumReader<>(writer, reader);
    }

    @Override
    public void close() {
        readers.clear();
    }
}
