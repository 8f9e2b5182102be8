package io.driftwatch.schemas.serde;

import io.driftwatch.schemas.AvroClassTrust;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import io.driftwatch.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro values (generated specific records, generic records, or the Avro primitives) in
 * Confluent's wire format, registering or looking up their schema under the topic-name subject.
 */
public class AvroSerializer<T> implements Serializer<T> {
    private static final Schema BOOLEAN = Schema.create(Schema.Type.BOOLEAN);
    private static final Schema INT = Schema.create(Schema.Type.INT);
    private static final Schema LONG = Schema.create(Schema.Type.LONG);
    private static final Schema FLOAT = Schema.create(Schema.Type.FLOAT);
    private static final Schema DOUBLE = Schema.create(Schema.Type.DOUBLE);
    private static final Schema STRING = Schema.create(Schema.Type.STRING);
    private static final Schema BYTES = Schema.create(Schema.Type.BYTES);

    /**
     * Per thread: a growable buffer and a buffered encoder bound to it for good, so a record costs one array of its
     * exact size (the result) and nothing else: no buffer grown from 256 bytes and copied, no new encoder sink (a
     * channel and its array) per record. Dropped when an encoding fails (the encoder may hold a part of it).
     */
    private static final ThreadLocal<Output> OUTPUT = new ThreadLocal<>();

    /**
     * The writers' model: generated classes' own encoders (customEncode, the same bytes as the generic writer's walk
     * of the schema, without its per-field union resolution and boxing), which Avro leaves off by default. A writer is
     * only ever given records whose own schema is the writer's (see {@link #encodeAnew}'s callers), which is what
     * customEncode writes. Readers keep the default model.
     */
    private static final org.apache.avro.specific.SpecificData WRITE_DATA = customCoders();

    private static org.apache.avro.specific.SpecificData customCoders() {
        org.apache.avro.specific.SpecificData data = new org.apache.avro.specific.SpecificData();
        data.setCustomCoders(true);
        return data;
    }

    private static final class Output extends ByteArrayOutputStream {
        final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(this, null);

        Output() {
            super(1024);
        }

        /** Shrinks back when an unusually large record grew the buffer past 1 MiB. */
        void clear() {
            if (buf.length > 1 << 20) {
                buf = new byte[1024];
            }
            reset();
        }
    }
    /**
     * Configuration (not a Confluent key): {@code true} lets serializers so configured reuse, on one thread, the Avro
     * body of the record they or another such serializer encoded last when the very same instance comes again (a
     * stream processor's record written to a topic and to two state stores is encoded once). Only for records never
     * changed after they are first written; off by default, since a producer may reuse a mutable record between sends.
     */
    public static final String REUSE_ENCODING = "driftwatch.avro.reuse.encoding";
    private static final ThreadLocal<LastEncoding> LAST = new ThreadLocal<>();

    /** The body (without the 5-byte header) of the record last encoded on this thread by a reusing serializer. */
    private record LastEncoding(Object value, Schema schema, byte[] body) {}

    private record Latest(SchemaRegistryClient.RegisteredSchema schema, long fetchedAt) {
    }

    private SchemaRegistryClient client;
    private AvroSerdeConfig config;
    private boolean isKey;
    private boolean reuseEncoding;
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private final Map<String, Latest> latestBySubject = new ConcurrentHashMap<>();

    /** For Kafka's reflective instantiation; {@link #configure} must follow. */
    public AvroSerializer() {
    }

    /** Uses the given client (shared between serdes) instead of building one from the configuration. */
    public AvroSerializer(SchemaRegistryClient client) {
        this.client = client;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.config = AvroSerdeConfig.from(configs, isKey);
        this.isKey = isKey;
        this.reuseEncoding = "true".equals(String.valueOf(configs.get(REUSE_ENCODING)).trim());
        if (client == null) {
            client = SchemaRegistryClient.fromConfigs(configs);
        }
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (config == null) {
            throw new IllegalStateException("AvroSerializer used before configure()");
        }
        String subject = topic + (isKey ? "-key" : "-value");
        Schema schema = schemaOf(data);
        try {
            int id;
            Object value = data;
            Schema writeSchema = schema;
            if (config.autoRegister) {
                id = client.register(subject, schema);
            } else if (config.useLatestVersion) {
                SchemaRegistryClient.RegisteredSchema latest = latest(subject);
                id = latest.id();
                writeSchema = latest.schema();
                value = convert(data, schema, writeSchema, subject);
            } else {
                id = client.idOf(subject, schema);
            }
            return encode(id, value, writeSchema);
        } catch (SchemaRegistryException.Unavailable e) {
            throw new SchemaRegistryUnavailableException("Could not serialize a record for topic '" + topic
                    + "' (subject '" + subject + "'): " + e.getMessage(), e);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("Could not serialize a record for topic '" + topic + "' (subject '"
                    + subject + "', schema " + schema.getFullName() + "): " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException s) {
                throw s;
            }
            throw new SerializationException("Could not encode a " + schema.getFullName() + " for topic '" + topic
                    + "': " + e, e);
        }
    }

