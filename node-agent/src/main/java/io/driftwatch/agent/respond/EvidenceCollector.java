package io.driftwatch.agent.respond;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.driftwatch.agent.fanotify.ProcFiles;
import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Preserves what a container did before anyone acts on it: a bundle directory holding
 * <ul>
 * <li>{@code files/}: a copy of the container's changed files. On overlayfs that is the upper directory
 *     (everything the container wrote; deletions of image files show as whiteouts, listed in the
 *     manifest). Otherwise: the files named by the container's recent events, plus every file under
 *     its root changed (ctime) since the container started.
 * <li>{@code processes.json}: the container's processes (same pid namespace as its init), from /proc.
 * <li>{@code events.jsonl}: its recent enriched events, as the responder saw them on the audit trail.
 * <li>{@code command.json}: the container's metadata and the command that asked for the bundle.
 * <li>{@code manifest.json}: every other file of the bundle with its size and SHA-256, and for copied
 *     files the path in the container. {@link #verify} checks a bundle against it.
 * </ul>
 * Bounded: at most {@code maxFiles} files and {@code maxBytes} bytes are copied; what is left out is
 * listed in the manifest as skipped, with why.
 */
public final class EvidenceCollector {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The most of a process's command line read for processes.json (a process chooses its size). */
    static final int CMDLINE_BYTES = 64 * 1024;

    private final Path root;
    private final Path proc;
    private final int maxFiles;
    private final long maxBytes;

    public EvidenceCollector(Path root, Path proc, int maxFiles, long maxBytes) {
        this.root = root;
        this.proc = proc;
        this.maxFiles = maxFiles;
        this.maxBytes = maxBytes;
    }

    /** What a snapshot produced. */
    public record Bundle(Path dir, int files, long bytes, int skipped) {
    }

    /** Takes a snapshot of {@code c} into a new bundle directory. */
    public Bundle collect(ContainerInfo c, ResponseCommand command, List<EnrichedEvent> trail, Path upperDir)
            throws IOException {
        String stamp = Instant.now().toString().replace(':', '-');
        Path dir = root.resolve(safe(c.id())).resolve(stamp + "-" + safe(command.getCommandId()).substring(0,
                Math.min(12, safe(command.getCommandId()).length())));
        Path files = dir.resolve("files");
        Files.createDirectories(files);
        Map<String, Map<String, Object>> copied = new TreeMap<>();
        List<Map<String, Object>> skipped = new ArrayList<>();
        long[] bytes = {0};

        if (upperDir != null) {
            copyTree(upperDir, files, copied, skipped, bytes, 0);
        } else {
            Set<String> named = new LinkedHashSet<>();
            for (EnrichedEvent e : trail) {
                FileEvent f = e.getEvent();
                named.add(fileName(f, f.getPath()));
                if (f.getNewPath() != null && f.getNewPath().startsWith("/")) {
                    named.add(fileName(f, f.getNewPath()));
                }
            }
            for (String p : named) {
                copyOne(c.rootfs(), p, files, copied, skipped, bytes);
            }
            copyTree(c.rootfs(), files, copied, skipped, bytes, c.startedAt());
        }
        Files.writeString(dir.resolve("processes.json"), JSON.writeValueAsString(processes(c)));
        StringBuilder events = new StringBuilder();
        for (EnrichedEvent e : trail) {
            events.append(JsonRecords.write(e)).append('\n');
        }
        Files.writeString(dir.resolve("events.jsonl"), events);
        Map<String, Object> about = new LinkedHashMap<>();
        about.put("container", JSON.readTree(JsonRecords.write(c.toMetadata(command.getNode()))));
        about.put("command", JSON.readTree(JsonRecords.write(command)));
        about.put("source", upperDir != null ? "overlay upper directory " + upperDir
                : "files named by the recent events, and files changed under " + c.rootfs() + " since the container started");
        about.put("takenAt", Instant.now().toString());
        Files.writeString(dir.resolve("command.json"), JSON.writeValueAsString(about));

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("containerId", c.id());
        manifest.put("commandId", command.getCommandId());
        manifest.put("algorithm", "SHA-256");
        List<Map<String, Object>> entries = new ArrayList<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || p.getFileName().toString().equals("manifest.json")) {
                    continue;
                }
                String rel = dir.relativize(p).toString();
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("path", rel);
                entry.put("size", Files.size(p));
                entry.put("sha256", sha256(p));
                Map<String, Object> origin = copied.get(rel);
                if (origin != null) {
                    entry.putAll(origin);
                }
                entries.add(entry);
            }
        }
        manifest.put("files", entries);
        manifest.put("skipped", skipped);
        Files.writeString(dir.resolve("manifest.json"), JSON.writeValueAsString(manifest));
        return new Bundle(dir, copied.size(), bytes[0], skipped.size());
    }

    /** Problems found re-hashing a bundle against its manifest (empty when it is intact). */
    @SuppressWarnings("unchecked")
    public static List<String> verify(Path bundle) throws IOException {
        Map<String, Object> manifest = JSON.readValue(bundle.resolve("manifest.json").toFile(), Map.class);
        List<String> problems = new ArrayList<>();
        Set<String> listed = new LinkedHashSet<>();
        for (Map<String, Object> entry : (List<Map<String, Object>>) manifest.get("files")) {
            String rel = (String) entry.get("path");
            listed.add(rel);
            Path p = bundle.resolve(rel);
            if (!Files.isRegularFile(p)) {
                problems.add(rel + ": missing");
            } else if (!sha256(p).equals(entry.get("sha256"))) {
                problems.add(rel + ": SHA-256 differs from the manifest");
            }
        }
        try (var walk = Files.walk(bundle)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String rel = bundle.relativize(p).toString();
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !rel.equals("manifest.json") && !listed.contains(rel)) {
                    problems.add(rel + ": not in the manifest");
                }
            }
        }
        return problems;
    }

    private void copyTree(Path from, Path files, Map<String, Map<String, Object>> copied, List<Map<String, Object>> skipped,
            long[] bytes, long changedSince) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String inside = "/" + from.relativize(file);
                if (changedSince > 0) {
                    FileTime ctime = (FileTime) Files.getAttribute(file, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
                    if (ctime.toMillis() < changedSince) {
                        return FileVisitResult.CONTINUE;
                    }
                }
                copyOne(from, inside, files, copied, skipped, bytes);
                return copied.size() >= maxFiles ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                skipped.add(Map.of("path", "/" + from.relativize(file), "why", String.valueOf(exc.getMessage())));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private void copyOne(Path rootfs, String inside, Path files, Map<String, Map<String, Object>> copied,
            List<Map<String, Object>> skipped, long[] bytes) throws IOException {
        String rel = "files" + (inside.startsWith("/") ? inside : "/" + inside);
        if (copied.containsKey(rel) || inside.contains("/../") || inside.endsWith("/..")) {
            return;
        }
        Path source = rootfs.resolve(inside.startsWith("/") ? inside.substring(1) : inside);
        if (!source.normalize().startsWith(rootfs.normalize())) {
            return; // a path escaping the root: never follow it
        }
        // A directory on the way may be a symlink the container made (/tmp/x -> /): the host would follow
        // it out of the container's root and copy a host file as the container's. The last component is
        // never followed (NOFOLLOW_LINKS below). A container that swaps a directory for a link between this
        // check and the copy can still win the race; the manifest's containerPath is what was asked for.
        Path parent = source.getParent();
        try {
            if (parent == null || !parent.toRealPath().startsWith(rootfs.toRealPath())) {
                skipped.add(Map.of("path", inside, "why", "a directory on its path leads out of the container's root (symlink)"));
                return;
            }
        } catch (IOException e) {
            return; // its directory is gone: the events say so
        }
        Map<String, Object> attrs;
        try {
            attrs = Files.readAttributes(source, "unix:mode,uid,gid,size,rdev", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return; // gone (deleted): the events say so
        }
        int mode = (Integer) attrs.get("mode");
        int type = mode & 0170000;
        Map<String, Object> origin = new LinkedHashMap<>();
        origin.put("containerPath", inside);
        origin.put("mode", String.format("%04o", mode & 07777));
        origin.put("uid", attrs.get("uid"));
        origin.put("gid", attrs.get("gid"));
        if (type == 0020000 && ((Long) attrs.get("rdev")) == 0L) {
            skipped.add(Map.of("path", inside, "why", "overlay whiteout: the container deleted this image file"));
            return;
        }
        if (type == 0120000) {
            origin.put("symlinkTo", Files.readSymbolicLink(source).toString());
            Path target = files.getParent().resolve(rel + ".symlink");
            Files.createDirectories(target.getParent());
            Files.writeString(target, origin.get("symlinkTo").toString());
            copied.put(rel + ".symlink", origin);
            return;
        }
        if (type != 0100000) {
            return; // directories, devices, sockets, fifos: nothing to copy
        }
        long size = (Long) attrs.get("size");
        if (copied.size() >= maxFiles || bytes[0] + size > maxBytes) {
            skipped.add(Map.of("path", inside, "why", "bundle limit reached (" + maxFiles + " files, " + maxBytes + " bytes)"));
            return;
        }
        Path target = files.getParent().resolve(rel);
        Files.createDirectories(target.getParent());
        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
        bytes[0] += size;
        copied.put(rel, origin);
    }

    /** The processes in the container's pid namespace (that of its init), as /proc shows them. */
    private List<Map<String, Object>> processes(ContainerInfo c) {
        List<Map<String, Object>> list = new ArrayList<>();
        if (c.initPid() == null) {
            return list;
        }
        String ns;
        try {
            ns = Files.readSymbolicLink(proc.resolve(c.initPid() + "/ns/pid")).toString();
        } catch (IOException e) {
            return list;
        }
        try (var dirs = Files.list(proc)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (!ns.equals(Files.readSymbolicLink(d.resolve("ns/pid")).toString())) {
                        continue;
                    }
                    Map<String, Object> p = new LinkedHashMap<>();
                    p.put("pid", Integer.parseInt(name));
                    String status = ProcFiles.text(d.resolve("status"), 8192); // bounded, as every /proc read
                    for (String line : status.split("\n")) {
                        if (line.startsWith("PPid:")) {
                            p.put("ppid", Integer.parseInt(line.substring(5).strip()));
                        } else if (line.startsWith("Uid:")) {
                            p.put("uid", Long.parseLong(line.substring(4).strip().split("\\s+")[1]));
                        } else if (line.startsWith("State:")) {
                            p.put("state", line.substring(6).strip());
                        }
                    }
                    p.put("comm", ProcFiles.comm(d.resolve("comm")));
                    // A process chooses the size of its command line: read at most CMDLINE_BYTES, byte-exact.
                    ProcFiles.Text cmdline = ProcFiles.cmdline(d.resolve("cmdline"), CMDLINE_BYTES);
                    p.put("cmdline", cmdline.text());
                    if (cmdline.truncated()) {
                        p.put("cmdlineTruncated", true);
                    }
                    p.put("exe", ProcFiles.link(d.resolve("exe")));
                    list.add(p);
                } catch (IOException | RuntimeException e) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            return list;
        }
        return list;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The name of the file an event's path stands for. The agent's sensor writes names byte-exact ({@code \xNN} for
     * control characters and bytes that are not UTF-8, {@code \\} for a backslash): read back, a name with a newline
     * is found; one with bytes that are not UTF-8 cannot be named from Java and is left to the changed-files walk.
     */
    private static String fileName(FileEvent f, String path) {
        return "fanotify".equals(f.getSource()) ? ProcFiles.file(path).toString() : path;
    }

    private static String safe(String s) {
        return s == null ? "unknown" : s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
