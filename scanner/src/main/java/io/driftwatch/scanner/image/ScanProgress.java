package io.driftwatch.scanner.image;

/** Progress of reading an image, for people watching a long scan (the CLI prints it on stderr). */
public interface ScanProgress {

    ScanProgress NONE = new ScanProgress() {
    };

    /** Starting layer {@code index} of {@code count}; {@code bytes} is its compressed size, or -1 if unknown. */
    default void layerStarted(Layer layer, int count, long bytes) {
    }

    /** {@code bytesRead} compressed bytes of the current layer read so far and {@code files} entries seen. */
    default void advanced(Layer layer, long bytesRead, long files) {
    }

    default void layerDone(Layer layer, long files) {
    }
}
