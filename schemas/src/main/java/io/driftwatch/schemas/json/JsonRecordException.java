package io.driftwatch.schemas.json;

/** A JSON line that is not a valid record: the message names the field (and, from readLines, file and line). */
public final class JsonRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    public JsonRecordException(String message) {
        super(message);
    }

    public JsonRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
