package io.driftwatch.scanner.image;

import java.io.IOException;
import java.io.InputStream;

/** Where an image's manifests and blobs come from: a layout directory, an archive, a registry. */
interface BlobSource {

    /** What a manifest fetch returned: its bytes, its digest (computed over them) and the media type it came with. */
    record Fetched(byte[] bytes, String digest, String mediaType) {
    }

    /**
     * The manifest or index {@code digest}, verified against its digest. Small (a cap guards against a huge
     * one).
     */
    Fetched manifest(Descriptor descriptor) throws ImageReadException;

    /** A blob's raw bytes as stored (compressed for layers). Not verified: the caller digests while it reads. */
    InputStream blob(Descriptor descriptor) throws IOException, ImageReadException;

    /** Names this source in messages: "oci:/tmp/layout". */
    String describe();
}
