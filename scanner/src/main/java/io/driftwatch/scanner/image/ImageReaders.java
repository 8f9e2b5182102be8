package io.driftwatch.scanner.image;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The image readers Driftwatch ships. {@link #standard()} reads every transport:
 *
 * <ul>
 *   <li>{@code oci:DIR[:TAG]} — an OCI image layout directory;
 *   <li>{@code oci-archive:FILE[:TAG]} — a tar of one (read in place; a gzip or zstd one is unpacked to a temporary
 *       file first, deleted afterwards);
 *   <li>{@code docker-archive:FILE[:NAME:TAG|:@INDEX]} — {@code docker save} or skopeo's docker-archive;
 *   <li>{@code dir:ROOTFS} — an unpacked root filesystem, as one pseudo-layer;
 *   <li>{@code docker://[REGISTRY/]NAME[:TAG|@DIGEST]} — a registry, over the OCI distribution API.
 * </ul>
 *
 * From an image index the image for linux and this machine's architecture is read (linux/amd64 if the index has
 * none for it), unless {@link #forPlatform} names one.
 */
public final class ImageReaders {
    /** The transports, as they prefix a reference. */
    public static final List<String> TRANSPORTS = List.of("oci:", "oci-archive:", "docker-archive:", "dir:", "docker://");

    private ImageReaders() {
    }

    /** Every transport; index entries for linux on this machine's architecture, else linux/amd64. */
    public static ImageReader standard() {
        return new Standard(Platforms.host(), true);
    }

    /**
     * Every transport; index entries for exactly {@code platform}: "os/arch" or "os/arch/variant" ("linux/arm64/v8").
     */
    public static ImageReader forPlatform(String platform) {
        if (platform == null || !platform.matches("[a-z0-9_]+/[a-z0-9_]+(/[a-z0-9_]+)?")) {
            throw new IllegalArgumentException("platform must be os/arch[/variant], e.g. linux/arm64: " + platform);
        }
        return new Standard(platform, false);
    }

    private record Standard(String platform, boolean fallbackToAmd64) implements ImageReader {

        @Override
        public ImageScan read(String reference, ReadOptions options, LayerVisitor visitor) throws ImageReadException {
            if (reference == null || reference.isBlank()) {
                throw new ImageReadException("no image given");
            }
            ReadOptions opts = options == null ? ReadOptions.defaults() : options;
            LayerVisitor v = visitor == null ? new LayerVisitor() { } : visitor;
            if (reference.startsWith("docker://")) {
                RegistryReference ref = RegistryReference.parse(reference.substring("docker://".length()));
                return new RegistryReader(ref, opts).read(reference, platform, fallbackToAmd64, opts, v);
            }
            if (reference.startsWith("oci:")) {
                String[] pathAndTag = split(reference.substring("oci:".length()));
                Path dir = Path.of(pathAndTag[0]);
                if (!Files.isDirectory(dir)) {
                    throw new ImageReadException("oci:" + dir + ": no such directory" + (Files.exists(dir)
                            ? " (it is a file: use oci-archive: or docker-archive:)" : ""));
                }
                return new OciLayoutReader(LayoutStore.directory(dir), "oci:" + dir)
                        .read(reference, pathAndTag[1], platform, fallbackToAmd64, opts, v);
            }
            if (reference.startsWith("oci-archive:")) {
                String[] pathAndTag = split(reference.substring("oci-archive:".length()));
                Path file = existingFile("oci-archive:", pathAndTag[0]);
                Path temp = null;
                try {
                    temp = uncompressedCopy(file);
                    try (LayoutStore store = LayoutStore.tar(temp != null ? temp : file)) {
                        return new OciLayoutReader(store, "oci-archive:" + file)
                                .read(reference, pathAndTag[1], platform, fallbackToAmd64, opts, v);
                    }
                } catch (IOException e) {
                    throw new ImageReadException("oci-archive:" + file + ": not a readable tar: " + e.getMessage(), e);
                } finally {
                    deleteQuietly(temp);
                }
            }
            if (reference.startsWith("docker-archive:")) {
                String[] pathAndName = split(reference.substring("docker-archive:".length()));
                Path file = existingFile("docker-archive:", pathAndName[0]);
                Path temp = null;
                try {
                    temp = uncompressedCopy(file);
                    try (LayoutStore store = LayoutStore.tar(temp != null ? temp : file)) {
                        return new DockerArchiveReader(store, "docker-archive:" + file).read(reference, pathAndName[1], opts, v);
                    }
                } catch (IOException e) {
                    throw new ImageReadException("docker-archive:" + file + ": not a readable tar: " + e.getMessage(), e);
                } finally {
                    deleteQuietly(temp);
                }
            }
            if (reference.startsWith("dir:")) {
                return RootfsReader.read(reference, Path.of(reference.substring("dir:".length())), opts, v);
            }
            throw new ImageReadException("unknown image transport in '" + reference + "': name the image as one of "
                    + "oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME:TAG], dir:ROOTFS, "
                    + "docker://[REGISTRY/]NAME[:TAG|@DIGEST]");
        }
    }

    /** "PATH[:REST]" split at the first ':' (as skopeo does: a path with ':' in it cannot be named). */
    private static String[] split(String s) {
        int colon = s.indexOf(':');
        return colon < 0 ? new String[] {s, null} : new String[] {s.substring(0, colon), s.substring(colon + 1)};
    }

    private static Path existingFile(String transport, String name) throws ImageReadException {
        Path file = Path.of(name);
        if (!Files.isRegularFile(file)) {
            throw new ImageReadException(transport + file + ": " + (Files.isDirectory(file)
                    ? "is a directory (use oci: for a layout directory or dir: for a root filesystem)" : "no such file"));
        }
        return file;
    }

    /** A gzip- or zstd-compressed archive unpacked to a temporary tar (the caller deletes it); null for a plain tar. */
    private static Path uncompressedCopy(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS), 64 * 1024)) {
            in.mark(8);
            byte[] head = in.readNBytes(4);
            in.reset();
            boolean gzip = head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
            boolean zstd = head.length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5
                    && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd;
            if (!gzip && !zstd) {
                return null;
            }
            Path temp = Files.createTempFile("driftwatch-archive-", ".tar");
            try (InputStream un = gzip ? new GZIPInputStream(in, 64 * 1024) : new ZstdInputStreamNoFinalizer(in)) {
                Files.copy(un, temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                deleteQuietly(temp);
                throw e;
            }
            return temp;
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                p.toFile().deleteOnExit();
            }
        }
    }
}
