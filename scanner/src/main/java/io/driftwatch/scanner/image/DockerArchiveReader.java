package io.driftwatch.scanner.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code docker save} or skopeo docker-archive tar: manifest.json names the config and the layer tars
 * ("&lt;id&gt;/layer.tar", "&lt;hex&gt;.tar" or "blobs/sha256/&lt;hex&gt;"). Read in place, never unpacked.
 *
 * <p>Layers named by digest are checked against it; layers named otherwise are checked, uncompressed, against the
 * config's diff ids. A docker archive carries no registry manifest, so the image's digest is its config digest (the
 * image ID docker shows) — unless the archive also holds an OCI index (Docker 25 and later) with a manifest for that
 * config, whose digest is then used.
 */
final class DockerArchiveReader implements BlobSource {
    private static final Pattern BLOB = Pattern.compile("blobs/(sha256|sha512)/([0-9a-f]+)");
    private static final Pattern HEX_JSON = Pattern.compile("(?:.*/)?([0-9a-f]{64})\\.json");

    private final LayoutStore store;
    private final String describe;

    DockerArchiveReader(LayoutStore store, String describe) {
        this.store = store;
        this.describe = describe;
    }

    ImageScan read(String reference, String image, ReadOptions options, LayerVisitor visitor) throws ImageReadException {
        if (!store.exists("manifest.json")) {
            throw new ImageReadException(describe + " is not a docker archive: it has no manifest.json"
                    + (store.exists("index.json") ? " (it has an index.json: use oci-archive:)" : ""));
        }
        JsonNode manifests = parseArray(readSmall("manifest.json"));
        JsonNode chosen = choose(manifests, image);
        String configName = chosen.path("Config").asText(null);
        if (configName == null) {
            throw new ImageReadException(describe + ": manifest.json names no Config");
        }
        byte[] configBytes = readSmall(configName);
        String configDigest = Digests.sha256(configBytes);
        Matcher named = HEX_JSON.matcher(configName);
        Matcher blobNamed = BLOB.matcher(configName);
        if ((named.matches() && !configDigest.equals("sha256:" + named.group(1)))
                || (blobNamed.matches() && !configDigest.equals(blobNamed.group(1) + ":" + blobNamed.group(2)))) {
            throw new ImageReadException(describe + ": config " + configName + ": digest mismatch, content is " + configDigest);
        }
        JsonNode config = ManifestResolver.parse(configBytes, describe + ": " + configName);
        List<String> diffIds = new ArrayList<>();
        config.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
        List<String> history = new ArrayList<>();
        for (JsonNode h : config.path("history")) {
            if (!h.path("empty_layer").asBoolean(false)) {
                history.add(h.path("created_by").asText(null));
            }
        }
        List<LayerReading.Spec> specs = new ArrayList<>();
        int i = 0;
        for (JsonNode l : chosen.path("Layers")) {
            String name = l.asText();
            if (!store.exists(name)) {
                throw new ImageReadException(describe + " lacks layer " + name + " that manifest.json names");
            }
            Matcher m = BLOB.matcher(name);
            String blobDigest = m.matches() ? m.group(1) + ":" + m.group(2) : null;
            String diffId = i < diffIds.size() && Digests.valid(diffIds.get(i)) ? diffIds.get(i) : null;
            if (blobDigest == null && diffId == null) {
                throw new ImageReadException(describe + ": layer " + name + " has neither a digest name nor a diff id in "
                        + "the config: it cannot be verified");
            }
            Descriptor d = new Descriptor("application/vnd.docker.image.rootfs.diff.tar", name, store.size(name), null,
                    null, null, java.util.Map.of());
            specs.add(new LayerReading.Spec(d, blobDigest, diffId, d.mediaType(), i < history.size() ? history.get(i) : null));
            i++;
        }
        String digest = ociManifestFor(configDigest);
        return LayerReading.read(reference, digest == null ? configDigest : digest, config.path("os").asText(null),
                config.path("architecture").asText(null), specs, this, options, visitor);
    }

