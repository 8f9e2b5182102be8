package io.driftwatch.scanner.image;

/** The image could not be read: no such file or tag, a bad manifest, a registry refusal. Exit status 2 in the CLI. */
public class ImageReadException extends Exception {
    public ImageReadException(String message) {
        super(message);
    }

    public ImageReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
