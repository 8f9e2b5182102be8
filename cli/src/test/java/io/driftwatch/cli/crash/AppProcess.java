package io.driftwatch.cli.crash;

import io.driftwatch.testkit.TestkitDirectories;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Driftwatch instance as a separate JVM, as operators run it: {@code java -Xmx512m -cp ...
 * io.driftwatch.cli.Main run --config FILE}, with its own properties file, state directory and log
 * file. Readiness is the line {@code driftwatch ready: active [..] standby [..] partitions [..]} that
 * {@code run} prints each time the instance is RUNNING with a new set of tasks. {@link #kill()} is
 * SIGKILL ({@code kill -9}): no shutdown hook, no commit, no clean close of the state stores.
 */
final class AppProcess implements AutoCloseable {
    static final String READY = "driftwatch ready: ";
    private static final Pattern READY_LINE = Pattern.compile(
            "driftwatch ready: active \\[(.*?)] standby \\[(.*?)] partitions \\[(.*?)]");
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        // A test run that is killed or fails must not leave app JVMs behind.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "app-process-reaper"));
    }

    private final String name;
    private final Path dir;
    private final Path log;
    private final Process process;

    private AppProcess(String name, Path dir, Path log, Process process) {
        this.name = name;
        this.dir = dir;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts instance {@code name} under {@code dir} (its properties file, state directory
     * {@code dir/state} unless the configuration names one, and log {@code dir/<name>-N.log}, a new one per
     * start), with a 512 MB heap.
     */
    static AppProcess start(String name, Path dir, Map<String, String> config) throws IOException {
        Files.createDirectories(dir);
        Properties props = new Properties();
        props.put("state.dir", dir.resolve("state").toString());
        props.putAll(config);
        Path configFile = dir.resolve(name + ".properties");
        try (Writer out = Files.newBufferedWriter(configFile)) {
            props.store(out, "Driftwatch instance " + name);
        }
        int n = 1;
        while (Files.exists(dir.resolve(name + "-" + n + ".log"))) {
            n++;
        }
        Path log = dir.resolve(name + "-" + n + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC",
                "-cp", classpath(),
                "io.driftwatch.cli.Main", "run", "--config", configFile.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        // The instance takes its whole configuration from the file, not from this JVM's environment.
        builder.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("DRIFTWATCH_"));
        Process process = builder.start();
        RUNNING.add(process);
        return new AppProcess(name, dir, log, process);
    }

    /**
     * This JVM's classpath, as a list of entries another JVM can use: surefire runs the tests from a
     * manifest-only jar whose {@code Class-Path} names the real entries (relative to the jar or as URLs).
     * Class directories ({@code target/classes}, {@code target/test-classes}) are copied once per test run
     * under the testkit directory, so the app JVMs run the classes this run started with even when the
     * module is rebuilt meanwhile.
     */
    static synchronized String classpath() throws IOException {
        if (classpath == null) {
            List<String> paths = new ArrayList<>();
            Path copies = TestkitDirectories.root().resolve("app-classpath-" + ProcessHandle.current().pid());
            int n = 0;
            for (Path entry : ownClasspath()) {
                if (Files.isDirectory(entry)) {
                    Path copy = copies.resolve(n++ + "-" + entry.getFileName());
                    copyTree(entry, copy);
                    paths.add(copy.toString());
                } else {
                    paths.add(entry.toString());
                }
            }
            classpath = String.join(java.io.File.pathSeparator, paths);
        }
        return classpath;
    }

    private static String classpath;

    private static List<Path> ownClasspath() throws IOException {
        List<Path> paths = new ArrayList<>();
        String own = System.getProperty("java.class.path");
        String[] entries = own.split(java.io.File.pathSeparator);
        Manifest manifest = null;
        if (entries.length == 1 && entries[0].endsWith(".jar")) {
            try (JarFile file = new JarFile(entries[0])) {
                manifest = file.getManifest();
            }
        }
        String classPath = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
        if (classPath == null || classPath.isBlank()) {
            for (String entry : entries) {
                paths.add(Path.of(entry).toAbsolutePath());
            }
            return paths;
        }
        URI base = Path.of(entries[0]).toAbsolutePath().getParent().toUri();
        for (String entry : classPath.trim().split("\\s+")) {
            paths.add(Path.of(base.resolve(entry)));
        }
        return paths;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path source : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    Path dir() {
        return dir;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The readiness lines printed so far, oldest first. */
    List<Ready> readyLines() {
        List<Ready> lines = new ArrayList<>();
        Matcher m = READY_LINE.matcher(output());
        while (m.find()) {
            lines.add(new Ready(set(m.group(1)), set(m.group(2)), set(m.group(3))));
        }
        return lines;
    }

    /** The latest readiness line, or null before the first. */
    Ready lastReady() {
        List<Ready> lines = readyLines();
        return lines.isEmpty() ? null : lines.get(lines.size() - 1);
    }

    /** Waits until the instance is RUNNING (a readiness line that satisfies {@code wanted}); fails if it exits. */
    Ready awaitReady(java.util.function.Predicate<Ready> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Ready last = lastReady();
            if (last != null && wanted.test(last)) {
                return last;
            }
            if (!process.isAlive()) {
                throw new AssertionError("instance " + name + " exited with " + process.exitValue() + " before it was ready; log "
                        + log + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("instance " + name + " not ready within " + timeout + " (last: " + last + "); log "
                        + log + ":\n" + tail());
            }
            Thread.sleep(100);
        }
    }

    Ready awaitReady(Duration timeout) throws InterruptedException {
        return awaitReady(r -> true, timeout);
    }

    /** The last lines of the log, for failure messages. */
    String tail() {
        String[] lines = output().split("\n");
        return String.join("\n", java.util.Arrays.asList(lines).subList(Math.max(0, lines.length - 40), lines.length));
    }

    /** {@code kill -9}: the JVM dies at once, mid-transaction, without closing anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("instance " + name + " (pid " + pid() + ") still alive 30 s after SIGKILL");
        }
        RUNNING.remove(process);
    }

    /** SIGTERM: the app closes (commits, closes its stores) and exits; SIGKILL after 60 s. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        RUNNING.remove(process);
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
        closeStreams(process);
    }

    private static void closeStreams(Process process) {
        for (java.io.Closeable c : new java.io.Closeable[] {process.getOutputStream(), process.getInputStream(),
                process.getErrorStream()}) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    private static Set<String> set(String list) {
        Set<String> values = new TreeSet<>();
        for (String item : list.split(",")) {
            if (!item.isBlank()) {
                values.add(item.trim());
            }
        }
        return values;
    }

    /** One readiness line: active and standby task ids ({@code 0_1}) and input partitions ({@code topic-1}). */
    record Ready(Set<String> active, Set<String> standby, Set<String> partitions) {
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + (isAlive() ? "" : ", exited") + ", log " + log + ")";
    }
}
