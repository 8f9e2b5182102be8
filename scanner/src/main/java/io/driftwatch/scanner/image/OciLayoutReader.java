package io.driftwatch.scanner.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * An OCI image layout (oci-layout, index.json, blobs/ALG/HEX), in a directory ({@code oci:}) or a tar
 * ({@code oci-archive:}). The image is the index.json entry whose org.opencontainers.image.ref.name is the tag;
 * without a tag, the only entry. An entry that is an index is resolved to the wanted platform.
 */
final class OciLayoutReader implements BlobSource {
    private final LayoutStore store;
    private final String describe;

    OciLayoutReader(LayoutStore store, String describe) {
        this.store = store;
        this.describe = describe;
    }

    ImageScan read(String reference, String tag, String platform, boolean fallback, ReadOptions options,
            LayerVisitor visitor) throws ImageReadException {
        if (!store.exists("index.json")) {
            throw new ImageReadException(describe + " is not an OCI image layout: it has no index.json"
                    + (store.exists("manifest.json") ? " (it has a manifest.json: use docker-archive:)" : ""));
        }
        JsonNode index = ManifestResolver.parse(readSmall("index.json"), describe + ": index.json");
        List<Descriptor> entries = new ArrayList<>();
        for (JsonNode m : index.path("manifests")) {
            entries.add(Descriptor.of(m, describe + ": index.json"));
        }
        Descriptor chosen = choose(entries, tag, platform, fallback);
        ManifestResolver resolver = new ManifestResolver(this, platform, fallback);
        ManifestResolver.Resolved image = resolver.resolve(manifest(chosen));
        return LayerReading.read(reference, image.manifestDigest(), image.os(), image.architecture(),
                LayerReading.specs(image), image.indexDigests(), this, options, visitor);
    }

    private Descriptor choose(List<Descriptor> entries, String tag, String platform, boolean fallback)
            throws ImageReadException {
        TreeSet<String> tags = new TreeSet<>();
        entries.forEach(d -> {
            if (d.refName() != null) {
                tags.add(d.refName());
            }
        });
        String known = tags.isEmpty() ? "it has no tagged images" : "its tags: " + String.join(", ", tags);
        if (entries.isEmpty()) {
            throw new ImageReadException(describe + " holds no images (index.json lists no manifests)");
        }
        if (tag != null) {
            List<Descriptor> tagged = entries.stream().filter(d -> tag.equals(d.refName())).toList();
            if (tagged.isEmpty()) {
                throw new ImageReadException(describe + " has no image tagged '" + tag + "'; " + known);
            }
            return tagged.size() == 1 ? tagged.get(0) : byPlatform(tagged, platform, fallback, tag, known);
        }
        if (entries.size() == 1) {
            return entries.get(0);
        }
        return byPlatform(entries, platform, fallback, null, known);
    }

    /** Several entries for one name: acceptable only when they are one image per platform. */
    private Descriptor byPlatform(List<Descriptor> entries, String platform, boolean fallback, String tag, String known)
            throws ImageReadException {
        if (entries.stream().allMatch(Descriptor::hasPlatform)) {
            return Platforms.pick(entries, platform, fallback, describe + (tag == null ? "" : ":" + tag));
        }
        throw new ImageReadException(describe + " holds " + entries.size() + " images"
                + (tag == null ? "" : " tagged '" + tag + "'") + "; name one with " + describe + ":TAG; " + known);
    }

    @Override
    public Fetched manifest(Descriptor d) throws ImageReadException {
        byte[] bytes = readSmall(blobName(d.digest()));
        ManifestResolver.checkDigest(bytes, d.digest(), describe + ": manifest");
        return new Fetched(bytes, d.digest(), d.mediaType());
    }

    @Override
    public InputStream blob(Descriptor d) throws IOException, ImageReadException {
        try {
            return store.open(blobName(d.digest()));
        } catch (NoSuchFileException e) {
            throw new ImageReadException(describe + " lacks blob " + d.digest() + " (" + blobName(d.digest()) + ")");
        }
    }

    @Override
    public String describe() {
        return describe;
    }

    static String blobName(String digest) {
        int colon = digest.indexOf(':');
        return "blobs/" + digest.substring(0, colon) + "/" + digest.substring(colon + 1);
    }

    private byte[] readSmall(String name) throws ImageReadException {
        try (InputStream in = store.open(name)) {
            byte[] bytes = in.readNBytes(ManifestResolver.MAX_MANIFEST_BYTES + 1);
            if (bytes.length > ManifestResolver.MAX_MANIFEST_BYTES) {
                throw new ImageReadException(describe + ": " + name + " is over " + ManifestResolver.MAX_MANIFEST_BYTES
                        + " bytes");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new ImageReadException(describe + " lacks " + name);
        } catch (IOException e) {
            throw new ImageReadException(describe + ": cannot read " + name + ": " + e.getMessage(), e);
        }
    }
}
