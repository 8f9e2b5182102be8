package io.driftwatch.adapters.audit;

/**
 * The Linux audit adapter's one malformed-input exception: a line that is not an audit record, or an event
 * (the records of one serial) that cannot be read as the file operation it claims to be. The message is the
 * reason, as it goes into the dead-letter header {@code driftwatch.error.reason}.
 */
public final class MalformedAuditException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedAuditException(String message) {
        super(message);
    }

    public MalformedAuditException(String message, Throwable cause) {
        super(message, cause);
    }
}
