package io.driftwatch.app.query;

/**
 * A store the answer needs cannot be read right now (the app is starting or rebalancing, or the
 * instance holding it does not answer): retry shortly. The HTTP API answers 503.
 */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message) {
        super(message);
    }

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
