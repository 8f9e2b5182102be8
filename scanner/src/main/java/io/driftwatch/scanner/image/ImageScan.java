package io.driftwatch.scanner.image;

import java.util.List;
import java.util.SortedMap;

/**
 * What reading an image found.
 *
 * @param reference   the reference as given ("oci:/tmp/layout:1.0")
 * @param digest      the manifest digest, "sha256:<hex>" (for dir:, a digest over the tree's manifest)
 * @param os          from the image config, or null
 * @param architecture from the image config, or null
 * @param layers      bottom first
 * @param files       the final filesystem after every layer and whiteout, by path
 * @param bytesRead   compressed layer bytes read
 * @param indexDigests the digests of the image indexes the manifest was chosen through, outermost first; empty when
 *                    the reference named a manifest. A runtime that pulled a multi-platform image reports the index's
 *                    digest as the container's image digest, so baselines are published under these too.
 */
public record ImageScan(String reference, String digest, String os, String architecture, List<Layer> layers,
        SortedMap<String, ImageEntry> files, long bytesRead, List<String> indexDigests) {

    public ImageScan {
        indexDigests = indexDigests == null ? List.of() : List.copyOf(indexDigests);
    }

    /** An image read from a manifest, with no index above it. */
    public ImageScan(String reference, String digest, String os, String architecture, List<Layer> layers,
            SortedMap<String, ImageEntry> files, long bytesRead) {
        this(reference, digest, os, architecture, layers, files, bytesRead, List.of());
    }
}
