package io.driftwatch.scanner.testing;

import io.driftwatch.scanner.image.ImageEntry;
import io.driftwatch.scanner.image.Layer;
import io.driftwatch.scanner.image.LayerVisitor;
import java.util.ArrayList;
import java.util.List;

/** Records every visitor call as a line ("entry 1 /etc/passwd FILE", "whiteout 2 /tmp/x", ...), in order. */
public final class RecordingVisitor implements LayerVisitor {
    public final List<String> calls = new ArrayList<>();
    public final List<ImageEntry> entries = new ArrayList<>();
    /** Content handed with each entry (null where none was), parallel to {@link #entries}. */
    public final List<byte[]> contents = new ArrayList<>();

    @Override
    public void entry(Layer layer, ImageEntry entry, byte[] content) {
        calls.add("entry " + layer.index() + " " + entry.path() + " " + entry.kind());
        entries.add(entry);
        contents.add(content);
    }

    @Override
    public void whiteout(Layer layer, String path, boolean opaque) {
        calls.add((opaque ? "opaque " : "whiteout ") + layer.index() + " " + path);
    }

    @Override
    public void rejected(Layer layer, String name, String reason) {
        calls.add("rejected " + layer.index() + " " + name);
    }
}
