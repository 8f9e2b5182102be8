package io.driftwatch.agent.fanotify;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps new files alive long enough to tell the truth about them. The sensor's main group reports file handles,
 * and a handle names nothing once its file is unlinked and closed: a file created, made setuid and deleted within
 * a millisecond (as attack tools do to cover their tracks) is gone before its events are read, and its mode with
 * it. This second fanotify group is in descriptor mode and asks for FAN_OPEN only: for every open the kernel
 * queues a reference to the opened file, which keeps the inode alive until the event is read. Every open in the
 * watched filesystems therefore comes here too; the agent reads them right after each batch of the main group and
 * before handling it, keeps the descriptor of a regular file whose status changed within {@value #FRESH_MS} ms (a
 * new file, or one just changed), keyed by its file handle as the main group reports it, and closes the rest at
 * once. A kept descriptor is closed after {@value #HOLD_MS} ms, or sooner when {@value #CAPACITY} are held.
 *
 * <p>What it covers: a file created by open(2) (O_CREAT: mktemp, shell redirections, cp, tar), whatever happens to
 * it afterwards. What it does not: objects never opened (mkdir, mknod, symlink, link), which the main group sees
 * while they exist.
 */
final class PinGroup implements AutoCloseable {
    static final long FRESH_MS = 5_000;
    static final long HOLD_MS = 3_000;
    static final int CAPACITY = 4_096;
    private static final int BUFFER = 64 * 1024;

    private record Pin(int fd, long since) {
    }

    private final int fd;
    private final Memory buffer = new Memory(BUFFER);
    private final Memory handle = new Memory(8 + 128);
    private final Memory mountId = new Memory(4);
    private final Memory statfs = new Memory(256);
    private final Memory statx = new Memory(256);
    private final Memory pollFd = new Memory(8);
    private final Map<Long, Integer> marks = new HashMap<>();
    private final Map<Long, Long> fsidByDevice = new HashMap<>();
    private final LinkedHashMap<ByteBuffer, Pin> pins = new LinkedHashMap<>();
    private final SensorCounters counters;

    PinGroup(SensorCounters counters) throws IOException {
        this.counters = counters;
        try {
            this.fd = LibC.fanotify_init(LibC.FAN_CLOEXEC | LibC.FAN_NONBLOCK | LibC.FAN_CLASS_NOTIF,
                    LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC | LibC.O_LARGEFILE); // O_NONBLOCK: a FIFO opened for us must not block
        } catch (LastErrorException e) {
            throw new IOException("fanotify_init (descriptor mode, for new files) failed: errno " + e.getErrorCode(), e);
        }
    }

    /** Marks the filesystem of {@code dirFd} (a directory descriptor of the main group's mark) for opens. */
    synchronized void watch(long fsid, int dirFd) throws IOException {
        if (marks.containsKey(fsid)) {
            return;
        }
        try {
            LibC.fanotify_mark(fd, LibC.FAN_MARK_ADD | LibC.FAN_MARK_FILESYSTEM, LibC.FAN_OPEN, dirFd, null);
        } catch (LastErrorException e) {
            throw new IOException("fanotify_mark(FAN_MARK_FILESYSTEM, FAN_OPEN) failed: errno " + e.getErrorCode(), e);
        }
        marks.put(fsid, dirFd);
    }

    synchronized void unwatch(long fsid) {
        Integer dirFd = marks.remove(fsid);
        if (dirFd != null) {
            try {
                LibC.fanotify_mark(fd, LibC.FAN_MARK_REMOVE | LibC.FAN_MARK_FILESYSTEM, LibC.FAN_OPEN, dirFd, null);
            } catch (LastErrorException ignored) {
                // the filesystem went away with its container
            }
        }
    }

    /** Reads every queued open (without waiting), keeping the descriptors of fresh regular files. */
    synchronized int drain(long now) {
        int events = 0;
        for (int reads = 0; reads < 64; reads++) {
            if (!readable()) {
                break; // asked with poll(2), which answers without an error (a read's EAGAIN costs an exception)
            }
            long n;
            try {
                n = LibC.read(fd, buffer, BUFFER);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EAGAIN) {
                    break;
                }
                counters.pinFailed.incrementAndGet(); // the kernel could not open one file; the rest stay queued
                continue;
            }
            if (n <= 0) {
                break;
            }
            ByteBuffer b = buffer.getByteBuffer(0, n).order(ByteOrder.nativeOrder());
            int offset = 0;
            while (offset + 24 <= n) {
                int eventLen = b.getInt(offset);
                if (eventLen < 24) {
                    break;
                }
                long mask = b.getLong(offset + 8);
                int eventFd = b.getInt(offset + 16);
                if ((mask & LibC.FAN_Q_OVERFLOW) != 0) {
                    counters.pinOverflows.incrementAndGet();
                } else if (eventFd >= 0) {
                    keepOrClose(eventFd, now);
                }
                events++;
                offset += eventLen;
            }
        }
        expire(now);
        return events;
    }

    private boolean readable() {
        pollFd.setInt(0, fd);
        pollFd.setShort(4, LibC.POLLIN);
        pollFd.setShort(6, (short) 0);
        try {
            return LibC.poll(pollFd, 1, 0) > 0;
        } catch (LastErrorException e) {
            return false;
        }
    }

    private void keepOrClose(int eventFd, long now) {
        FileStat st = FileStat.of(eventFd, statx);
        if (st == null || !st.regular() || st.nlink() > 0 && now - st.ctimeMs() > FRESH_MS) {
            LibC.close(eventFd);
            return;
        }
        ByteBuffer key = key(eventFd, st.device());
        if (key == null) {
            LibC.close(eventFd);
            return;
        }
        Pin old = pins.put(key, new Pin(eventFd, now));
        if (old != null) {
            LibC.close(old.fd());
        }
        counters.pinned.incrementAndGet();
        if (pins.size() > CAPACITY) {
            Iterator<Pin> it = pins.values().iterator();
            LibC.close(it.next().fd());
            it.remove();
        }
    }

    /** The key the main group's events carry for this object: fsid, handle type, handle bytes. */
    private ByteBuffer key(int objectFd, long device) {
        try {
            Long fsid = fsidByDevice.get(device);
            if (fsid == null) {
                LibC.fstatfs(objectFd, statfs);
                fsid = statfs.getLong(56);
                fsidByDevice.put(device, fsid);
            }
            handle.setInt(0, 128);
            if (LibC.Quiet.name_to_handle_at(objectFd, LibC.EMPTY_PATH, handle, mountId, LibC.AT_EMPTY_PATH) != 0) {
                return null;
            }
            int bytes = handle.getInt(0);
            ByteBuffer key = ByteBuffer.allocate(12 + bytes);
            key.putLong(fsid).putInt(handle.getInt(4)).put(handle.getByteArray(8, bytes)).flip();
            return key;
        } catch (LastErrorException e) {
            return null;
        }
    }

    private void expire(long now) {
        Iterator<Pin> it = pins.values().iterator();
        while (it.hasNext()) {
            Pin p = it.next();
            if (now - p.since() <= HOLD_MS) {
                break; // insertion order: the rest are younger
            }
            LibC.close(p.fd());
            it.remove();
        }
    }

    /** The object's stat, read from a kept descriptor (it may be unlinked by now), or null when none is kept. */
    synchronized FileStat stat(RawEvent.HandleName object) {
        if (object == null || pins.isEmpty()) {
            return null;
        }
        Pin p = pins.get(Fanotify.key(object));
        return p == null ? null : FileStat.of(p.fd(), statx);
    }

    @Override
    public synchronized void close() {
        for (Pin p : pins.values()) {
            LibC.close(p.fd());
        }
        pins.clear();
        LibC.close(fd);
        buffer.close();
        handle.close();
        mountId.close();
        statfs.close();
        statx.close();
        pollFd.close();
    }
}
