package io.driftwatch.scanner.baseline;

import io.driftwatch.model.ImageBaseline;
import io.driftwatch.model.ImageFile;
import io.driftwatch.model.ImageFileKind;
import io.driftwatch.scanner.image.EntryKind;
import io.driftwatch.scanner.image.ImageEntry;
import io.driftwatch.scanner.image.ImageScan;
import io.driftwatch.scanner.image.Layer;
import java.util.ArrayList;
import java.util.List;

/** An image's baseline (its final filesystem, as the streams app compares running containers with it). */
public final class Baselines {
    private Baselines() {
    }

    /**
     * The baseline of {@code scan}: keyed by its digest, files sorted by path, layer digests bottom first (each file's
     * {@code layer} indexes them). Devices and fifos are OTHER.
     */
    public static ImageBaseline of(ImageScan scan, long scannedAt, String scannerVersion) {
        List<String> layers = new ArrayList<>(scan.layers().size());
        for (Layer l : scan.layers()) {
            layers.add(l.digest());
        }
        List<ImageFile> files = new ArrayList<>(scan.files().size());
        // scan.files() is a SortedMap by path: already in the order the baseline promises.
        for (ImageEntry e : scan.files().values()) {
            files.add(ImageFile.newBuilder()
                    .setPath(e.path())
                    .setKind(kind(e.kind()))
                    .setSha256(e.sha256())
                    .setMode(e.mode())
                    .setUid(e.uid())
                    .setGid(e.gid())
                    .setSize(e.size())
                    .setLinkTarget(e.linkTarget())
                    .setLayer(e.layer())
                    .build());
        }
        return ImageBaseline.newBuilder()
                .setImageDigest(scan.digest())
                .setImage(scan.reference())
                .setScannedAt(scannedAt)
                .setScanner(scannerVersion)
                .setLayers(layers)
                .setFiles(files)
                .build();
    }

    static ImageFileKind kind(EntryKind kind) {
        return switch (kind) {
            case FILE -> ImageFileKind.FILE;
            case DIR -> ImageFileKind.DIR;
            case SYMLINK -> ImageFileKind.SYMLINK;
            case HARDLINK -> ImageFileKind.HARDLINK;
            case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> ImageFileKind.OTHER;
        };
    }
}
