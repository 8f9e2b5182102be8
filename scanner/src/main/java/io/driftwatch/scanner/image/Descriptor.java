package io.driftwatch.scanner.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;

/** An OCI content descriptor: what a manifest or index says about a blob it points to. */
record Descriptor(String mediaType, String digest, long size, String os, String architecture, String variant,
        Map<String, String> annotations) {

    static final String REF_NAME = "org.opencontainers.image.ref.name";

    static Descriptor of(JsonNode n, String where) throws ImageReadException {
        if (n == null || !n.isObject()) {
            throw new ImageReadException(where + ": a descriptor is missing");
        }
        String digest = n.path("digest").asText(null);
        if (!Digests.valid(digest)) {
            throw new ImageReadException(where + ": descriptor without a valid sha256 digest: " + n.path("digest"));
        }
        JsonNode platform = n.path("platform");
        Map<String, String> annotations = new TreeMap<>();
        n.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
        return new Descriptor(n.path("mediaType").asText(null), digest, n.path("size").asLong(-1),
                platform.path("os").asText(null), platform.path("architecture").asText(null),
                platform.path("variant").asText(null), annotations);
    }

    static Descriptor ofDigest(String mediaType, String digest, long size) {
        return new Descriptor(mediaType, digest, size, null, null, null, Map.of());
    }

    String refName() {
        return annotations.get(REF_NAME);
    }

    boolean hasPlatform() {
        return os != null && architecture != null;
    }

    String platform() {
        return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
    }
}
