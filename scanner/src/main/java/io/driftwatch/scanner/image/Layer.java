package io.driftwatch.scanner.image;

/**
 * One layer of an image, bottom first. {@code index} is its position (0 = base layer); {@code digest} is the digest of
 * the blob as stored ('sha256:...'; for a dir: root filesystem, the pseudo-digest of the tree); {@code createdBy} is the
 * history entry's command when the image config has one, else null.
 */
public record Layer(int index, String digest, String mediaType, long size, String createdBy) {
}
