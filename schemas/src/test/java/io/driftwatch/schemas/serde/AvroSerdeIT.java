package io.driftwatch.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import io.driftwatch.schemas.registry.SchemaRegistryException;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.testkit.SchemaRegistryExtension;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/** The serde against a real registry (Apicurio's Confluent API), byte for byte against the wire format. */
@ExtendWith(SchemaRegistryExtension.class)
class AvroSerdeIT {
    private final SchemaRegistryServer registry;
    private String topic;

    AvroSerdeIT(SchemaRegistryServer registry) {
        this.registry = registry;
    }

    @BeforeEach
    void uniqueTopic(TestInfo test) {
        // The registry lives for the whole run: a subject per test keeps tests apart.
        topic = "serde-" + test.getTestMethod().orElseThrow().getName();
    }

    private Map<String, Object> config(Object... extra) {
        Map<String, Object> config = new java.util.HashMap<>();
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl());
        for (int i = 0; i < extra.length; i += 2) {
            config.put((String) extra[i], extra[i + 1]);
        }
        return config;
    }

    private static FileEvent minimalEvent() {
        return FileEvent.newBuilder().setEventId("e1").setTimestamp(1000L).setContainerId("c")
                .setType(EventType.EXEC).setPath("/x").build();
    }

    /** Hand-encoded per the Avro spec: what any Confluent-compatible reader expects for minimalEvent(). */
    private static byte[] handBuiltMinimalEvent(int schemaId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x00);                                   // magic byte
        out.writeBytes(ByteBuffer.allocate(4).putInt(schemaId).array()); // schema id, big-endian
        out.writeBytes(new byte[] {0x04, 'e', '1'});       // eventId: length 2 (zig-zag 4), "e1"
        out.writeBytes(new byte[] {(byte) 0xD0, 0x0F});    // timestamp 1000: zig-zag 2000 as a varint
        out.write(0x00);                                   // node: union branch 0 (null)
        out.writeBytes(new byte[] {0x02, 'c'});            // containerId "c"
        out.write(0x1A);                                   // type: EXEC is symbol 13, zig-zag 26
        out.writeBytes(new byte[] {0x04, '/', 'x'});       // path "/x"
        out.writeBytes(new byte[14]);                      // 14 optional fields, each union branch 0 (null)
        out.write(0x00);                                   // originalTimestamp: union branch 0 (null)
        out.write(0x00);                                   // sha256: union branch 0 (null)
        out.write(0x00);                                   // truncated: an empty array (block count 0)
        return out.toByteArray();
    }

    @Test
    void writesExactlyTheConfluentWireFormat() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(config());
        int id = client.register(topic + "-value", FileEvent.getClassSchema());
        try (AvroSerde<FileEvent> serde = AvroSerde.specific(FileEvent.class)) {
            serde.configure(config(), false);
            byte[] written = serde.serializer().serialize(topic, minimalEvent());
            assertArrayEquals(handBuiltMinimalEvent(id), written);
        }
    }

    @Test
    void readsHandBuiltConfluentWireFormat() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(config());
        int id = client.register(topic + "-value", FileEvent.getClassSchema());
        try (AvroSerde<FileEvent> serde = AvroSerde.specific(FileEvent.class)) {
            serde.configure(config(), false);
            assertEquals(minimalEvent(), serde.deserializer().deserialize(topic, handBuiltMinimalEvent(id)));
        }
    }

    @Test
    void genericRecordsAndPrimitivesUseTheSameFormat() {
        Schema probe = new Schema.Parser().parse("""
                {"type": "record", "name": "Probe", "namespace": "io.driftwatch.test", "fields": [
                  {"name": "s", "type": "string"},
                  {"name": "n", "type": "int"},
                  {"name": "t", "type": ["null", "long"], "default": null},
                  {"name": "u", "type": ["null", "long"], "default": null}]}""");
        GenericRecord record = new GenericData.Record(probe);
        record.put("s", "ab");
        record.put("n", -1);
        record.put("t", null);
        record.put("u", 300L);
        try (AvroSerde<GenericRecord> serde = AvroSerde.generic()) {
            serde.configure(config(), false);
            byte[] written = serde.serializer().serialize(topic, record);
            int id = ByteBuffer.wrap(written, 1, 4).getInt();
            byte[] expected = concat(WireFormat.header(id),
                    new byte[] {0x04, 'a', 'b', 0x01, 0x00, 0x02, (byte) 0xD8, 0x04});
            assertArrayEquals(expected, written);
            GenericRecord read = serde.deserializer().deserialize(topic, written);
            assertEquals("ab", read.get("s").toString());
            assertEquals(300L, read.get("u"));
        }

        AvroSerializer<Object> primitives = new AvroSerializer<>();
        primitives.configure(config(), false);
        byte[] string = primitives.serialize(topic + "-string", "hé");
        assertArrayEquals(new byte[] {0x06, 'h', (byte) 0xC3, (byte) 0xA9}, Arrays.copyOfRange(string, 5, string.length));
        // Confluent writes bytes raw, without Avro's length prefix.
        byte[] bytes = primitives.serialize(topic + "-bytes", new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOfRange(bytes, 5, bytes.length));
        AvroDeserializer<Object> reader = new AvroDeserializer<>();
        reader.configure(config(), false);
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) reader.deserialize(topic + "-bytes", bytes));
    }

    @Test
    void aGenericReaderGetsStringsNotUtf8() {
        try (AvroSerde<FileEvent> writer = AvroSerde.specific(FileEvent.class)) {
            writer.configure(config(), false);
            byte[] bytes = writer.serializer().serialize(topic, minimalEvent());
            AvroDeserializer<GenericRecord> generic = new AvroDeserializer<>();
            generic.configure(config(AvroSerdeConfig.SPECIFIC_AVRO_READER, "false"), false);
            GenericRecord read = generic.deserialize(topic, bytes);
            assertInstanceOf(String.class, read.get("path"));
            AvroDeserializer<Object> specific = new AvroDeserializer<>();
            specific.configure(config(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true"), false);
            assertEquals(minimalEvent(), specific.deserialize(topic, bytes));
        }
    }

    @Test
    void anUnknownSchemaIdIsNamed() {
        try (AvroSerde<FileEvent> serde = AvroSerde.specific(FileEvent.class)) {
            serde.configure(config(), false);
            SerializationException e = assertThrows(SerializationException.class,
                    () -> serde.deserializer().deserialize(topic, handBuiltMinimalEvent(987_654)));
            assertTrue(e.getMessage().contains("Unknown schema id 987654"), e.getMessage());
            assertInstanceOf(SchemaRegistryException.NotFound.class, e.getCause());
        }
    }

    @Test
    void aWrongMagicByteIsNamed() {
        try (AvroSerde<FileEvent> serde = AvroSerde.specific(FileEvent.class)) {
            serde.configure(config(), false);
            byte[] json = "{\"eventId\":\"e1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            SerializationException e = assertThrows(SerializationException.class,
                    () -> serde.deserializer().deserialize(topic, json));
            assertTrue(e.getMessage().contains("Unknown magic byte 0x7b"), e.getMessage());
        }
    }

    @Test
    void truncatedPayloadsAreNamed() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(config());
        int id = client.register(topic + "-value", FileEvent.getClassSchema());
        try (AvroSerde<FileEvent> serde = AvroSerde.specific(FileEvent.class)) {
            serde.configure(config(), false);
            SerializationException header = assertThrows(SerializationException.class,
                    () -> serde.deserializer().deserialize(topic, new byte[] {0, 0, 1}));
            assertTrue(header.getMessage().contains("Truncated payload") && header.getMessage().contains("3 byte"),
                    header.getMessage());

            byte[] whole = handBuiltMinimalEvent(id);
            byte[] cut = Arrays.copyOf(whole, whole.length - 10);
            SerializationException body = assertThrows(SerializationException.class,
                    () -> serde.deserializer().deserialize(topic, cut));
            assertTrue(body.getMessage().contains("Truncated or corrupt Avro payload")
                    && body.getMessage().contains("schema id " + id), body.getMessage());
        }
    }

    @Test
    void withoutAutoRegistrationAnUnregisteredSchemaIsRefusedByName() {
        try (AvroSerde<FileEvent> serde = AvroSerde.specific(FileEvent.class)) {
            serde.configure(config(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);
            SerializationException e = assertThrows(SerializationException.class,
                    () -> serde.serializer().serialize(topic, minimalEvent()));
            assertTrue(e.getMessage().contains("subject '" + topic + "-value'"), e.getMessage());
            assertInstanceOf(SchemaRegistryException.NotFound.class, e.getCause());
        }
    }

    @Test
    void anIncompatibleSchemaIsRefusedWith409() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(config());
        String subject = topic + "-value";
        client.register(subject, FileEvent.getClassSchema());
        client.setCompatibility(subject, "BACKWARD");
        GenericRecord evolved = new GenericData.Record(withField(FileEvent.getClassSchema(),
                new Schema.Field("severity", Schema.create(Schema.Type.STRING))));
        minimalEvent().getSchema().getFields().forEach(f -> evolved.put(f.name(), minimalEvent().get(f.pos())));
        evolved.put("severity", "HIGH");
        try (AvroSerde<GenericRecord> serde = AvroSerde.generic()) {
            serde.configure(config(), false);
            SerializationException e = assertThrows(SerializationException.class,
                    () -> serde.serializer().serialize(topic, evolved));
            SchemaRegistryException cause = assertInstanceOf(SchemaRegistryException.Incompatible.class, e.getCause());
            assertEquals(409, cause.httpStatus());
            assertTrue(e.getMessage().contains("incompatible"), e.getMessage());
        }
    }

    @Test
    void useLatestVersionWritesWithTheLatestRegisteredSchema() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(config());
        String subject = topic + "-value";
        client.register(subject, FileEvent.getClassSchema());
        Schema newer = withField(FileEvent.getClassSchema(), new Schema.Field("severity",
                Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)), null,
                JsonProperties.NULL_VALUE));
        int newerId = client.register(subject, newer);
        try (AvroSerde<FileEvent> serde = AvroSerde.specific(FileEvent.class)) {
            serde.configure(config(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false,
                    AvroSerdeConfig.USE_LATEST_VERSION, true), false);
            byte[] written = serde.serializer().serialize(topic, minimalEvent());
            assertEquals(newerId, WireFormat.schemaId(written, topic));
            // The newer schema's extra (null) field is the last byte; the reader resolves it away.
            assertArrayEquals(concat(handBuiltMinimalEvent(newerId), new byte[] {0x00}), written);
            assertEquals(minimalEvent(), serde.deserializer().deserialize(topic, written));
        }
    }

    private static Schema withField(Schema base, Schema.Field extra) {
        List<Schema.Field> fields = new ArrayList<>();
        base.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(extra);
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
