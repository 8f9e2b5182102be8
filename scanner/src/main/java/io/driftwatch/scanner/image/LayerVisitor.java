package io.driftwatch.scanner.image;

/**
 * Sees every entry of every layer, in layer order and in each layer's tar order, before whiteouts apply: so a file
 * added in one layer and deleted in a later one is still seen (it ships in the image). Checks that look at content
 * or names implement this; checks on the final filesystem use {@link ImageScan#files()}.
 *
 * <p>Called on the reading thread; implementations need not be thread-safe.
 */
public interface LayerVisitor {

    /**
     * One entry that a layer writes (not whiteouts, which come through {@link #whiteout}).
     *
     * @param content for FILE entries, the whole content when the entry is no larger than
     *                {@link ReadOptions#contentLimitBytes()}; null for larger files and for every other kind (the
     *                SHA-256 in {@code entry} is always over the whole content)
     */
    default void entry(Layer layer, ImageEntry entry, byte[] content) {
    }

    /**
     * A whiteout in {@code layer}: {@code path} (and everything under it) from lower layers is deleted; with
     * {@code opaque}, {@code path} is a directory whose lower-layer contents are hidden but which itself stays.
     */
    default void whiteout(Layer layer, String path, boolean opaque) {
    }

    /**
     * An entry of {@code layer} that was not applied: a name that escapes the root ("../../etc/x", "/../x"), a hard
     * link to such a name, a socket, an entry type tar readers do not know. The image ships it; it is not in
     * {@link ImageScan#files()}. {@code name} is the name as the layer wrote it.
     */
    default void rejected(Layer layer, String name, String reason) {
    }

    /** Combines visitors; each sees every call, in the given order. */
    static LayerVisitor all(java.util.List<? extends LayerVisitor> visitors) {
        return new LayerVisitor() {
            @Override
            public void entry(Layer layer, ImageEntry entry, byte[] content) {
                for (LayerVisitor v : visitors) {
                    v.entry(layer, entry, content);
                }
            }

            @Override
            public void whiteout(Layer layer, String path, boolean opaque) {
                for (LayerVisitor v : visitors) {
                    v.whiteout(layer, path, opaque);
                }
            }

            @Override
            public void rejected(Layer layer, String name, String reason) {
                for (LayerVisitor v : visitors) {
                    v.rejected(layer, name, reason);
                }
            }
        };
    }
}
