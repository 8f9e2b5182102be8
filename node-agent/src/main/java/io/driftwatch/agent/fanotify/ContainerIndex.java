package io.driftwatch.agent.fanotify;

import io.driftwatch.agent.runtime.ContainerInfo;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Host path -> container, by the container's root filesystem (the rule from the runtime watcher's
 * rootfs map). For a container on overlayfs the upper directory maps to the container too (that is the
 * filesystem the sensor can mark), and the work directory is recognised so that overlay's own copy-up
 * and whiteout traffic is not reported as the container's. The container's other mounts (its /dev and
 * /dev/shm, volumes) map from the host path the sensor reaches them by (a bind source, or
 * {@code /proc/PID/root/MOUNTPOINT} for a mount only the container's namespace has) to their mount point
 * inside the container ({@link Kind#MOUNT}).
 */
final class ContainerIndex {
    enum Kind { ROOTFS, UPPER, WORK, MOUNT }

    /** {@code inside}: the container path the prefix stands for ("" for a root). */
    record Entry(ContainerInfo container, Kind kind, String inside) {
    }

    /** A host path resolved to a container and the path as seen inside it. */
    record Resolved(ContainerInfo container, Kind kind, String path) {
    }

    private final Map<String, Entry> prefixes = new ConcurrentHashMap<>();
    /**
     * Host path -> what {@link #resolve} answered for it ({@link #NOWHERE} for null), for the paths asked again and
     * again: the directories events happen in, and executables. Emptied whenever a prefix is added or removed.
     */
    private final Map<String, Resolved> cache = new ConcurrentHashMap<>();
    private static final int CACHE_CAPACITY = 16_384;
    private static final Resolved NOWHERE = new Resolved(null, null, null);

    void add(String hostPrefix, ContainerInfo container, Kind kind) {
        prefixes.put(strip(hostPrefix), new Entry(container, kind, ""));
        cache.clear();
    }

    /** A mount of the container: {@code hostPrefix} holds what the container sees at {@code mountPoint}. */
    void addMount(String hostPrefix, ContainerInfo container, String mountPoint) {
        prefixes.put(strip(hostPrefix), new Entry(container, Kind.MOUNT, "/".equals(mountPoint) ? "" : strip(mountPoint)));
        cache.clear();
    }

    void remove(String containerId) {
        prefixes.values().removeIf(e -> e.container().id().equals(containerId));
        cache.clear();
    }

    /** As {@link #resolve}, remembered per path (for paths that come again: executables, directories). */
    Resolved resolveCached(String hostPath) {
        Resolved r = cache.get(hostPath);
        if (r == null) {
            r = resolve(hostPath);
            if (cache.size() >= CACHE_CAPACITY) {
                cache.clear();
            }
            cache.put(hostPath, r == null ? NOWHERE : r);
            return r;
        }
        return r == NOWHERE ? null : r;
    }

    /**
     * As {@link #resolve} of {@code hostPath}, the entry {@code name} of directory {@code dir}: the path itself when it
     * is a prefix (a file mounted on its own), else the directory's answer (remembered) and the name.
     */
    Resolved resolveChild(String dir, String name, String hostPath) {
        if (".".equals(name) || name.isEmpty() || name.indexOf('/') >= 0) {
            return resolve(hostPath);
        }
        Entry own = prefixes.get(strip(hostPath));
        if (own != null) {
            return resolve(hostPath);
        }
        Resolved d = resolveCached(dir);
        if (d == null) {
            return null;
        }
        return new Resolved(d.container(), d.kind(), "/".equals(d.path()) ? "/" + name : d.path() + "/" + name);
    }

    boolean isEmpty() {
        return prefixes.isEmpty();
    }

    /** The container whose root (or upper/work directory) holds {@code hostPath}, or null. */
    Resolved resolve(String hostPath) {
        String p = strip(hostPath);
        int end = p.length();
        while (end >= 0) {
            // the whole path, then each parent at a '/', then "/" itself (a root filesystem of "/")
            String prefix = end == p.length() ? p : end == 0 ? "/" : p.substring(0, end);
            Entry e = prefixes.get(prefix);
            if (e != null) {
                String inside = end == p.length() ? "/" : end == 0 ? p : p.substring(end);
                if (!e.inside().isEmpty()) {
                    inside = "/".equals(inside) ? e.inside() : e.inside() + inside;
                }
                return new Resolved(e.container(), e.kind(), inside);
            }
            if (end == 0) {
                break;
            }
            end = p.lastIndexOf('/', end - 1);
        }
        return null;
    }

    private static String strip(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