    private byte[] encode(int id, Object value, Schema schema) throws IOException {
        boolean reuse = reuseEncoding && value instanceof GenericContainer;
        if (reuse) {
            LastEncoding last = LAST.get();
            if (last != null && last.value() == value && last.schema() == schema) {
                byte[] header = WireFormat.header(id);
                byte[] bytes = java.util.Arrays.copyOf(header, header.length + last.body().length);
                System.arraycopy(last.body(), 0, bytes, header.length, last.body().length);
                return bytes;
            }
        }
        byte[] bytes = encodeAnew(id, value, schema);
        if (reuse) {
            LAST.set(new LastEncoding(value, schema,
                    java.util.Arrays.copyOfRange(bytes, WireFormat.HEADER_SIZE, bytes.length)));
        }
        return bytes;
    }

    private byte[] encodeAnew(int id, Object value, Schema schema) throws IOException {
        if (schema.getType() == Schema.Type.BYTES && !(value instanceof GenericContainer)) {
            // Confluent writes a bytes value raw, without Avro's length prefix; readers expect exactly that.
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.write(WireFormat.header(id));
            byte[] raw = value instanceof ByteBuffer buffer ? toArray(buffer) : (byte[]) value;
            out.write(raw);
            return out.toByteArray();
        }
        // A buffered encoder, reused per thread: the direct one writes byte by byte into a synchronized stream.
        Output out = OUTPUT.get();
        if (out == null) {
            out = new Output();
            OUTPUT.set(out);
        }
        out.clear();
        out.write(WireFormat.MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        boolean done = false;
        try {
            writers.computeIfAbsent(schema, s -> writerFor(s, value)).write(value, out.encoder);
            out.encoder.flush();
            done = true;
        } finally {
            if (!done) {
                OUTPUT.remove(); // the encoder may hold a part of the failed record
            }
        }
        return out.toByteArray();
    }

    private SchemaRegistryClient.RegisteredSchema latest(String subject) {
        long now = System.currentTimeMillis();
        Latest cached = latestBySubject.get(subject);
        if (cached == null || (config.latestCacheTtlMillis >= 0 && now - cached.fetchedAt() > config.latestCacheTtlMillis)) {
            cached = new Latest(client.latest(subject), now);
            latestBySubject.put(subject, cached);
        }
        return cached.schema();
    }

    /** Rewrites a value in the latest registered schema; refuses when that schema cannot carry it. */
    private Object convert(T data, Schema own, Schema latest, String subject) throws IOException {
        if (own.equals(latest)) {
            return data;
        }
        if (config.latestCompatibilityStrict) {
            SchemaCompatibility.SchemaPairCompatibility result =
                    SchemaCompatibility.checkReaderWriterCompatibility(latest, own);
            if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                throw new SerializationException("The latest schema of subject '" + subject + "' cannot read "
                        + own.getFullName() + " values: " + result.getDescription());
            }
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(buffer, null);
        writers.computeIfAbsent(own, s -> writerFor(s, data)).write(data, encoder);
        encoder.flush();
        return new GenericDatumReader<>(own, latest)
                .read(null, DecoderFactory.get().binaryDecoder(buffer.toByteArray(), null));
    }

    @SuppressWarnings("unchecked")
    private static DatumWriter<Object> writerFor(Schema schema, Object sample) {
        if (sample instanceof org.apache.avro.specific.SpecificRecord) {
            AvroClassTrust.trustPackageOf(sample.getClass());
        }
        // A specific writer handles generic records as well; it is needed for generated classes' fields.
        return (DatumWriter<Object>) (DatumWriter<?>) new SpecificDatumWriter<>(schema, WRITE_DATA);
    }

    static Schema schemaOf(Object value) {
        if (value instanceof GenericContainer container) {
            return container.getSchema();
        }
        if (value instanceof CharSequence) {
            return STRING;
        }
        if (value instanceof byte[] || value instanceof ByteBuffer) {
            return BYTES;
        }
        if (value instanceof Integer) {
            return INT;
        }
        if (value instanceof Long) {
            return LONG;
        }
        if (value instanceof Boolean) {
            return BOOLEAN;
        }
        if (value instanceof Float) {
            return FLOAT;
        }
        if (value instanceof Double) {
            return DOUBLE;
        }
        throw new SerializationException("Cannot serialize a " + value.getClass().getName()
                + " with Avro: expected a generated record, a GenericRecord, or an Avro primitive");
    }

    private static byte[] toArray(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    @Override
    public void close() {
        writers.clear();
        latestBySubject.clear();
    }
}
