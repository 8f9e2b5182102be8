package io.driftwatch.scanner.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code dir:ROOTFS}: an unpacked root filesystem (umoci's rootfs, a mounted container's root) as one pseudo-layer.
 * Symlinks are never followed; modes, owners, kinds and link counts come from the filesystem ("unix:" attributes).
 * Of several hard links to one inode, the first path in sorted order is the FILE and the others are HARDLINKs to it.
 * Sockets are rejected (an image cannot ship one).
 *
 * <p>The digest — of the scan and of its one layer — is SHA-256 over a canonical listing of the tree, one line per
 * path in sorted order: {@code path NUL kind NUL mode(octal) NUL uid NUL gid NUL size NUL sha256-or-link-target LF}.
 * So two trees with the same names, kinds, modes, owners and contents have the same digest, wherever they are.
 *
 * <p>The tree is read twice: once to digest every file (progress is reported then, for a layer whose digest is still
 * null), once to hand the visitor its entries, with the final layer, re-reading files small enough to pass as content.
 */
final class RootfsReader {
    static final String MEDIA_TYPE = "application/vnd.driftwatch.rootfs";
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;

    private RootfsReader() {
    }

    static ImageScan read(String reference, Path root, ReadOptions options, LayerVisitor visitor) throws ImageReadException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageReadException("dir:" + root + " is not a directory" + (Files.exists(root) ? "" : " (no such path)"));
        }
        ScanProgress progress = options.progress() == null ? ScanProgress.NONE : options.progress();
        List<Path> paths = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    paths.add(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    paths.add(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new ImageReadException("dir:" + root + ": cannot list " + e.getMessage(), e);
        }
        TreeMap<String, Path> byName = new TreeMap<>();
        for (Path p : paths) {
            String rel = root.relativize(p).toString();
            byName.put(rel.isEmpty() ? "/" : "/" + rel, p);
        }
        Layer provisional = new Layer(0, null, MEDIA_TYPE, -1, null);
        progress.layerStarted(provisional, 1, -1);
        TreeMap<String, ImageEntry> files = new TreeMap<>();
        Map<String, String> firstLink = new HashMap<>(); // "dev:ino" → first path
        List<String> sockets = new ArrayList<>();
        MessageDigest sha = Digests.sha256();
        byte[] buf = new byte[1024 * 1024];
        long bytes = 0;
        long nextReport = LayerReading.PROGRESS_STEP;
        for (Map.Entry<String, Path> e : byName.entrySet()) {
            String path = e.getKey();
            Path p = e.getValue();
            try {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,ino,dev,nlink,size", LinkOption.NOFOLLOW_LINKS);
                int rawMode = (Integer) a.get("mode");
                int mode = rawMode & 07777;
                long uid = ((Number) a.get("uid")).longValue();
                long gid = ((Number) a.get("gid")).longValue();
                ImageEntry entry;
                switch (rawMode & S_IFMT) {
                    case S_IFDIR -> entry = new ImageEntry(path, EntryKind.DIR, mode, uid, gid, 0, null, null, 0);
                    case S_IFLNK -> entry = new ImageEntry(path, EntryKind.SYMLINK, mode, uid, gid, 0, null,
                            Files.readSymbolicLink(p).toString(), 0);
                    case S_IFCHR -> entry = new ImageEntry(path, EntryKind.CHAR_DEVICE, mode, uid, gid, 0, null, null, 0);
                    case S_IFBLK -> entry = new ImageEntry(path, EntryKind.BLOCK_DEVICE, mode, uid, gid, 0, null, null, 0);
                    case S_IFIFO -> entry = new ImageEntry(path, EntryKind.FIFO, mode, uid, gid, 0, null, null, 0);
                    case S_IFREG -> {
                        String inode = a.get("dev") + ":" + a.get("ino");
                        String first = ((Number) a.get("nlink")).intValue() > 1 ? firstLink.putIfAbsent(inode, path) : null;
                        if (first != null && files.containsKey(first)) {
                            ImageEntry t = files.get(first);
                            entry = new ImageEntry(path, EntryKind.HARDLINK, t.mode(), t.uid(), t.gid(), 0, t.sha256(), first, 0);
                        } else {
                            sha.reset();
                            long size = 0;
                            try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                                int n;
                                while ((n = in.read(buf)) > 0) {
                                    sha.update(buf, 0, n);
                                    size += n;
                                    bytes += n;
                                    if (bytes >= nextReport) {
                                        nextReport = bytes + LayerReading.PROGRESS_STEP;
                                        progress.advanced(provisional, bytes, files.size());
                                    }
                                }
                            }
                            entry = new ImageEntry(path, EntryKind.FILE, mode, uid, gid, size, Digests.hex(sha.digest()), null, 0);
                        }
                    }
                    default -> {
                        sockets.add(path);
                        continue;
                    }
                }
                files.put(path, entry);
            } catch (IOException ex) {
                throw new ImageReadException("dir:" + root + ": cannot read " + path + ": " + ex.getMessage(), ex);
            }
        }
        String digest = treeDigest(files);
        Layer layer = new Layer(0, digest, MEDIA_TYPE, bytes, null);
        for (String s : sockets) {
            visitor.rejected(layer, s, "a socket");
        }
        for (ImageEntry entry : files.values()) {
            byte[] content = null;
            if (entry.kind() == EntryKind.FILE && entry.size() <= options.contentLimitBytes()) {
                try {
                    content = Files.readAllBytes(byName.get(entry.path()));
                } catch (IOException ex) {
                    throw new ImageReadException("dir:" + root + ": cannot read " + entry.path() + ": " + ex.getMessage(), ex);
                }
                if (content.length != entry.size() || !Digests.hex(Digests.sha256().digest(content)).equals(entry.sha256())) {
                    throw new ImageReadException("dir:" + root + ": " + entry.path() + " changed while it was read");
                }
            }
            visitor.entry(layer, entry, content);
        }
        progress.layerDone(layer, files.size());
        return new ImageScan(reference, digest, null, null, List.of(layer), Collections.unmodifiableSortedMap(files), bytes);
    }

    /** SHA-256 over the canonical listing described in the class comment. */
    static String treeDigest(TreeMap<String, ImageEntry> files) {
        MessageDigest md = Digests.sha256();
        StringBuilder line = new StringBuilder();
        for (ImageEntry e : files.values()) {
            line.setLength(0);
            line.append(e.path()).append('\0').append(e.kind()).append('\0').append(Integer.toOctalString(e.mode()))
                    .append('\0').append(e.uid()).append('\0').append(e.gid()).append('\0').append(e.size()).append('\0')
                    .append(e.sha256() != null ? e.sha256() : e.linkTarget() != null ? e.linkTarget() : "").append('\n');
            md.update(line.toString().getBytes(StandardCharsets.UTF_8));
        }
        return "sha256:" + Digests.hex(md.digest());
    }
}