    private JsonNode choose(JsonNode manifests, String image) throws ImageReadException {
        List<String> names = new ArrayList<>();
        for (JsonNode m : manifests) {
            m.path("RepoTags").forEach(t -> names.add(t.asText()));
        }
        String known = names.isEmpty() ? "it has no tagged images" : "its images: " + String.join(", ", names);
        if (manifests.isEmpty()) {
            throw new ImageReadException(describe + ": manifest.json lists no images");
        }
        if (image == null || image.isEmpty()) {
            if (manifests.size() == 1) {
                return manifests.get(0);
            }
            throw new ImageReadException(describe + " holds " + manifests.size() + " images; name one with "
                    + describe + ":NAME:TAG or :@INDEX; " + known);
        }
        if (image.startsWith("@")) {
            try {
                int n = Integer.parseInt(image.substring(1));
                if (n >= 0 && n < manifests.size()) {
                    return manifests.get(n);
                }
            } catch (NumberFormatException e) {
                // falls through to the error
            }
            throw new ImageReadException(describe + ": no image " + image + "; it holds " + manifests.size());
        }
        String wanted = withTag(image);
        for (JsonNode m : manifests) {
            for (JsonNode t : m.path("RepoTags")) {
                if (withTag(t.asText()).equals(wanted) || shortName(withTag(t.asText())).equals(shortName(wanted))) {
                    return m;
                }
            }
        }
        throw new ImageReadException(describe + " has no image '" + image + "'; " + known);
    }

    private static String withTag(String name) {
        int slash = name.lastIndexOf('/');
        return name.indexOf(':', slash + 1) < 0 && !name.contains("@") ? name + ":latest" : name;
    }

    /** docker.io/library/alpine:3 and alpine:3 are one name. */
    private static String shortName(String name) {
        String n = name.startsWith("docker.io/") ? name.substring("docker.io/".length()) : name;
        return n.startsWith("library/") ? n.substring("library/".length()) : n;
    }

    /** The digest of the manifest, in the archive's own OCI index (Docker 25+), for this config; else null. */
    private String ociManifestFor(String configDigest) {
        if (!store.exists("index.json")) {
            return null;
        }
        try {
            JsonNode index = ManifestResolver.parse(readSmall("index.json"), describe + ": index.json");
            for (JsonNode m : index.path("manifests")) {
                Descriptor d = Descriptor.of(m, describe + ": index.json");
                if (ManifestResolver.isIndex(d.mediaType())) {
                    continue;
                }
                String name = OciLayoutReader.blobName(d.digest());
                if (store.exists(name)) {
                    byte[] bytes = readSmall(name);
                    ManifestResolver.checkDigest(bytes, d.digest(), describe + ": manifest");
                    if (configDigest.equals(ManifestResolver.parse(bytes, name).path("config").path("digest").asText())) {
                        return d.digest();
                    }
                }
            }
        } catch (ImageReadException e) {
            // An index we cannot use is no reason to refuse the archive: the config digest stands.
        }
        return null;
    }

    private JsonNode parseArray(byte[] bytes) throws ImageReadException {
        try {
            JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bytes);
            if (n == null || !n.isArray()) {
                throw new ImageReadException(describe + ": manifest.json is not a JSON array");
            }
            return n;
        } catch (IOException e) {
            throw new ImageReadException(describe + ": manifest.json is not valid JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public Fetched manifest(Descriptor descriptor) throws ImageReadException {
        throw new ImageReadException(describe + ": a docker archive has no manifests by digest");
    }

    /** Layers here are named by path: the descriptor's "digest" is the member name. */
    @Override
    public InputStream blob(Descriptor descriptor) throws IOException, ImageReadException {
        try {
            return store.open(descriptor.digest());
        } catch (NoSuchFileException e) {
            throw new ImageReadException(describe + " lacks " + descriptor.digest());
        }
    }

    @Override
    public String describe() {
        return describe;
    }

    private byte[] readSmall(String name) throws ImageReadException {
        try (InputStream in = store.open(name)) {
            byte[] bytes = in.readNBytes(ManifestResolver.MAX_MANIFEST_BYTES * 4 + 1);
            if (bytes.length > ManifestResolver.MAX_MANIFEST_BYTES * 4) {
                throw new ImageReadException(describe + ": " + name + " is too large");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new ImageReadException(describe + " lacks " + name);
        } catch (IOException e) {
            throw new ImageReadException(describe + ": cannot read " + name + ": " + e.getMessage(), e);
        }
    }
}
