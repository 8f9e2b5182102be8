package io.driftwatch.agent.fanotify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The mounts of a container besides its root that hold files the sensor should watch, from its first process's
 * mountinfo: its own tmpfs mounts (/dev, /dev/shm, emptyDir with medium Memory) and bind mounts (volumes: emptyDir,
 * hostPath, PVCs, the files Kubernetes mounts such as /etc/hosts). A mount whose filesystem the host also has
 * mounted is reached by the host path of its source, like a root; a mount only the container's namespace has,
 * through {@code /proc/PID/root/MOUNTPOINT}. Pseudo filesystems (proc, sysfs, devpts, mqueue, cgroup) and mounts of
 * the root's own filesystem are left out: see src/sensors.md for what that means for /proc.
 */
final class ContainerMounts {
    /** Filesystem types a container mounts that hold no files of its own (or cannot be marked). */
    static final Set<String> PSEUDO = Set.of("proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2", "securityfs",
            "debugfs", "tracefs", "bpf", "pstore", "configfs", "fusectl", "binfmt_misc", "autofs", "nsfs", "efivarfs",
            "rpc_pipefs", "hugetlbfs", "overlay");

    /**
     * One mount to watch.
     *
     * @param access     the host path the sensor reaches it by
     * @param viewPrefix for a mount only the container has, {@code /proc/PID/root} (paths read back from its handles
     *                   are the container's); else null
     * @param file       a single file bind-mounted (mark its directory)
     */
    record Place(String mountPoint, String fsType, Path access, String viewPrefix, boolean file) {
    }

    private ContainerMounts() {
    }

    /** The places of the container whose first process is {@code pid}, as {@code proc} shows them. */
    static List<Place> of(Path proc, int pid) throws IOException {
        List<MountInfo> inside = MountInfo.all(proc.resolve(pid + "/mountinfo"));
        List<MountInfo> host = MountInfo.all(proc.resolve("self/mountinfo"));
        String rootDevice = inside.stream().filter(m -> "/".equals(m.mountPoint())).map(MountInfo::device)
                .reduce((a, b) -> b).orElse(null);
        List<Place> places = new ArrayList<>();
        for (MountInfo m : inside) {
            if ("/".equals(m.mountPoint()) || PSEUDO.contains(m.fsType()) || m.device() == null
                    || m.device().equals(rootDevice)) {
                continue;
            }
            Path source = hostSource(m, host);
            String viewPrefix = source == null ? proc.resolve(pid + "/root").toString() : null;
            Path access = source != null ? source : Path.of(viewPrefix + m.mountPoint());
            boolean file = !Files.isDirectory(access, LinkOption.NOFOLLOW_LINKS);
            if (file && source == null) {
                continue; // a file bind-mounted from a filesystem the host does not show: nothing to mark it by
            }
            places.add(new Place(m.mountPoint(), m.fsType(), access, viewPrefix, file));
        }
        return places;
    }

    /**
     * The host path of a container mount's source, when the host has the same filesystem mounted and the source
     * below one of its mount points; else null (a mount only the container's namespace has).
     */
    static Path hostSource(MountInfo m, List<MountInfo> host) {
        MountInfo best = null;
        for (MountInfo h : host) {
            if (m.device().equals(h.device()) && h.root() != null && m.root() != null && under(m.root(), h.root())
                    && (best == null || h.root().length() > best.root().length())) {
                best = h;
            }
        }
        if (best == null) {
            return null;
        }
        String rest = "/".equals(best.root()) ? m.root() : m.root().substring(best.root().length());
        String path = "/".equals(best.mountPoint()) ? rest : best.mountPoint() + ("/".equals(rest) ? "" : rest);
        Path p = Path.of(path.isEmpty() ? "/" : path);
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? p : null;
    }

    private static boolean under(String path, String dir) {
        return "/".equals(dir) || path.equals(dir) || path.startsWith(dir + "/");
    }
}
