package io.driftwatch.cli.bench;

import io.driftwatch.scanner.image.ImageReaders;
import io.driftwatch.scanner.image.ImageScan;
import io.driftwatch.scanner.image.Layer;
import io.driftwatch.scanner.image.LayerVisitor;
import io.driftwatch.scanner.image.ReadOptions;
import io.driftwatch.scanner.image.ScanProgress;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * How fast the image reader goes, against {@code sha256sum} over the same file bytes in the same run.
 *
 * <p>Generates one set of files (a few thousand, mixed sizes, half-compressible content) and writes it twice as an
 * OCI layout: one image of four uncompressed layers, one of four gzip layers (level 6, docker's). The same files are
 * also written out as a plain tree. Then, on one thread each, best of three runs: the standard reader over each image
 * with a visitor that does nothing (blob digests and per-file SHA-256 included); {@code sha256sum} over the tree in
 * one process (under bash, whose {@code times} gives its CPU time); {@code gzip -dc} over the gzip layers; and the JDK's inflater and SHA-256 alone, to show where the
 * time goes. MB is 10^6 bytes of file content (what sha256sum hashes), whichever image is read.
 */
public final class ScanBench {
    /** Half of sha256sum's MB/s on one core, for uncompressed layers. */
    public static final double GOAL_RATIO = 0.5;
    private static final int LAYERS = 4;
    private static final int RUNS = 3;

    /** One timed measurement: wall seconds and CPU seconds (of the whole JVM, or of the external process). */
    public record Timing(double seconds, double cpuSeconds, long bytes, long files) {
        public double mbPerSec() {
            return bytes / 1e6 / seconds;
        }

        public double filesPerSec() {
            return files / seconds;
        }

        /**
         * MB per CPU-second: the speed on one core, whatever else the machine is doing. NaN when the CPU time could not
         * be measured (a run shorter than the clock's tick reads 0).
         */
        public double mbPerCpuSec() {
            return cpuSeconds > 0 ? bytes / 1e6 / cpuSeconds : Double.NaN;
        }

        String json() {
            return String.format(Locale.ROOT, "{\"seconds\": %.3f, \"cpuSeconds\": %.3f, \"mbPerSec\": %s, "
                    + "\"mbPerCpuSec\": %s, \"filesPerSec\": %s}", seconds, cpuSeconds, number(mbPerSec(), 1),
                    number(mbPerCpuSec(), 1), number(filesPerSec(), 0));
        }
    }

    /** A figure for JSON: null when it could not be measured (NaN or infinite), which JSON has no number for. */
    static String number(double value, int decimals) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%." + decimals + "f", value) : "null";
    }

    /** The figures, under the keys {@code --json} prints. */
    public record Result(long files, long contentBytes, long uncompressedBlobBytes, long gzipBlobBytes, Timing scanUncompressed,
            Timing scanGzip, Timing sha256sum, Timing gunzip, Timing jdkInflate, Timing jdkSha256) {

        /** Scan MB/s over sha256sum's MB/s, wall clock. */
        public double ratioUncompressed() {
            return scanUncompressed.mbPerSec() / sha256sum.mbPerSec();
        }

        public double ratioGzip() {
            return scanGzip.mbPerSec() / sha256sum.mbPerSec();
        }

        /** The same per CPU-second (one core each): steadier than wall time on a busy machine. */
        public double cpuRatioUncompressed() {
            return scanUncompressed.mbPerCpuSec() / sha256sum.mbPerCpuSec();
        }

        public double cpuRatioGzip() {
            return scanGzip.mbPerCpuSec() / sha256sum.mbPerCpuSec();
        }

        /** The goal, judged per CPU-second when sha256sum's CPU time is known, else on wall time. */
        public boolean met() {
            return (Double.isNaN(cpuRatioUncompressed()) ? ratioUncompressed() : cpuRatioUncompressed()) >= GOAL_RATIO;
        }

        public String toJson() {
            return String.format(Locale.ROOT, "{\"files\": %d, \"contentBytes\": %d, \"uncompressedBlobBytes\": %d, "
                            + "\"gzipBlobBytes\": %d, \"scanUncompressed\": %s, \"scanGzip\": %s, \"sha256sum\": %s, "
                            + "\"gunzip\": %s, \"jdkInflate\": %s, \"jdkSha256\": %s, \"ratioUncompressed\": %s, "
                            + "\"ratioGzip\": %s, \"cpuRatioUncompressed\": %s, \"cpuRatioGzip\": %s, "
                            + "\"goals\": {\"ratioUncompressedAtLeast\": %.1f}, \"met\": %b}",
                    files, contentBytes, uncompressedBlobBytes, gzipBlobBytes, scanUncompressed.json(), scanGzip.json(),
                    sha256sum.json(), gunzip == null ? "null" : gunzip.json(), jdkInflate.json(), jdkSha256.json(),
                    number(ratioUncompressed(), 3), number(ratioGzip(), 3), number(cpuRatioUncompressed(), 3),
                    number(cpuRatioGzip(), 3), GOAL_RATIO, met());
        }
    }

    private final long targetBytes;
    private final PrintWriter progress;
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    public ScanBench(long mib, PrintWriter progress) {
        if (mib < 1) {
            throw new IllegalArgumentException("--scan-mib must be at least 1");
        }
        this.targetBytes = mib * 1024 * 1024;
        this.progress = progress;
    }

    public Result run() throws Exception {
        Path dir = Files.createTempDirectory("driftwatch-scan-bench-");
        try {
            return run(dir);
        } finally {
            step("removing " + dir);
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private Result run(Path dir) throws Exception {
        Path tree = dir.resolve("tree");
        Path plainLayout = dir.resolve("oci-plain");
        Path gzipLayout = dir.resolve("oci-gzip");
        List<GeneratedFile> files = generate(tree);
        long content = files.stream().mapToLong(GeneratedFile::size).sum();
        step(String.format("writing the images: %d layers uncompressed, %d layers gzip", LAYERS, LAYERS));
        List<Path> plainBlobs = writeImage(files, tree, plainLayout, false);
        List<Path> gzipBlobs = writeImage(files, tree, gzipLayout, true);
        long plainBytes = size(plainBlobs);
        long gzipBytes = size(gzipBlobs);
        progress.printf("  image: %,d files, %,.1f MB of content; layers %,.1f MB uncompressed, %,.1f MB gzip%n", files.size(),
                content / 1e6, plainBytes / 1e6, gzipBytes / 1e6);

        Timing scanPlain = best("scan, uncompressed layers", () -> scan("oci:" + plainLayout + ":bench", content));
        Timing scanGzip = best("scan, gzip layers", () -> scan("oci:" + gzipLayout + ":bench", content));
        Timing sha256sum = best("sha256sum over the same files", () -> sha256sum(tree, files, content));
        Timing gunzip = gzipAvailable() ? best("gzip -dc over the gzip layers", () -> gunzip(gzipBlobs, content, files.size()))
                : null;
        Timing inflate = best("JDK inflate alone", () -> jdkInflate(gzipBlobs, content, files.size()));
        Timing sha = best("JDK SHA-256 alone over the uncompressed layers", () -> jdkSha256(plainBlobs, content, files.size()));
        return new Result(files.size(), content, plainBytes, gzipBytes, scanPlain, scanGzip, sha256sum, gunzip, inflate, sha);
    }

    // ---- the measurements

    private Timing scan(String reference, long content) throws Exception {
        ScanProgress p = new ScanProgress() {
            @Override
            public void layerDone(Layer layer, long entries) {
                progress.printf("     layer %d: %,d entries%n", layer.index(), entries);
                progress.flush();
            }
        };
        long cpu = processCpu();
        long began = System.nanoTime();
        ImageScan scan = ImageReaders.standard().read(reference, new ReadOptions(ReadOptions.DEFAULT_CONTENT_LIMIT, true, null, p),
                new LayerVisitor() { });
        long wall = System.nanoTime() - began;
        long files = scan.files().values().stream().filter(e -> e.isRegular()).count();
        return new Timing(wall / 1e9, (processCpu() - cpu) / 1e9, content, files);
    }

    private Timing sha256sum(Path tree, List<GeneratedFile> files, long content) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sha256sum", "--"));
        files.forEach(f -> cmd.add(f.name()));
        return external(new ProcessBuilder(cmd).directory(tree.toFile()), content, files.size());
    }

    private Timing gunzip(List<Path> blobs, long content, long files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("gzip", "-dc", "--"));
        blobs.forEach(b -> cmd.add(b.toString()));
        return external(new ProcessBuilder(cmd), content, files);
    }

    /**
     * Runs a command under bash, timed; its CPU time is what bash's {@code times} reports for its children (user +
     * system), since the JDK cannot ask about a process that has exited.
     */
    private Timing external(ProcessBuilder pb, long content, long files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "\"$@\" >/dev/null || exit 1; times", "bench"));
        cmd.addAll(pb.command());
        pb.command(cmd).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.INHERIT);
        long began = System.nanoTime();
        Process process = pb.start();
        String times = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", cmd.subList(4, Math.min(cmd.size(), 7))) + " ... failed");
        }
        long wall = System.nanoTime() - began;
        return new Timing(wall / 1e9, childrenCpu(times), content, files);
    }

    /** bash's {@code times}: a line for the shell, then "0m1.234s 0m0.056s" for its children (user, system). */
    static double childrenCpu(String times) {
        String[] lines = times.trim().split("\n");
        if (lines.length < 2) {
            return Double.NaN;
        }
        double total = 0;
        for (String t : lines[lines.length - 1].trim().split("\\s+")) {
            int m = t.indexOf('m');
            if (m < 0 || !t.endsWith("s")) {
                return Double.NaN;
            }
            total += Integer.parseInt(t.substring(0, m)) * 60 + Double.parseDouble(t.substring(m + 1, t.length() - 1));
        }
        return total;
    }

    private Timing jdkInflate(List<Path> blobs, long content, long files) throws Exception {
        byte[] buf = new byte[1024 * 1024];
        long cpu = processCpu();
        long began = System.nanoTime();
        for (Path b : blobs) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(b), 64 * 1024)) {
                while (in.read(buf) >= 0) {
                    // inflate only
                }
            }
        }
        return new Timing((System.nanoTime() - began) / 1e9, (processCpu() - cpu) / 1e9, content, files);
    }

    private Timing jdkSha256(List<Path> blobs, long content, long files) throws Exception {
        byte[] buf = new byte[1024 * 1024];
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long cpu = processCpu();
        long began = System.nanoTime();
        for (Path b : blobs) {
            try (InputStream in = Files.newInputStream(b)) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    md.update(buf, 0, n);
                }
            }
        }
        md.digest();
        return new Timing((System.nanoTime() - began) / 1e9, (processCpu() - cpu) / 1e9, content, files);
    }

    /** CPU time of the whole JVM (reading thread, GC and JIT threads alike), in ns. */
    private long processCpu() {
        return os.getProcessCpuTime();
    }

    private interface Measure {
        Timing run() throws Exception;
    }

    /** The faster of {@link #RUNS} runs (the first also warms the JIT and the page cache). */
    private Timing best(String what, Measure m) throws Exception {
        Timing best = null;
        for (int i = 0; i < RUNS; i++) {
            step(what + " (run " + (i + 1) + " of " + RUNS + ")");
            Timing t = m.run();
            progress.printf("     %.2f s, %,.0f MB/s; %.2f s CPU, %,.0f MB per CPU-second%n", t.seconds(), t.mbPerSec(),
                    t.cpuSeconds(), t.mbPerCpuSec());
            if (best == null || t.seconds() < best.seconds()) {
                best = t;
            }
        }
        return best;
    }

    private static boolean gzipAvailable() {
        try {
            return new ProcessBuilder("gzip", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    // ---- the image

    private record GeneratedFile(String name, long size) {
    }

    /**
     * Files until the target size: 80% small (1-32 KiB), 19% medium (32-512 KiB), 1% large (1-8 MiB), in 64 directories;
     * each 4 KiB block half random bytes, half text (gzip gets about 2:1, like binaries and libraries).
     */
    private List<GeneratedFile> generate(Path tree) throws IOException {
        step(String.format("generating %,.0f MB of files in %s", targetBytes / 1e6, tree));
        SplittableRandom random = new SplittableRandom(19);
        byte[] text = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore "
                + "et dolore magna aliqua /usr/lib/x86_64-linux-gnu libc.so.6 GLIBC_2.34 __cxa_finalize\n")
                .repeat(40).getBytes(StandardCharsets.US_ASCII);
        byte[] block = new byte[4096];
        List<GeneratedFile> files = new ArrayList<>();
        long total = 0;
        while (total < targetBytes) {
            int kind = random.nextInt(100);
            long size = kind < 80 ? random.nextLong(1024, 32 * 1024) : kind < 99 ? random.nextLong(32 * 1024, 512 * 1024)
                    : random.nextLong(1024 * 1024, 8L * 1024 * 1024);
            size = Math.min(size, targetBytes - total + 1);
            String name = String.format("d%02d/f%05d.bin", files.size() % 64, files.size());
            Path p = tree.resolve(name);
            Files.createDirectories(p.getParent());
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(p), 256 * 1024)) {
                long left = size;
                while (left > 0) {
                    for (int i = 0; i < 2048; i += 8) {
                        long r = random.nextLong();
                        for (int j = 0; j < 8; j++) {
                            block[i + j] = (byte) (r >>> (8 * j));
                        }
                    }
                    System.arraycopy(text, random.nextInt(200), block, 2048, 2048);
                    int n = (int) Math.min(left, block.length);
                    out.write(block, 0, n);
                    left -= n;
                }
            }
            files.add(new GeneratedFile(name, size));
            total += size;
        }
        return files;
    }

    /** An OCI layout with tag "bench": the files spread over {@link #LAYERS} layers. Returns the layer blobs. */
    private List<Path> writeImage(List<GeneratedFile> files, Path tree, Path layout, boolean gzip) throws Exception {
        Path blobs = layout.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        List<Path> layerBlobs = new ArrayList<>();
        StringBuilder layers = new StringBuilder();
        StringBuilder diffIds = new StringBuilder();
        int perLayer = (files.size() + LAYERS - 1) / LAYERS;
        for (int l = 0; l < LAYERS; l++) {
            List<GeneratedFile> part = files.subList(Math.min(files.size(), l * perLayer), Math.min(files.size(), (l + 1) * perLayer));
            Path temp = layout.resolve("layer.tmp");
            MessageDigest blobDigest = MessageDigest.getInstance("SHA-256");
            MessageDigest diffId = MessageDigest.getInstance("SHA-256");
            try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(temp), 1024 * 1024);
                    DigestOutputStream blob = new DigestOutputStream(file, blobDigest);
                    OutputStream compressed = gzip ? new GZIPOutputStream(blob, 64 * 1024) : blob;
                    DigestOutputStream uncompressed = new DigestOutputStream(compressed, diffId);
                    TarArchiveOutputStream tar = new TarArchiveOutputStream(uncompressed)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                for (GeneratedFile f : part) {
                    TarArchiveEntry e = new TarArchiveEntry("opt/bench/" + f.name());
                    e.setSize(f.size());
                    e.setMode(0644);
                    tar.putArchiveEntry(e);
                    Files.copy(tree.resolve(f.name()), tar);
                    tar.closeArchiveEntry();
                }
            }
            String hex = HexFormat.of().formatHex(blobDigest.digest());
            Path blob = blobs.resolve(hex);
            Files.move(temp, blob);
            layerBlobs.add(blob);
            layers.append(layers.length() == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar%s\",\"digest\":\"sha256:%s\",\"size\":%d}",
                    gzip ? "+gzip" : "", hex, Files.size(blob)));
            diffIds.append(diffIds.length() == 0 ? "" : ",").append("\"sha256:").append(HexFormat.of().formatHex(diffId.digest()))
                    .append('"');
        }
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds
                + "]},\"config\":{}}";
        String configDigest = writeBlob(blobs, config);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
                + "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + configDigest + "\",\"size\":"
                + config.length() + "},\"layers\":[" + layers + "]}";
        String manifestDigest = writeBlob(blobs, manifest);
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + manifestDigest + "\",\"size\":"
                + manifest.length() + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"bench\"}}]}");
        return layerBlobs;
    }

    private static String writeBlob(Path blobs, String json) throws Exception {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        Files.write(blobs.resolve(hex), bytes);
        return hex;
    }

    private static long size(List<Path> blobs) throws IOException {
        long n = 0;
        for (Path b : blobs) {
            n += Files.size(b);
        }
        return n;
    }

    private void step(String what) {
        progress.println("  .. " + what);
        progress.flush();
    }
}
