package io.driftwatch.schemas.registry;

/**
 * A schema registry request failed. {@link #httpStatus()} and {@link #errorCode()} carry what the
 * registry said (Confluent error codes such as 40401, 40403, 409), or -1 when it said nothing.
 */
public class SchemaRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int errorCode() {
        return errorCode;
    }

    /** The subject, version or schema id asked for does not exist (404; error codes 40401, 40402, 40403). */
    public static final class NotFound extends SchemaRegistryException {
        private static final long serialVersionUID = 1L;

        public NotFound(String message, int httpStatus, int errorCode) {
            super(message, httpStatus, errorCode, null);
        }
    }

    /** The registry refused the schema as incompatible with the subject's earlier versions (409). */
    public static final class Incompatible extends SchemaRegistryException {
        private static final long serialVersionUID = 1L;

        public Incompatible(String message, int httpStatus, int errorCode) {
            super(message, httpStatus, errorCode, null);
        }
    }

    /** No registry answered: every URL refused, timed out or kept failing with 5xx through all retries. */
    public static final class Unavailable extends SchemaRegistryException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message, int httpStatus, Throwable cause) {
            super(message, httpStatus, -1, cause);
        }
    }
}
