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
 */
public record ImageScan(String reference, String digest, String os, String architecture, List<Layer> layers,
        SortedMap<String, ImageEntry> files, long bytesRead) {
}
