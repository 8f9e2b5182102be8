package io.driftwatch.adapters.k8saudit;

/** A line that is not a Kubernetes audit event (or event list): the message says why. */
public final class AuditParseException extends Exception {
    private static final long serialVersionUID = 1L;

    public AuditParseException(String message) {
        super(message);
    }

    public AuditParseException(String message, Throwable cause) {
        super(message, cause);
    }
}
