package io.driftwatch.agent.fanotify;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The few libc calls the sensor needs, bound directly through JNA (x86_64 and aarch64 Linux). Every call
 * reports failure as a {@link LastErrorException} carrying errno.
 */
final class LibC {
    static {
        Native.register("c");
    }

    private LibC() {
    }

    // fanotify_init flags
    static final int FAN_CLOEXEC = 0x1;
    static final int FAN_NONBLOCK = 0x2;
    static final int FAN_CLASS_NOTIF = 0x0;
    static final int FAN_UNLIMITED_QUEUE = 0x10;
    static final int FAN_REPORT_FID = 0x200;
    static final int FAN_REPORT_DIR_FID = 0x400;
    static final int FAN_REPORT_NAME = 0x800;
    static final int FAN_REPORT_TARGET_FID = 0x1000;
    static final int FAN_REPORT_DFID_NAME = FAN_REPORT_DIR_FID | FAN_REPORT_NAME;

    // fanotify_mark flags
    static final int FAN_MARK_ADD = 0x1;
    static final int FAN_MARK_REMOVE = 0x2;
    static final int FAN_MARK_FILESYSTEM = 0x100;

    // event mask bits
    static final long FAN_ACCESS = 0x1L;
    static final long FAN_MODIFY = 0x2L;
    static final long FAN_ATTRIB = 0x4L;
    static final long FAN_CLOSE_WRITE = 0x8L;
    static final long FAN_OPEN = 0x20L;
    static final long FAN_MOVED_FROM = 0x40L;
    static final long FAN_MOVED_TO = 0x80L;
    static final long FAN_CREATE = 0x100L;
    static final long FAN_DELETE = 0x200L;
    static final long FAN_DELETE_SELF = 0x400L;
    static final long FAN_MOVE_SELF = 0x800L;
    static final long FAN_OPEN_EXEC = 0x1000L;
    static final long FAN_Q_OVERFLOW = 0x4000L;
    static final long FAN_RENAME = 0x10000000L;
    static final long FAN_ONDIR = 0x40000000L;

    // info record types
    static final int FAN_EVENT_INFO_TYPE_FID = 1;
    static final int FAN_EVENT_INFO_TYPE_DFID_NAME = 2;
    static final int FAN_EVENT_INFO_TYPE_DFID = 3;
    static final int FAN_EVENT_INFO_TYPE_OLD_DFID_NAME = 10;
    static final int FAN_EVENT_INFO_TYPE_NEW_DFID_NAME = 12;

    static final int O_RDONLY = 0;
    static final int O_NOFOLLOW = 0x20000;
    static final int O_DIRECTORY = 0x10000;
    static final int O_CLOEXEC = 0x80000;
    static final int O_PATH = 0x200000;
    static final int O_LARGEFILE = 0x8000;
    static final int O_NONBLOCK = 0x800;
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_EMPTY_PATH = 0x1000;
    /** statx mask: type, mode, nlink, uid, gid, ctime, ino (STATX_BASIC_STATS without times we do not need). */
    static final int STATX_WANTED = 0x001 | 0x002 | 0x004 | 0x008 | 0x010 | 0x080 | 0x100;

    static final short POLLIN = 0x1;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ESTALE = 116;
    static final int ENOENT = 2;

    static native int fanotify_init(int flags, int eventFFlags) throws LastErrorException;

    static native int fanotify_mark(int fd, int flags, long mask, int dirfd, String path) throws LastErrorException;

    static native int open_by_handle_at(int mountFd, Pointer handle, int flags) throws LastErrorException;

    static native int open(String path, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native long read(int fd, Pointer buf, long count) throws LastErrorException;

    static native long readlink(String path, Pointer buf, long size) throws LastErrorException;

    static native int poll(Pointer fds, long nfds, int timeoutMs) throws LastErrorException;

    static native int statfs(String path, Pointer buf) throws LastErrorException;

    static native int fstatfs(int fd, Pointer buf) throws LastErrorException;

    /** statx(2): one layout on every architecture, unlike struct stat. */
    static native int statx(int dirfd, String path, int flags, int mask, Pointer buf) throws LastErrorException;

    static native long readlinkat(int dirfd, String path, Pointer buf, long size) throws LastErrorException;

    static native int name_to_handle_at(int dirfd, String path, Pointer handle, Pointer mountId, int flags)
            throws LastErrorException;

    /** The empty path, for the *at calls with AT_EMPTY_PATH. */
    static final Pointer EMPTY_PATH = emptyPath();

    private static Pointer emptyPath() {
        com.sun.jna.Memory m = new com.sun.jna.Memory(1);
        m.setByte(0, (byte) 0);
        return m;
    }

    /**
     * The per-event calls, without an exception: they return -1 on failure (errno in {@code Native.getLastError()}),
     * since a file gone before its event is read is common and a LastErrorException (a stack trace) costs far more
     * than the call. Paths are native bytes, NUL-terminated, not Strings, which JNA would encode (looking the
     * charset up) on every call.
     */
    static final class Quiet {
        static {
            Native.register(Quiet.class, "c");
        }

        private Quiet() {
        }

        /** statx(2) of a NUL-terminated path. */
        static native int statx(int dirfd, byte[] path, int flags, int mask, Pointer buf);

        /** statx(2) of a native path ({@link #EMPTY_PATH} with AT_EMPTY_PATH). */
        static native int statx(int dirfd, Pointer path, int flags, int mask, Pointer buf);

        static native int name_to_handle_at(int dirfd, Pointer path, Pointer handle, Pointer mountId, int flags);

        static native long readlinkat(int dirfd, Pointer path, Pointer buf, long size);

        static native int open_by_handle_at(int mountFd, Pointer handle, int flags);

        static native int close(int fd);

        static native long read(int fd, Pointer buf, long count);

        static native long lseek(int fd, long offset, int whence);
    }
}
