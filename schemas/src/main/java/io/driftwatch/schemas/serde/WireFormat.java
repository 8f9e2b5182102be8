package io.driftwatch.schemas.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian int, then the
 * Avro binary encoding of the value (for a {@code bytes} schema, the raw bytes).
 */
public final class WireFormat {
    public static final byte MAGIC_BYTE = 0x0;
    public static final int ID_SIZE = 4;
    public static final int HEADER_SIZE = 1 + ID_SIZE;

    private WireFormat() {
    }

    /** Writes the 5-byte header for a schema id. */
    public static byte[] header(int schemaId) {
        return ByteBuffer.allocate(HEADER_SIZE).put(MAGIC_BYTE).putInt(schemaId).array();
    }

    /** Reads the schema id from a payload's header, refusing anything that is not Confluent wire format. */
    public static int schemaId(byte[] payload, String topic) {
        if (payload.length < HEADER_SIZE) {
            throw new SerializationException("Truncated payload on topic '" + topic + "': " + payload.length
                    + " byte(s), but the Confluent wire-format header alone needs " + HEADER_SIZE
                    + " (magic byte 0 + 4-byte schema id)");
        }
        if (payload[0] != MAGIC_BYTE) {
            throw new SerializationException(String.format(
                    "Unknown magic byte 0x%02x on topic '%s': not Confluent wire format (expected 0x00); "
                            + "was this record written with a schema-registry serializer?", payload[0] & 0xff, topic));
        }
        return ByteBuffer.wrap(payload, 1, ID_SIZE).getInt();
    }
}
