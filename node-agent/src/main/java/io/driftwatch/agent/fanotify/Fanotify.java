package io.driftwatch.agent.fanotify;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.driftwatch.schemas.text.FieldText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A fanotify notification group in file-handle mode (FAN_REPORT_DFID_NAME, kernel 5.9+; FAN_RENAME
 * needs 5.17+), with filesystem marks: one mark sees every write to that filesystem whichever mount
 * namespace it came through, which is what containers need (a mount mark on the host does not see
 * writes made through the container's own mounts). Needs CAP_SYS_ADMIN.
 *
 * <p>One reader thread calls {@link #poll}; everything else is synchronized, as the sensor's handler thread
 * and {@code watch} use the directory cache and the marks while the reader reads.
 */
final class Fanotify implements AutoCloseable {
    private static final int BUFFER = 256 * 1024;
    private static final int DIR_CACHE = 65_536;

    private final int fd;
    private final long mask;
    private final Memory buffer = new Memory(BUFFER);
    private final Memory pollFd = new Memory(8);
    private final Memory handle = new Memory(8 + 128);
    private final Memory link = new Memory(4096);
    /** fsid -> a descriptor of the marked directory, for open_by_handle_at. */
    private final Map<Long, Integer> mountFds = new HashMap<>();
    private final Map<Long, Path> markedPaths = new HashMap<>();
    /** fsid -> the events its mark asks for (the group's mask, or less for a filesystem only host FIM watches). */
    private final Map<Long, Long> markedMasks = new HashMap<>();
    /**
     * fsid -> what to put before a path read back from a handle. A mount only a container's namespace has (its
     * /dev/shm) is reached as {@code /proc/PID/root/dev/shm}, but a path read back from a descriptor on it is the
     * path inside the container ({@code /dev/shm/x}): with the prefix it becomes a host path again, the same
     * kind of path the rest of the sensor uses.
     */
    private final Map<Long, String> viewPrefixes = new HashMap<>();
    /**
     * directory handle -> host path (byte-exact text, as event paths are: {@link ProcFiles}). Filled from the baseline (every directory of a container root, by
     * name_to_handle_at), from directory-creation events, and by open_by_handle_at; kept right across
     * directory renames and removals. It is what resolves events in a directory that was removed before
     * they were read (open_by_handle_at then fails with ESTALE).
     */
    private final Map<ByteBuffer, String> dirPaths = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, String> eldest) {
            return size() > DIR_CACHE;
        }
    };

    /** Handles of objects found to be overlayfs whiteouts. */
    private final Set<ByteBuffer> whiteouts = new HashSet<>();

    /**
     * @param mask       the FAN_* events to ask for
     * @param unlimited  FAN_UNLIMITED_QUEUE: the kernel queues without bound instead of dropping
     *                   (and sending FAN_Q_OVERFLOW) past 16384 unread events
     */
    Fanotify(long mask, boolean unlimited) throws IOException {
        // TARGET_FID (5.17+): create/delete/rename also carry the handle of the entry itself, so a new
        // directory is known by its handle before anything inside it is reported.
        int flags = LibC.FAN_CLOEXEC | LibC.FAN_NONBLOCK | LibC.FAN_CLASS_NOTIF | LibC.FAN_REPORT_FID
                | LibC.FAN_REPORT_DFID_NAME | LibC.FAN_REPORT_TARGET_FID | (unlimited ? LibC.FAN_UNLIMITED_QUEUE : 0);
        try {
            this.fd = LibC.fanotify_init(flags, LibC.O_RDONLY | LibC.O_CLOEXEC | LibC.O_LARGEFILE);
        } catch (LastErrorException e) {
            throw new IOException(switch (e.getErrorCode()) {
                case 1 -> "fanotify_init: operation not permitted: the agent needs CAP_SYS_ADMIN (run it as root)";
                case 22 -> "fanotify_init: invalid argument: this kernel lacks FAN_REPORT_DFID_NAME (Linux 5.9+ needed)";
                case 38 -> "fanotify_init: this kernel has no fanotify (CONFIG_FANOTIFY)";
                default -> "fanotify_init failed: errno " + e.getErrorCode();
            }, e);
        }
        this.mask = mask;
    }

    /** Marks the filesystem that holds {@code path}, once per filesystem; returns its fsid. */
    long watch(Path path) throws IOException {
        return watch(path, null);
    }

    /**
     * Marks the filesystem that holds {@code path}, once per filesystem; returns its fsid. {@code viewPrefix}:
     * for a mount reached through {@code /proc/PID/root}, that prefix (see {@link #viewPrefixes}); else null.
     */
    synchronized long watch(Path path, String viewPrefix) throws IOException {
        return watch(path, viewPrefix, mask);
    }

    /**
     * As {@link #watch(Path, String)}, asking for the events of {@code events} only (a subset of the group's mask). A
     * filesystem marked already gets the events it lacked added to its mark (FAN_MARK_ADD ors them in): host FIM marks
     * the node's filesystems for changes only, and a container found later on one of them widens its mark to reads and
     * executions. A mark is never narrowed again while the group watches the filesystem.
     */
    synchronized long watch(Path path, String viewPrefix, long events) throws IOException {
        String p = path.toString();
        long fsid = fsid(p);
        long want = events & mask;
        if (mountFds.containsKey(fsid)) {
            long had = markedMasks.getOrDefault(fsid, mask);
            if ((had | want) != had) {
                try {
                    LibC.fanotify_mark(fd, LibC.FAN_MARK_ADD | LibC.FAN_MARK_FILESYSTEM, want, LibC.AT_FDCWD, p);
                } catch (LastErrorException e) {
                    throw new IOException("fanotify_mark(FAN_MARK_ADD) widening the mark on " + p + " failed: errno "
                            + e.getErrorCode(), e);
                }
                markedMasks.put(fsid, had | want);
            }
            return fsid;
        }
        int mountFd;
        try {
            // Not O_PATH: open_by_handle_at refuses an O_PATH mount descriptor (EBADF).
            mountFd = LibC.open(p, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + p + ": errno " + e.getErrorCode(), e);
        }
        try {
            LibC.fanotify_mark(fd, LibC.FAN_MARK_ADD | LibC.FAN_MARK_FILESYSTEM, want, LibC.AT_FDCWD, p);
        } catch (LastErrorException e) {
            LibC.close(mountFd);
            throw new IOException("fanotify_mark(FAN_MARK_FILESYSTEM) on " + p + " failed: errno " + e.getErrorCode()
                    + (e.getErrorCode() == 18 || e.getErrorCode() == 95
                            ? " (this filesystem does not support file handles or filesystem marks:"
                                    + " an overlayfs merged mount is refused; mark its upper directory's filesystem instead)"
                            : ""), e);
        }
        mountFds.put(fsid, mountFd);
        markedPaths.put(fsid, path);
        markedMasks.put(fsid, want);
        if (viewPrefix != null) {
            viewPrefixes.put(fsid, viewPrefix);
        }
        return fsid;
    }

    /** The directory descriptor this group holds on a marked filesystem, or -1. */
    synchronized int mountFd(long fsid) {
        Integer mountFd = mountFds.get(fsid);
        return mountFd == null ? -1 : mountFd;
    }

    /** Removes the mark on filesystem {@code fsid}, if this group marked it. */
    synchronized void unwatch(long fsid) {
        Integer mountFd = mountFds.remove(fsid);
        markedPaths.remove(fsid);
        markedMasks.remove(fsid);
        viewPrefixes.remove(fsid);
        if (mountFd == null) {
            return;
        }
        try {
            // by the descriptor held, not a path: a path through /proc/PID/root is gone with the container's process
            LibC.fanotify_mark(fd, LibC.FAN_MARK_REMOVE | LibC.FAN_MARK_FILESYSTEM, mask, mountFd, null);
        } catch (LastErrorException ignored) {
            // the filesystem went away with its container: the kernel dropped the mark already
        }
        LibC.close(mountFd);
    }

    synchronized boolean watches(long fsid) {
        return mountFds.containsKey(fsid);
    }

    synchronized int marks() {
        return mountFds.size();
    }

    /**
     * Waits up to {@code timeoutMs} for events and hands each to {@code sink}; returns how many were read
     * (0 on timeout).
     */
    int poll(int timeoutMs, Consumer<RawEvent> sink) throws IOException {
        pollFd.setInt(0, fd);
        pollFd.setShort(4, LibC.POLLIN);
        pollFd.setShort(6, (short) 0);
        try {
            int ready = LibC.poll(pollFd, 1, timeoutMs);
            if (ready <= 0) {
                return 0;
            }
            long n = LibC.read(fd, buffer, BUFFER);
            if (n <= 0) {
                return 0;
            }
            return FanotifyParser.parse(buffer.getByteBuffer(0, n), (int) n, sink);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.EINTR || e.getErrorCode() == LibC.EAGAIN) {
                return 0;
            }
            throw new IOException("reading fanotify events failed: errno " + e.getErrorCode(), e);
        }
    }

    /**
     * The host path of the directory a handle names, or null when it cannot be opened any more (removed
     * before the event was read: ESTALE) or its filesystem is not marked by this group.
     */
    synchronized String directory(RawEvent.HandleName hn) {
        Integer mountFd = mountFds.get(hn.fsid());
        if (mountFd == null) {
            return null;
        }
        ByteBuffer key = key(hn);
        String cached = dirPaths.get(key);
        if (cached != null) {
            return cached;
        }
        handle.setInt(0, hn.handle().length);
        handle.setInt(4, hn.handleType());
        handle.write(8, hn.handle(), 0, hn.handle().length);
        int dirFd = LibC.Quiet.open_by_handle_at(mountFd, handle, LibC.O_PATH | LibC.O_CLOEXEC);
        if (dirFd < 0) {
            return null; // ESTALE: removed before the event was read
        }
        try {
            long n = LibC.readlink("/proc/self/fd/" + dirFd, link, link.size());
            if (n <= 0) {
                return null;
            }
            String path = FieldText.fromKernelBytes(link.getByteArray(0, (int) n)); // byte-exact, as names are
            String prefix = viewPrefixes.get(hn.fsid());
            if (prefix != null) {
                path = "/".equals(path) ? prefix : prefix + path;
            }
            if (path.endsWith(" (deleted)")) {
                return path.substring(0, path.length() - " (deleted)".length());
            }
            dirPaths.put(key, path);
            return path;
        } catch (LastErrorException e) {
            return null;
        } finally {
            LibC.close(dirFd);
        }
    }

    static ByteBuffer key(RawEvent.HandleName hn) {
        return hn.key();
    }

    /** A directory was created (or found by the baseline) at {@code path}: remember its handle. */
    synchronized void directoryCreated(RawEvent.HandleName handle, String path) {
        dirPaths.put(key(handle), path);
    }

    /**
     * A directory moved: it and every cached directory below it get their new paths. With the moved
     * directory's own handle ({@code moved}, FAN_REPORT_TARGET_FID) only that entry is renamed, not
     * another one cached at the same path: overlayfs swaps directories with RENAME_EXCHANGE (an opaque
     * directory prepared in work/ takes the place of the old one, which goes to work/ to be removed), and
     * the two halves of an exchange must not carry each other along.
     */
    synchronized void directoryRenamed(RawEvent.HandleName moved, String from, String to) {
        String below = from + "/";
        ByteBuffer movedKey = moved == null ? null : key(moved);
        for (Map.Entry<ByteBuffer, String> e : dirPaths.entrySet()) {
            String p = e.getValue();
            if (p.equals(from)) {
                if (movedKey == null || movedKey.equals(e.getKey())) {
                    e.setValue(to);
                }
            } else if (p.startsWith(below)) {
                e.setValue(to + p.substring(from.length()));
            }
        }
        if (movedKey != null) {
            dirPaths.put(movedKey, to);
        }
    }

    /**
     * Whether the object a handle names is an overlayfs whiteout (a character device 0:0), asked of the
     * object itself rather than of the name it was renamed to: by the time the event is read, a create
     * over the whiteout may already have replaced it. Kernels 5.8+ share one whiteout inode per overlay
     * (linked into place each time), so the answer is cached per handle.
     */
    synchronized boolean isWhiteout(RawEvent.HandleName object) {
        if (object == null) {
            return false;
        }
        ByteBuffer key = key(object);
        if (whiteouts.contains(key)) {
            return true;
        }
        int objectFd = open(object);
        if (objectFd < 0) {
            return false; // gone (ESTALE): a whiteout replaced by a create and removed
        }
        try {
            Map<String, Object> attrs = Files.readAttributes(Path.of("/proc/self/fd/" + objectFd), "unix:mode,rdev");
            boolean whiteout = (((Integer) attrs.get("mode")) & 0170000) == 0020000 && ((Long) attrs.get("rdev")) == 0L;
            if (whiteout) {
                if (whiteouts.size() > 1024) {
                    whiteouts.clear();
                }
                whiteouts.add(key);
            }
            return whiteout;
        } catch (IOException | RuntimeException e) {
            return false;
        } finally {
            LibC.close(objectFd);
        }
    }

    /**
     * The stat of the object a handle names, read through the handle (so it holds whatever name the object has
     * now, or none: a hard link's first name after the new one is gone), or null when the object no longer exists.
     */
    synchronized FileStat statOf(RawEvent.HandleName object) {
        int objectFd = object == null ? -1 : open(object);
        if (objectFd < 0) {
            return null; // ESTALE: unlinked and closed
        }
        try {
            return FileStat.of(objectFd);
        } finally {
            LibC.close(objectFd);
        }
    }

    /**
     * A read-only descriptor of the object a handle names (the caller closes it), or -1: gone, or on a filesystem not
     * marked. Opened by its handle, not by a path: nothing the watched filesystem's owner renamed or replaced by a
     * symbolic link meanwhile can point it elsewhere (used to hash executed files: {@link ExecHasher}).
     */
    synchronized int openForReading(RawEvent.HandleName object) {
        Integer mountFd = mountFds.get(object.fsid());
        if (mountFd == null) {
            return -1;
        }
        handle.setInt(0, object.handle().length);
        handle.setInt(4, object.handleType());
        handle.write(8, object.handle(), 0, object.handle().length);
        return Math.max(-1, LibC.Quiet.open_by_handle_at(mountFd, handle,
                LibC.O_RDONLY | LibC.O_CLOEXEC | LibC.O_NOFOLLOW | LibC.O_LARGEFILE));
    }

    /** An O_PATH descriptor of the object a handle names, or -1 (gone, or on a filesystem not marked). */
    private int open(RawEvent.HandleName object) {
        Integer mountFd = mountFds.get(object.fsid());
        if (mountFd == null) {
            return -1;
        }
        handle.setInt(0, object.handle().length);
        handle.setInt(4, object.handleType());
        handle.write(8, object.handle(), 0, object.handle().length);
        return Math.max(-1, LibC.Quiet.open_by_handle_at(mountFd, handle, LibC.O_PATH | LibC.O_CLOEXEC));
    }

    /** A directory was removed; events queued before its removal have been handled. */
    synchronized void directoryRemoved(RawEvent.HandleName handle) {
        if (handle != null) {
            dirPaths.remove(key(handle));
        }
    }

    /** The handle of the file or directory at {@code path}, as fanotify reports it, or null. */
    synchronized RawEvent.HandleName handleOf(long fsid, String path) {
        try (Memory fh = new Memory(8 + 128); Memory mountId = new Memory(4)) {
            fh.setInt(0, 128);
            LibC.name_to_handle_at(LibC.AT_FDCWD, path, fh, mountId, 0);
            int bytes = fh.getInt(0);
            return new RawEvent.HandleName(fsid, fh.getByteArray(8, bytes), fh.getInt(4), ".");
        } catch (LastErrorException e) {
            return null;
        }
    }

    static long fsid(String path) throws IOException {
        try (Memory statfs = new Memory(256)) {
            LibC.statfs(path, statfs);
            return statfs.getLong(56); // f_fsid on the 64-bit generic struct statfs
        } catch (LastErrorException e) {
            throw new IOException("statfs " + path + " failed: errno " + e.getErrorCode(), e);
        }
    }

    @Override
    public synchronized void close() {
        for (int mountFd : mountFds.values()) {
            LibC.close(mountFd);
        }
        mountFds.clear();
        LibC.close(fd);
        buffer.close();
        pollFd.close();
        handle.close();
        link.close();
    }
}
