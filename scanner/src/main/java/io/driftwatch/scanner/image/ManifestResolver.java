package io.driftwatch.scanner.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * From a manifest or index to an image: follows (nested) indexes to the wanted platform, reads the manifest and the
 * config, and lists the layers bottom first with their diff ids and history. Every manifest, index and config is
 * checked against its digest.
 */
final class ManifestResolver {
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    /** What docker:// asks a registry for, best first. */
    static final String ACCEPT = String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

    static final int MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
    private static final int MAX_CONFIG_BYTES = 32 * 1024 * 1024;
    private static final int MAX_DEPTH = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A layer to read: its blob, the digest of its uncompressed tar (null if the config has none), its history. */
    record LayerRef(Descriptor blob, String diffId, String createdBy) {
    }

    /** The image chosen: the digest of its manifest (not of an index above it), platform, layers bottom first. */
    record Resolved(String manifestDigest, String os, String architecture, List<LayerRef> layers,
            List<String> indexDigests) {
    }

    private final BlobSource source;
    private final String platform;
    private final boolean fallbackToAmd64;

    ManifestResolver(BlobSource source, String platform, boolean fallbackToAmd64) {
        this.source = source;
        this.platform = platform;
        this.fallbackToAmd64 = fallbackToAmd64;
    }

    Resolved resolve(BlobSource.Fetched top) throws ImageReadException {
        BlobSource.Fetched current = top;
        List<String> indexes = new ArrayList<>();
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            JsonNode n = parse(current.bytes(), "manifest " + current.digest());
            if (n.path("schemaVersion").asInt(0) == 1) {
                throw new ImageReadException(where(current) + " is a Docker schema 1 manifest, which is not supported "
                        + "(re-push the image with a current client)");
            }
            String mediaType = n.path("mediaType").asText(current.mediaType());
            if (isIndex(mediaType) || (n.has("manifests") && !n.has("layers"))) {
                List<Descriptor> entries = new ArrayList<>();
                for (JsonNode m : n.path("manifests")) {
                    Descriptor d = Descriptor.of(m, where(current));
                    if (!"unknown".equals(d.os())) { // buildkit's attestation manifests
                        entries.add(d);
                    }
                }
                Descriptor chosen = Platforms.pick(entries, platform, fallbackToAmd64, where(current));
                if (current.digest() != null) {
                    indexes.add(current.digest());
                }
                current = source.manifest(chosen);
                continue;
            }
            if (!n.has("layers") || !n.has("config")) {
                throw new ImageReadException(where(current) + " is neither an image manifest nor an index"
                        + (mediaType == null ? "" : " (media type " + mediaType + ")"));
            }
            return image(current, n, indexes);
        }
        throw new ImageReadException(source.describe() + ": image indexes nested more than " + MAX_DEPTH + " deep");
    }

    private Resolved image(BlobSource.Fetched manifest, JsonNode n, List<String> indexes) throws ImageReadException {
        Descriptor configRef = Descriptor.of(n.get("config"), where(manifest) + " config");
        String configType = configRef.mediaType();
        if (configType != null && !configType.equals(OCI_CONFIG) && !configType.equals(DOCKER_CONFIG)) {
            throw new ImageReadException(where(manifest) + " is not a container image: its config is " + configType);
        }
        JsonNode config = parse(readConfig(configRef), "image config " + configRef.digest());
        List<String> diffIds = new ArrayList<>();
        config.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
        List<String> history = new ArrayList<>();
        for (JsonNode h : config.path("history")) {
            if (!h.path("empty_layer").asBoolean(false)) {
                history.add(h.path("created_by").asText(null));
            }
        }
        List<LayerRef> layers = new ArrayList<>();
        int i = 0;
        for (JsonNode l : n.path("layers")) {
            Descriptor d = Descriptor.of(l, where(manifest) + " layer " + i);
            String diffId = i < diffIds.size() && Digests.valid(diffIds.get(i)) ? diffIds.get(i) : null;
            layers.add(new LayerRef(d, diffId, i < history.size() ? history.get(i) : null));
            i++;
        }
        return new Resolved(manifest.digest(), config.path("os").asText(null), config.path("architecture").asText(null),
                layers, List.copyOf(indexes));
    }

    private byte[] readConfig(Descriptor d) throws ImageReadException {
        try (InputStream in = source.blob(d)) {
            byte[] bytes = in.readNBytes(MAX_CONFIG_BYTES + 1);
            if (bytes.length > MAX_CONFIG_BYTES) {
                throw new ImageReadException(source.describe() + ": image config " + d.digest() + " is over "
                        + MAX_CONFIG_BYTES + " bytes");
            }
            checkDigest(bytes, d.digest(), source.describe() + ": image config");
            return bytes;
        } catch (IOException e) {
            throw new ImageReadException(source.describe() + ": cannot read image config " + d.digest() + ": " + e.getMessage(), e);
        }
    }

    static void checkDigest(byte[] bytes, String expected, String what) throws ImageReadException {
        var md = Digests.forDigest(expected);
        md.update(bytes);
        String actual = Digests.format(expected, md);
        if (!actual.equals(expected)) {
            throw new ImageReadException(what + " " + expected + ": digest mismatch, content is " + actual);
        }
    }

    static boolean isIndex(String mediaType) {
        return OCI_INDEX.equals(mediaType) || DOCKER_LIST.equals(mediaType);
    }

    static JsonNode parse(byte[] bytes, String what) throws ImageReadException {
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n == null || !n.isObject()) {
                throw new ImageReadException(what + " is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new ImageReadException(what + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private String where(BlobSource.Fetched f) {
        return source.describe() + ": manifest " + f.digest();
    }
}
