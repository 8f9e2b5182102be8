package io.driftwatch.scanner.image;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads an image's layers from a {@link BlobSource}, bottom first: each blob streamed once, its digest (and size)
 * checked as it goes, its compression sniffed from the first bytes (gzip, zstd or none, whatever the media type
 * says), its tar applied by a {@link LayerApplier}. A blob whose digest does not match fails the read after the
 * visitor has seen its entries: the scan as a whole is then void.
 */
final class LayerReading {
    static final long PROGRESS_STEP = 8L * 1024 * 1024;
    private static final int READ_BUFFER = 256 * 1024;

    /**
     * One layer to read. {@code blobDigest} is checked over the blob as stored; when it is null (a legacy docker
     * archive names layers by path only), {@code diffId} is checked over the uncompressed tar instead.
     */
    record Spec(Descriptor blob, String blobDigest, String diffId, String mediaType, String createdBy) {
    }

    private LayerReading() {
    }

    static List<Spec> specs(ManifestResolver.Resolved image) {
        List<Spec> specs = new ArrayList<>();
        for (ManifestResolver.LayerRef l : image.layers()) {
            specs.add(new Spec(l.blob(), l.blob().digest(), l.diffId(), l.blob().mediaType(), l.createdBy()));
        }
        return specs;
    }

    static ImageScan read(String reference, String digest, String os, String architecture, List<Spec> specs,
            BlobSource source, ReadOptions options, LayerVisitor visitor) throws ImageReadException {
        return read(reference, digest, os, architecture, specs, List.of(), source, options, visitor);
    }

    static ImageScan read(String reference, String digest, String os, String architecture, List<Spec> specs,
            List<String> indexDigests, BlobSource source, ReadOptions options, LayerVisitor visitor)
            throws ImageReadException {
        ScanProgress progress = options.progress() == null ? ScanProgress.NONE : options.progress();
        LayerApplier applier = new LayerApplier(options.contentLimitBytes(), visitor);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            String layerDigest = s.blobDigest() != null ? s.blobDigest() : s.diffId();
            layers.add(new Layer(i, layerDigest, s.mediaType(), s.blob().size(), s.createdBy()));
        }
        long bytesRead = 0;
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            Layer layer = layers.get(i);
            progress.layerStarted(layer, specs.size(), s.blob().size());
            String what = source.describe() + ": layer " + i + " (" + layer.digest() + ")";
            try (InputStream raw = source.blob(s.blob())) {
                VerifyingInputStream blob = new VerifyingInputStream(raw, s.blobDigest(),
                        s.blobDigest() == null ? -1 : s.blob().size(), PROGRESS_STEP,
                        n -> progress.advanced(layer, n, applier.layerEntries()));
                try {
                    InputStream tar = decompress(new BufferedInputStream(blob, READ_BUFFER), what);
                    VerifyingInputStream uncompressed = null;
                    if (s.blobDigest() == null && s.diffId() != null) {
                        uncompressed = new VerifyingInputStream(tar, s.diffId(), -1, Long.MAX_VALUE, n -> { });
                        tar = uncompressed;
                    }
                    applier.apply(layer, tar);
                    if (uncompressed != null) {
                        uncompressed.verify();
                    } else {
                        tar.transferTo(OutputStream.nullOutputStream()); // what follows the tar's end is digested too
                    }
                } catch (IOException | RuntimeException unreadable) {
                    // A corrupted blob usually breaks gzip or tar before its digest can be checked: say so.
                    if (s.blobDigest() != null && !(unreadable instanceof VerifyingInputStream.DigestMismatchException)) {
                        try {
                            blob.verify();
                        } catch (VerifyingInputStream.DigestMismatchException corrupted) {
                            throw new VerifyingInputStream.DigestMismatchException(corrupted.getMessage() + "; reading it: "
                                    + describe(unreadable));
                        } catch (IOException ignored) {
                            // the blob cannot be read to its end either: the first error says more
                        }
                    }
                    throw unreadable;
                }
                blob.verify();
                bytesRead += blob.count();
            } catch (VerifyingInputStream.DigestMismatchException e) {
                throw new ImageReadException(what + ": " + e.getMessage() + " (corrupted or tampered blob)", e);
            } catch (IOException e) {
                throw new ImageReadException(what + ": " + describe(e), e);
            } catch (RuntimeException e) {
                // commons-compress signals some malformed headers with unchecked exceptions
                throw new ImageReadException(what + ": not a readable layer: " + describe(e), e);
            }
            progress.layerDone(layer, applier.layerEntries());
        }
        return new ImageScan(reference, digest, os, architecture, List.copyOf(layers),
                Collections.unmodifiableSortedMap(applier.files()), bytesRead, indexDigests);
    }

    /** gzip (1f 8b), zstd (28 b5 2f fd) or a plain tar, told by the first bytes. */
    static InputStream decompress(InputStream buffered, String what) throws IOException {
        buffered.mark(8);
        byte[] head = buffered.readNBytes(6);
        buffered.reset();
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return new GZIPInputStream(buffered, 64 * 1024);
        }
        if (head.length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return new ZstdInputStreamNoFinalizer(buffered);
        }
        if (head.length >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') {
            throw new IOException("bzip2-compressed layers are not supported");
        }
        if (head.length >= 6 && (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X') {
            throw new IOException("xz-compressed layers are not supported");
        }
        return buffered;
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
