package io.driftwatch.adapters.tetragon;

/**
 * The Tetragon adapter's one malformed-input exception: a line that is not a Tetragon event (not JSON, not an
 * object, no event in it), or a file event that lacks what it needs (its time, its function, its path). The
 * message is the reason, as it goes into the dead-letter header {@code driftwatch.error.reason}.
 */
public final class MalformedTetragonEventException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedTetragonEventException(String message) {
        super(message);
    }

    public MalformedTetragonEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
