package io.driftwatch.agent.fanotify;

import com.sun.jna.Memory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The SHA-256 of each executed file, for FileEvent's {@code sha256} on EXEC events: what makes a drift decision exact
 * (is the program the container ran the one its image holds?).
 *
 * <p>The file is opened by the handle fanotify reported for the object executed ({@link Fanotify#openForReading}), never by
 * a path: a container's owner cannot swap a directory for a symbolic link to point the agent at a host file, nor race a
 * rename between the exec and the read. (The object is the inode executed; if it was written after the exec, the hash
 * is of what it holds when read, and the cache key below changes with it.)
 *
 * <p>Hashing a 1 MiB binary costs milliseconds; programs run again and again (shells, a service's helpers), so the
 * result is cached by (device, inode, change time in ns, size): a write or a chmod changes the change time, a new file
 * is a new inode. The cache is an LRU of {@code capacity} entries. A file larger than {@code maxBytes} is not hashed
 * (null, counted in {@link #skipped}): the sensor's one handler thread must not stall on a 2 GB blob.
 *
 * <p>Not thread-safe: the sensor's handler thread alone calls it.
 */
final class ExecHasher {
    static final int DEFAULT_CAPACITY = 16_384;
    static final long DEFAULT_MAX_BYTES = 64L << 20;
    /** statx mask: type and mode, ctime, ino, size. */
    private static final int STATX_MASK = 0x001 | 0x002 | 0x080 | 0x100 | 0x200;
    private static final int CHUNK = 256 * 1024;

    private record Key(long device, long ino, long ctimeNs, long size) {
    }

    /** Executions whose hash came from the cache. */
    private final AtomicLong hits;
    /** Executions whose file was read and hashed. */
    private final AtomicLong misses;
    /** Executions not hashed: the file was larger than the cap. */
    private final AtomicLong skipped;
    /** Executions not hashed: no handle, the object was gone, not a regular file, or a read failed. */
    private final AtomicLong failed;

    private final long maxBytes;
    private final Map<Key, String> cache;
    private final Memory statx = new Memory(256);
    private final Memory buffer = new Memory(CHUNK);
    private final byte[] chunk = new byte[CHUNK];
    private final MessageDigest digest;

    /** Counts in the sensor's counters ({@code execHash*}: hits, misses, skipped, failed). */
    ExecHasher(int capacity, long maxBytes, SensorCounters counters) {
        this.maxBytes = maxBytes;
        this.hits = counters.execHashHits;
        this.misses = counters.execHashMisses;
        this.skipped = counters.execHashSkipped;
        this.failed = counters.execHashFailed;
        this.cache = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, String> eldest) {
                return size() > capacity;
            }
        };
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    /** The SHA-256 (lower-case hex) of the object {@code executed} names, or null (counted: skipped or failed). */
    String hash(Fanotify fanotify, RawEvent.HandleName executed) {
        if (executed == null) {
            failed.incrementAndGet();
            return null;
        }
        int fd = fanotify.openForReading(executed);
        if (fd < 0) {
            failed.incrementAndGet();
            return null;
        }
        try {
            return hash(fd);
        } finally {
            LibC.Quiet.close(fd);
        }
    }

    /** The SHA-256 of what descriptor {@code fd} (open for reading) holds, through the cache; or null. */
    String hash(int fd) {
        if (LibC.Quiet.statx(fd, LibC.EMPTY_PATH, LibC.AT_EMPTY_PATH, STATX_MASK, statx) != 0) {
            failed.incrementAndGet();
            return null;
        }
        int mode = statx.getShort(28) & 0xffff;
        if ((mode & FileStat.S_IFMT) != FileStat.S_IFREG) {
            failed.incrementAndGet();
            return null;
        }
        long size = statx.getLong(40);
        long ino = statx.getLong(32);
        long ctimeNs = statx.getLong(96) * 1_000_000_000L + (statx.getInt(104) & 0xffffffffL);
        long device = ((long) statx.getInt(136) << 32) | (statx.getInt(140) & 0xffffffffL);
        Key key = new Key(device, ino, ctimeNs, size);
        String known = cache.get(key);
        if (known != null) {
            hits.incrementAndGet();
            return known;
        }
        if (size > maxBytes) {
            skipped.incrementAndGet();
            return null;
        }
        digest.reset();
        long total = 0;
        while (true) {
            long n = LibC.Quiet.read(fd, buffer, CHUNK);
            if (n < 0) {
                failed.incrementAndGet();
                return null;
            }
            if (n == 0) {
                break;
            }
            total += n;
            if (total > maxBytes) { // grew while being read
                skipped.incrementAndGet();
                return null;
            }
            buffer.read(0, chunk, 0, (int) n);
            digest.update(chunk, 0, (int) n);
        }
        String hex = HexFormat.of().formatHex(digest.digest());
        misses.incrementAndGet();
        // Cached only when the file did not change while it was read (same change time and size after).
        if (LibC.Quiet.statx(fd, LibC.EMPTY_PATH, LibC.AT_EMPTY_PATH, STATX_MASK, statx) == 0 && statx.getLong(40) == size
                && statx.getLong(96) * 1_000_000_000L + (statx.getInt(104) & 0xffffffffL) == ctimeNs) {
            cache.put(key, hex);
        }
        return hex;
    }

    int cached() {
        return cache.size();
    }

    void close() {
        statx.close();
        buffer.close();
    }
}
