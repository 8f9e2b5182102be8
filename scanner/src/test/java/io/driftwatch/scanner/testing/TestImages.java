package io.driftwatch.scanner.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds OCI images in a test, into an OCI image layout directory (index.json, oci-layout, blobs/sha256): layer tars
 * written with commons-compress (files, directories, symlinks, hard links, devices, setuid bits, whiteouts, opaque
 * whiteouts, raw names such as {@code ../../x}), each layer uncompressed, gzip or zstd. Nothing is downloaded.
 *
 * <pre>{@code
 * TestImages.Written img = TestImages.layout(dir).tag("1.0")
 *     .layer(l -> l.dir("/etc", 0755).file("/etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644)
 *                  .setuid("/usr/bin/su", bytes).symlink("/bin/sh", "busybox").hardlink("/bin/ls", "/bin/busybox"))
 *     .layer(Compression.ZSTD, l -> l.whiteout("/etc/passwd").opaque("/var/cache").owner(1000, 1000).file(...))
 *     .write();
 * reader.read(img.reference(), ...);            // "oci:<dir>:1.0"
 * }</pre>
 *
 * <p>Paths are absolute ("/etc/passwd"); they go into the tar as "etc/passwd" ("etc/" for directories), as docker
 * and buildkit write them. {@link LayerBuilder#raw} writes any name verbatim. Entries are written in call order;
 * nothing adds parent directories for you. Several images (tags) can share one layout: each {@code write()} adds
 * its entry to index.json. {@link #multiArch} writes an image index with one image per platform under one tag.
 *
 * <p>Layers are built in memory: keep them to a few MiB (the bench in cli writes its large images itself).
 */
public final class TestImages {

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String REF_NAME = "org.opencontainers.image.ref.name";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestImages() {
    }

    /** How a layer blob is compressed (and so its media type, unless {@link LayerBuilder#mediaType} overrides it). */
    public enum Compression {
        NONE("application/vnd.oci.image.layer.v1.tar"),
        GZIP("application/vnd.oci.image.layer.v1.tar+gzip"),
        ZSTD("application/vnd.oci.image.layer.v1.tar+zstd");

        public final String mediaType;

        Compression(String mediaType) {
            this.mediaType = mediaType;
        }
    }

    /** An image to write into the OCI layout at {@code dir} (created if missing; index.json kept if present). */
    public static ImageBuilder layout(Path dir) {
        return new ImageBuilder(dir);
    }

    /** A multi-platform image: an image index (a blob) naming one image per platform, tagged in index.json. */
    public static MultiArchBuilder multiArch(Path dir) {
        return new MultiArchBuilder(dir);
    }

    /** What {@code write()} wrote. */
    public record Written(Path dir, String tag, String digest, String mediaType, List<String> layerDigests,
            List<String> diffIds, String configDigest) {

        /** "oci:DIR:TAG" (or "oci:DIR" without a tag) for the reader. */
        public String reference() {
            return "oci:" + dir + (tag == null ? "" : ":" + tag);
        }

        /** The file holding a blob of this layout. */
        public Path blob(String digest) {
            return blobPath(dir, digest);
        }
    }

    public static Path blobPath(Path layout, String digest) {
        int colon = digest.indexOf(':');
        return layout.resolve("blobs").resolve(digest.substring(0, colon)).resolve(digest.substring(colon + 1));
    }

    /** One image: config, manifest and layers. */
    public static final class ImageBuilder {
        private final Path dir;
        private String tag;
        private String os = "linux";
        private String architecture = "amd64";
        private String variant;
        private final List<LayerBuilder> layers = new ArrayList<>();
        private final Map<String, String> manifestAnnotations = new LinkedHashMap<>();

        private ImageBuilder(Path dir) {
            this.dir = dir;
        }

        /** The tag (annotation org.opencontainers.image.ref.name in index.json); none by default. */
        public ImageBuilder tag(String tag) {
            this.tag = tag;
            return this;
        }

        /** Platform of the image config (linux/amd64 by default). */
        public ImageBuilder platform(String os, String architecture) {
            return platform(os, architecture, null);
        }

        public ImageBuilder platform(String os, String architecture, String variant) {
            this.os = os;
            this.architecture = architecture;
            this.variant = variant;
            return this;
        }

        /** Adds a gzip layer (the usual kind), bottom first. */
        public ImageBuilder layer(Consumer<LayerBuilder> content) {
            return layer(Compression.GZIP, content);
        }

        public ImageBuilder layer(Compression compression, Consumer<LayerBuilder> content) {
            LayerBuilder l = new LayerBuilder(compression);
            content.accept(l);
            layers.add(l);
            return this;
        }

        /** Writes the blobs and adds the manifest to index.json (under the tag, if any). */
        public Written write() {
            Written w = writeBlobs();
            addToIndex(dir, descriptor(w.mediaType(), w.digest(), size(dir, w.digest()), null, tag));
            return w;
        }

        /** Writes config, layers and manifest as blobs without touching index.json. */
        Written writeBlobs() {
            try {
                initLayout(dir);
                List<String> layerDigests = new ArrayList<>();
                List<String> diffIds = new ArrayList<>();
                ArrayNode layerDescriptors = JSON.createArrayNode();
                ArrayNode history = JSON.createArrayNode();
                for (LayerBuilder l : layers) {
                    byte[] tar = l.tar();
                    byte[] blob = l.compress(tar);
                    String digest = writeBlob(dir, blob);
                    layerDigests.add(digest);
                    diffIds.add(sha256(tar));
                    layerDescriptors.add(descriptor(l.mediaType, digest, blob.length, null, null));
                    ObjectNode h = history.addObject().put("created", "2026-01-01T00:00:00Z");
                    h.put("created_by", l.createdBy == null ? "test layer " + layerDigests.size() : l.createdBy);
                }
                ObjectNode config = JSON.createObjectNode();
                config.put("created", "2026-01-01T00:00:00Z").put("architecture", architecture).put("os", os);
                if (variant != null) {
                    config.put("variant", variant);
                }
                config.putObject("config").putArray("Cmd").add("/bin/sh");
                ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
                ArrayNode ids = rootfs.putArray("diff_ids");
                diffIds.forEach(ids::add);
                config.set("history", history);
                byte[] configBytes = JSON.writeValueAsBytes(config);
                String configDigest = writeBlob(dir, configBytes);

                ObjectNode manifest = JSON.createObjectNode();
                manifest.put("schemaVersion", 2).put("mediaType", OCI_MANIFEST);
                manifest.set("config", descriptor(OCI_CONFIG, configDigest, configBytes.length, null, null));
                manifest.set("layers", layerDescriptors);
                if (!manifestAnnotations.isEmpty()) {
                    ObjectNode a = manifest.putObject("annotations");
                    manifestAnnotations.forEach(a::put);
                }
                String digest = writeBlob(dir, JSON.writeValueAsBytes(manifest));
                return new Written(dir, tag, digest, OCI_MANIFEST, layerDigests, diffIds, configDigest);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        ObjectNode platformNode() {
            ObjectNode p = JSON.createObjectNode().put("architecture", architecture).put("os", os);
            if (variant != null) {
                p.put("variant", variant);
            }
            return p;
        }
    }

    /** An image index with one image per platform, under one tag. */
    public static final class MultiArchBuilder {
        private final Path dir;
        private String tag;
        private final List<ImageBuilder> images = new ArrayList<>();

        private MultiArchBuilder(Path dir) {
            this.dir = dir;
        }

        public MultiArchBuilder tag(String tag) {
            this.tag = tag;
            return this;
        }

        /** One platform's image: set its platform with {@link ImageBuilder#platform} and add layers. */
        public MultiArchBuilder image(Consumer<ImageBuilder> image) {
            ImageBuilder b = new ImageBuilder(dir);
            image.accept(b);
            images.add(b);
            return this;
        }

        /**
         * Writes every image and the index blob, and tags the index in index.json. Returns the index's digest; each
         * platform's image is in {@code platforms} (in the order given).
         */
        public MultiWritten write() {
            try {
                initLayout(dir);
                ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OCI_INDEX);
                ArrayNode manifests = index.putArray("manifests");
                List<Written> written = new ArrayList<>();
                for (ImageBuilder b : images) {
                    Written w = b.writeBlobs();
                    written.add(w);
                    manifests.add(descriptor(w.mediaType(), w.digest(), size(dir, w.digest()), b.platformNode(), null));
                }
                byte[] bytes = JSON.writeValueAsBytes(index);
                String digest = writeBlob(dir, bytes);
                addToIndex(dir, descriptor(OCI_INDEX, digest, bytes.length, null, tag));
                return new MultiWritten(new Written(dir, tag, digest, OCI_INDEX, List.of(), List.of(), null), written);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** What {@link MultiArchBuilder#write()} wrote: the index and each platform's image. */
    public record MultiWritten(Written index, List<Written> platforms) {
    }

    /** The entries of one layer, written in call order. Modes are permission bits plus 04000/02000/01000. */
    public static final class LayerBuilder {
        private final List<Object[]> entries = new ArrayList<>();
        private Compression compression;
        private String mediaType;
        private String createdBy;
        private long uid;
        private long gid;
        private String prefix = "";
        private int longFileMode = TarArchiveOutputStream.LONGFILE_POSIX;

        LayerBuilder(Compression compression) {
            this.compression = compression;
            this.mediaType = compression.mediaType;
        }

        /** Owner of the entries added after this call (root by default). */
        public LayerBuilder owner(long uid, long gid) {
            this.uid = uid;
            this.gid = gid;
            return this;
        }

        /** Prefix every following name with "./" (as GNU tar of a directory does), or not. */
        public LayerBuilder dotSlash(boolean on) {
            this.prefix = on ? "./" : "";
            return this;
        }

        /** Long names (over 100 bytes) as GNU tar writes them (././@LongLink) instead of PAX headers. */
        public LayerBuilder gnuLongNames() {
            this.longFileMode = TarArchiveOutputStream.LONGFILE_GNU;
            return this;
        }

        /** Overrides the media type recorded in the manifest (to lie about the compression, say). */
        public LayerBuilder mediaType(String mediaType) {
            this.mediaType = mediaType;
            return this;
        }

        /** The config history's created_by for this layer. */
        public LayerBuilder createdBy(String command) {
            this.createdBy = command;
            return this;
        }

        public LayerBuilder compression(Compression compression) {
            this.compression = compression;
            this.mediaType = compression.mediaType;
            return this;
        }

        public LayerBuilder dir(String path, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name(path) + "/", TarConstants.LF_DIR, true);
            return add(e, mode, null);
        }

        public LayerBuilder file(String path, byte[] content, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name(path), TarConstants.LF_NORMAL, true);
            e.setSize(content.length);
            return add(e, mode, content);
        }

        public LayerBuilder file(String path, String content, int mode) {
            return file(path, content.getBytes(StandardCharsets.UTF_8), mode);
        }

        /** A root-owned setuid executable (mode 04755). */
        public LayerBuilder setuid(String path, byte[] content) {
            long u = uid;
            long g = gid;
            owner(0, 0).file(path, content, 04755);
            return owner(u, g);
        }

        public LayerBuilder symlink(String path, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name(path), TarConstants.LF_SYMLINK, true);
            e.setLinkName(target);
            return add(e, 0777, null);
        }

        /** A hard link at {@code path} to the file at absolute {@code target} (written as a relative tar name). */
        public LayerBuilder hardlink(String path, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name(path), TarConstants.LF_LINK, true);
            e.setLinkName(name(target));
            return add(e, 0644, null);
        }

        public LayerBuilder charDevice(String path, int major, int minor, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name(path), TarConstants.LF_CHR, true);
            e.setDevMajor(major);
            e.setDevMinor(minor);
            return add(e, mode, null);
        }

        public LayerBuilder fifo(String path, int mode) {
            return add(new TarArchiveEntry(name(path), TarConstants.LF_FIFO, true), mode, null);
        }

        /** Deletes {@code path} (and everything below it) of the layers beneath: an empty ".wh.NAME" file. */
        public LayerBuilder whiteout(String path) {
            int slash = path.lastIndexOf('/');
            String wh = path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
            return file(wh, new byte[0], 0);
        }

        /** Hides what the layers beneath hold in directory {@code dir}: a ".wh..wh..opq" file in it. */
        public LayerBuilder opaque(String dir) {
            return file((dir.endsWith("/") ? dir : dir + "/") + ".wh..wh..opq", new byte[0], 0);
        }

        /**
         * Any entry, name verbatim (no "/" stripped): "../../etc/evil", "./usr/bin/x". {@code content} null for
         * non-files.
         */
        public LayerBuilder raw(String name, byte type, int mode, byte[] content, String linkName) {
            TarArchiveEntry e = new TarArchiveEntry(name, type, true);
            if (content != null) {
                e.setSize(content.length);
            }
            if (linkName != null) {
                e.setLinkName(linkName);
            }
            return add(e, mode, content);
        }

        private String name(String path) {
            String p = path;
            while (p.startsWith("/")) {
                p = p.substring(1);
            }
            return prefix + p;
        }

        private LayerBuilder add(TarArchiveEntry e, int mode, byte[] content) {
            e.setMode(mode);
            e.setUserId(uid);
            e.setGroupId(gid);
            e.setModTime(1_767_225_600_000L);
            entries.add(new Object[] {e, content});
            return this;
        }

        byte[] tar() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
                tar.setLongFileMode(longFileMode);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (Object[] entry : entries) {
                    tar.putArchiveEntry((TarArchiveEntry) entry[0]);
                    if (entry[1] != null) {
                        tar.write((byte[]) entry[1]);
                    }
                    tar.closeArchiveEntry();
                }
            }
            return bytes.toByteArray();
        }

        byte[] compress(byte[] tar) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            switch (compression) {
                case NONE -> {
                    return tar;
                }
                case GZIP -> {
                    try (OutputStream out = new GZIPOutputStream(bytes)) {
                        out.write(tar);
                    }
                }
                case ZSTD -> {
                    try (OutputStream out = new ZstdOutputStream(bytes)) {
                        out.write(tar);
                    }
                }
                default -> throw new IllegalStateException(compression.name());
            }
            return bytes.toByteArray();
        }
    }

    /** Tars a layout directory into an oci-archive file (gzip-compressed when {@code gzip}), as skopeo would. */
    public static Path ociArchive(Path layout, Path file, boolean gzip) {
        try (OutputStream raw = Files.newOutputStream(file);
                OutputStream out = gzip ? new GZIPOutputStream(raw) : raw;
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            List<Path> paths;
            try (var walk = Files.walk(layout)) {
                paths = walk.sorted().toList();
            }
            for (Path p : paths) {
                String name = layout.relativize(p).toString();
                if (name.isEmpty()) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    tar.putArchiveEntry(new TarArchiveEntry(name + "/"));
                } else {
                    TarArchiveEntry e = new TarArchiveEntry(name);
                    e.setSize(Files.size(p));
                    tar.putArchiveEntry(e);
                    Files.copy(p, tar);
                }
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * Writes {@code image} as a legacy {@code docker save} archive: "&lt;config hex&gt;.json", one uncompressed
     * "&lt;diff id hex&gt;/layer.tar" per layer, manifest.json with RepoTags [{@code repoTag}].
     */
    public static Path dockerArchive(Written image, Path file, String repoTag) {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            String configName = image.configDigest().substring("sha256:".length()) + ".json";
            putFile(tar, configName, Files.readAllBytes(image.blob(image.configDigest())));
            ArrayNode layers = JSON.createArrayNode();
            for (int i = 0; i < image.layerDigests().size(); i++) {
                byte[] blob = Files.readAllBytes(image.blob(image.layerDigests().get(i)));
                String name = image.diffIds().get(i).substring("sha256:".length()) + "/layer.tar";
                putFile(tar, name, uncompress(blob));
                layers.add(name);
            }
            ArrayNode manifest = JSON.createArrayNode();
            ObjectNode m = manifest.addObject().put("Config", configName);
            m.putArray("RepoTags").add(repoTag);
            m.set("Layers", layers);
            putFile(tar, "manifest.json", JSON.writeValueAsBytes(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static void putFile(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static byte[] uncompress(byte[] blob) throws IOException {
        if (blob.length > 2 && (blob[0] & 0xff) == 0x1f && (blob[1] & 0xff) == 0x8b) {
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(blob))) {
                return in.readAllBytes();
            }
        }
        if (blob.length > 4 && (blob[0] & 0xff) == 0x28 && (blob[1] & 0xff) == 0xb5) {
            try (var in = new com.github.luben.zstd.ZstdInputStream(new java.io.ByteArrayInputStream(blob))) {
                return in.readAllBytes();
            }
        }
        return blob;
    }

    // ---- layout files

    static void initLayout(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Path layout = dir.resolve("oci-layout");
        if (!Files.exists(layout)) {
            Files.writeString(layout, "{\"imageLayoutVersion\":\"1.0.0\"}");
        }
    }

    /** Writes a blob into the layout and returns its digest. */
    public static String writeBlob(Path dir, byte[] content) throws IOException {
        String digest = sha256(content);
        Path p = blobPath(dir, digest);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        return digest;
    }

    static long size(Path dir, String digest) {
        try {
            return Files.size(blobPath(dir, digest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode descriptor(String mediaType, String digest, long size, ObjectNode platform, String refName) {
        ObjectNode d = JSON.createObjectNode().put("mediaType", mediaType).put("digest", digest).put("size", size);
        if (platform != null) {
            d.set("platform", platform);
        }
        if (refName != null) {
            d.putObject("annotations").put(REF_NAME, refName);
        }
        return d;
    }

    /** Adds (or, for the same tag, replaces) a manifest descriptor in the layout's index.json. */
    public static void addToIndex(Path dir, ObjectNode descriptor) {
        try {
            Path indexFile = dir.resolve("index.json");
            ObjectNode index = Files.exists(indexFile) ? (ObjectNode) JSON.readTree(indexFile.toFile())
                    : JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OCI_INDEX);
            ArrayNode manifests = index.has("manifests") ? (ArrayNode) index.get("manifests") : index.putArray("manifests");
            String tag = descriptor.path("annotations").path(REF_NAME).asText(null);
            if (tag != null) {
                for (int i = manifests.size() - 1; i >= 0; i--) {
                    if (tag.equals(manifests.get(i).path("annotations").path(REF_NAME).asText(null))) {
                        manifests.remove(i);
                    }
                }
            }
            manifests.add(descriptor);
            Files.write(indexFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lower-case hex SHA-256 of {@code content}, as ImageEntry.sha256 holds it. */
    public static String hex(byte[] content) {
        return sha256(content).substring("sha256:".length());
    }
}
