package io.driftwatch.scanner.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/** The files of an image layout or archive, by relative name ("index.json", "blobs/sha256/ab…"). */
interface LayoutStore extends Closeable {

    /** Opens a file; {@link NoSuchFileException} when it is not there. */
    InputStream open(String name) throws IOException;

    boolean exists(String name);

    /** A file's size, or -1 if unknown. */
    default long size(String name) {
        return -1;
    }

    @Override
    default void close() throws IOException {
    }

    /** A directory on disk. Names may not climb out of it. */
    static LayoutStore directory(Path root) {
        return new LayoutStore() {
            @Override
            public InputStream open(String name) throws IOException {
                return Files.newInputStream(resolve(name), LinkOption.NOFOLLOW_LINKS);
            }

            @Override
            public boolean exists(String name) {
                try {
                    return Files.isRegularFile(resolve(name));
                } catch (NoSuchFileException e) {
                    return false;
                }
            }

            private Path resolve(String name) throws NoSuchFileException {
                String n = LayerApplier.normalize(name);
                if (n == null || n.equals("/")) {
                    throw new NoSuchFileException(name);
                }
                return root.resolve(n.substring(1));
            }
        };
    }

    /**
     * An uncompressed tar read in place: its headers are indexed once, then any member is read by seeking, so the
     * archive is never unpacked.
     */
    static LayoutStore tar(Path archive) throws IOException {
        TarFile tar = new TarFile(archive);
        Map<String, TarArchiveEntry> byName = new HashMap<>();
        Map<String, String> symlinks = new HashMap<>();
        for (TarArchiveEntry e : tar.getEntries()) {
            String n = LayerApplier.normalize(e.getName());
            if (n != null && e.isFile()) {
                byName.put(n.substring(1), e);
            } else if (n != null && e.isSymbolicLink()) {
                // skopeo's docker-archive links the legacy "<id>/layer.tar" to "../<diff id>.tar"
                String target = e.getLinkName().startsWith("/") ? e.getLinkName()
                        : LayerApplier.parent(n) + "/" + e.getLinkName();
                symlinks.put(n.substring(1), LayerApplier.normalize(target));
            }
        }
        symlinks.forEach((link, target) -> {
            if (target != null && byName.containsKey(target.substring(1))) {
                byName.putIfAbsent(link, byName.get(target.substring(1)));
            }
        });
        return new LayoutStore() {
            @Override
            public InputStream open(String name) throws IOException {
                TarArchiveEntry e = byName.get(key(name));
                if (e == null) {
                    throw new NoSuchFileException(archive + "!" + name);
                }
                return tar.getInputStream(e);
            }

            @Override
            public boolean exists(String name) {
                return byName.containsKey(key(name));
            }

            @Override
            public long size(String name) {
                TarArchiveEntry e = byName.get(key(name));
                return e == null ? -1 : e.getSize();
            }

            private String key(String name) {
                String n = LayerApplier.normalize(name);
                return n == null ? "" : n.substring(1);
            }

            @Override
            public void close() throws IOException {
                tar.close();
            }
        };
    }
}
