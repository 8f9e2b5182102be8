package io.driftwatch.scanner.image;

/**
 * Reads an image named with a skopeo-style transport: {@code oci:DIR[:tag]}, {@code docker-archive:FILE},
 * {@code oci-archive:FILE[:tag]}, {@code dir:ROOTFS}, {@code docker://REGISTRY/NAME[:TAG|@DIGEST]}.
 */
public interface ImageReader {

    /** Reads every layer once, in order, telling {@code visitor} each entry, and returns the final filesystem. */
    ImageScan read(String reference, ReadOptions options, LayerVisitor visitor) throws ImageReadException;
}
