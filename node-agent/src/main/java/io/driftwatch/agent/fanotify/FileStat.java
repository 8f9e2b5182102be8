package io.driftwatch.agent.fanotify;

import com.sun.jna.Memory;
import io.driftwatch.schemas.text.FieldText;

/**
 * What the sensor needs to know of a file object, read with statx(2) from a descriptor (so it holds for a file
 * already unlinked, as long as the descriptor keeps its inode alive).
 *
 * @param mode    type and permission bits (st_mode)
 * @param ctimeMs the last status change, epoch ms
 * @param target  for a symbolic link, what it points to (byte-exact text); else null ({@link #at} does not read it)
 * @param rdev    the device a device node stands for (major &lt;&lt; 32 | minor); 0 for other files
 */
record FileStat(int mode, long uid, long gid, int nlink, long ino, long device, long ctimeMs, String target, long rdev) {
    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;
    static final int S_IFDIR = 0040000;
    static final int S_IFLNK = 0120000;

    int type() {
        return mode & S_IFMT;
    }

    boolean regular() {
        return type() == S_IFREG;
    }

    /** The stat of the object {@code fd} refers to (any kind of descriptor, O_PATH included), or null. */
    static FileStat of(int fd) {
        try (Memory buf = new Memory(256)) {
            return of(fd, buf);
        }
    }

    /** As {@link #of(int)}, into a buffer of at least 256 bytes the caller owns (and does not share meanwhile). */
    static FileStat of(int fd, Memory buf) {
        if (LibC.Quiet.statx(fd, LibC.EMPTY_PATH, LibC.AT_EMPTY_PATH | LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_WANTED, buf) != 0) {
            return null;
        }
        return decode(fd, buf);
    }

    /**
     * The stat of the file at a host path (byte-exact text, as event paths are: {@link ProcFiles}), not following a
     * final symbolic link, without its target; null when there is none (or it cannot be read). Unlike a Java path,
     * this names files whose names are not UTF-8 too. Into a buffer of at least 256 bytes the caller owns.
     */
    static FileStat at(String hostPath, Memory buf) {
        byte[] path = ProcFiles.kernelPath(hostPath);
        if (path == null || LibC.Quiet.statx(LibC.AT_FDCWD, path, LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_WANTED, buf) != 0) {
            return null;
        }
        return decode(-1, buf);
    }

    /** The statx buffer's fields; a symbolic link's target is read through {@code fd} when it is one (not -1). */
    private static FileStat decode(int fd, Memory buf) {
        {
            int nlink = buf.getInt(16);
            long uid = buf.getInt(20) & 0xffffffffL;
            long gid = buf.getInt(24) & 0xffffffffL;
            int mode = buf.getShort(28) & 0xffff;
            long ino = buf.getLong(32);
            long ctimeMs = buf.getLong(96) * 1000 + (buf.getInt(104) & 0xffffffffL) / 1_000_000;
            long device = ((long) buf.getInt(136) << 32) | (buf.getInt(140) & 0xffffffffL);
            long rdev = ((long) buf.getInt(128) << 32) | (buf.getInt(132) & 0xffffffffL);
            String target = null;
            if ((mode & S_IFMT) == S_IFLNK && fd >= 0) {
                try (Memory link = new Memory(4096)) {
                    long n = LibC.Quiet.readlinkat(fd, LibC.EMPTY_PATH, link, link.size());
                    target = n > 0 ? FieldText.fromKernelBytes(link.getByteArray(0, (int) n)) : null;
                }
            }
            return new FileStat(mode, uid, gid, nlink, ino, device, ctimeMs, target, rdev);
        }
    }
}
