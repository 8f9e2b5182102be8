package io.driftwatch.scanner.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Applies layer tars, bottom first, to an in-memory filesystem (path → entry), the way overlayfs and umoci do:
 *
 * <ul>
 *   <li>Names are normalised to absolute paths ("./usr/bin" → "/usr/bin"); ".." is resolved lexically and a name that
 *       would climb above the root is rejected (told to {@link LayerVisitor#rejected}), never applied.
 *   <li>".wh.NAME" deletes NAME and everything below it <em>from the layers beneath</em>; ".wh..wh..opq" hides what the
 *       layers beneath hold in its directory. Entries of the same layer are never deleted by its own whiteouts,
 *       whatever the tar order. Other ".wh..wh.*" names (aufs bookkeeping) are ignored.
 *   <li>A non-directory replacing a directory of a lower layer takes that directory's contents with it; a directory
 *       over a directory merges.
 *   <li>Parent directories a layer leaves out are created (0755, root), as tar extractors do.
 *   <li>A hard link takes its target's content digest, mode and owner (it is the same inode).
 * </ul>
 *
 * Symlinks in parent paths are not followed: "/lib" a symlink in one layer and "/lib/x" in the next gives both
 * paths, as written. Regular files are digested while they stream; only files no larger than the content limit are
 * held in memory, to hand to the visitor.
 */
final class LayerApplier {
    private static final int BUFFER = 1024 * 1024;
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    private final TreeMap<String, ImageEntry> files = new TreeMap<>();
    private final long contentLimit;
    private final LayerVisitor visitor;
    private final MessageDigest sha256 = Digests.sha256();
    private final byte[] buffer = new byte[BUFFER];
    private long layerEntries;

    LayerApplier(long contentLimit, LayerVisitor visitor) {
        this.contentLimit = Math.max(0, Math.min(contentLimit, Integer.MAX_VALUE - 16));
        this.visitor = visitor;
    }

    /** The filesystem so far. */
    NavigableMap<String, ImageEntry> files() {
        return files;
    }

    /** Entries seen in the layer being applied (for progress). */
    long layerEntries() {
        return layerEntries;
    }

    /** Reads one uncompressed layer tar to its end and applies it. */
    void apply(Layer layer, InputStream tarStream) throws IOException {
        layerEntries = 0;
        files.computeIfAbsent("/", p -> new ImageEntry("/", EntryKind.DIR, 0755, 0, 0, 0, null, null, layer.index()));
        TarArchiveInputStream tar = new TarArchiveInputStream(tarStream, StandardCharsets.UTF_8.name());
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            layerEntries++;
            applyEntry(layer, tar, e);
        }
    }

    private void applyEntry(Layer layer, TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
        String name = e.getName();
        String path = normalize(name);
        if (path == null) {
            visitor.rejected(layer, name, "the name climbs above the image's root");
            return;
        }
        String base = path.substring(path.lastIndexOf('/') + 1);
        if (base.startsWith(WHITEOUT)) {
            String parent = parent(path);
            if (base.equals(OPAQUE)) {
                visitor.whiteout(layer, parent, true);
                removeLowerBelow(parent, layer.index());
            } else if (!base.startsWith(WHITEOUT + WHITEOUT)) {
                String deleted = (parent.equals("/") ? "/" : parent + "/") + base.substring(WHITEOUT.length());
                visitor.whiteout(layer, deleted, false);
                ImageEntry lower = files.get(deleted);
                if (lower != null && lower.layer() < layer.index()) {
                    files.remove(deleted);
                }
                removeLowerBelow(deleted, layer.index());
            }
            return;
        }
        int mode = e.getMode() & 07777;
        ImageEntry entry;
        byte[] content = null;
        if (e.isSymbolicLink()) {
            entry = new ImageEntry(path, EntryKind.SYMLINK, mode, e.getLongUserId(), e.getLongGroupId(), 0, null,
                    e.getLinkName(), layer.index());
        } else if (e.isLink()) {
            String target = normalize(e.getLinkName());
            if (target == null) {
                visitor.rejected(layer, name, "a hard link to " + e.getLinkName() + ", above the image's root");
                return;
            }
            ImageEntry t = files.get(target);
            entry = t != null && t.isRegular()
                    ? new ImageEntry(path, EntryKind.HARDLINK, t.mode(), t.uid(), t.gid(), 0, t.sha256(), target, layer.index())
                    : new ImageEntry(path, EntryKind.HARDLINK, mode, e.getLongUserId(), e.getLongGroupId(), 0, null, target,
                            layer.index());
        } else if (e.isDirectory()) {
            entry = new ImageEntry(path, EntryKind.DIR, mode, e.getLongUserId(), e.getLongGroupId(), 0, null, null,
                    layer.index());
        } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            EntryKind kind = e.isCharacterDevice() ? EntryKind.CHAR_DEVICE
                    : e.isBlockDevice() ? EntryKind.BLOCK_DEVICE : EntryKind.FIFO;
            entry = new ImageEntry(path, kind, mode, e.getLongUserId(), e.getLongGroupId(), 0, null, null, layer.index());
        } else if (e.isFile()) {
            long size = e.getRealSize();
            sha256.reset();
            if (size <= contentLimit) {
                content = new byte[(int) size];
                readFully(tar, content, name);
                sha256.update(content);
            } else {
                long left = size;
                while (left > 0) {
                    int n = tar.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        throw new EOFException("layer ends inside " + name);
                    }
                    sha256.update(buffer, 0, n);
                    left -= n;
                }
            }
            entry = new ImageEntry(path, EntryKind.FILE, mode, e.getLongUserId(), e.getLongGroupId(), size,
                    Digests.hex(sha256.digest()), null, layer.index());
        } else {
            visitor.rejected(layer, name, "tar entry type '" + (char) typeFlag(e) + "' is not a file, link, directory or device");
            return;
        }
        if (path.equals("/") && entry.kind() != EntryKind.DIR) {
            visitor.rejected(layer, name, "the root is not a directory");
            return;
        }
        visitor.entry(layer, entry, content);
        put(entry, layer.index());
    }

    private void put(ImageEntry entry, int layerIndex) {
        String path = entry.path();
        if (entry.kind() != EntryKind.DIR) {
            ImageEntry old = files.get(path);
            if (old != null && old.kind() == EntryKind.DIR) {
                removeLowerBelow(path, layerIndex);
            }
        }
        files.put(path, entry);
        String p = parent(path);
        while (!p.equals("/") && !files.containsKey(p)) {
            files.put(p, new ImageEntry(p, EntryKind.DIR, 0755, 0, 0, 0, null, null, layerIndex));
            p = parent(p);
        }
    }

    /** Removes, from layers below {@code layerIndex}, everything under directory {@code dir} (not dir itself). */
    private void removeLowerBelow(String dir, int layerIndex) {
        String prefix = dir.equals("/") ? "/" : dir + "/";
        String end = prefix.substring(0, prefix.length() - 1) + (char) ('/' + 1);
        Iterator<Map.Entry<String, ImageEntry>> it = files.subMap(prefix, true, end, false).entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, ImageEntry> e = it.next();
            if (e.getValue().layer() < layerIndex && !e.getKey().equals("/")) {
                it.remove();
            }
        }
    }

    private static int typeFlag(TarArchiveEntry e) {
        // commons-compress does not expose the raw flag; the best it says is through its predicates.
        return e.isGlobalPaxHeader() ? 'g' : e.isPaxHeader() ? 'x' : e.isSparse() ? 'S' : '?';
    }

    private static void readFully(InputStream in, byte[] into, String name) throws IOException {
        int off = 0;
        while (off < into.length) {
            int n = in.read(into, off, into.length - off);
            if (n < 0) {
                throw new EOFException("layer ends inside " + name);
            }
            off += n;
        }
    }

    /**
     * "./usr//bin/" → "/usr/bin"; "a/../b" → "/b"; "." and "/" → "/". Null when ".." would climb above the root
     * (or the name has a NUL).
     */
    static String normalize(String name) {
        if (name == null || name.indexOf('\0') >= 0) {
            return null;
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        return parts.isEmpty() ? "/" : "/" + String.join("/", parts);
    }

    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }
}
