package io.driftwatch.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The record may be fine, but no schema registry answered. Kept apart from other serialization
 * failures so that a caller can stop and retry instead of dead-lettering good records.
 */
public final class SchemaRegistryUnavailableException extends SerializationException {
    private static final long serialVersionUID = 1L;

    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
