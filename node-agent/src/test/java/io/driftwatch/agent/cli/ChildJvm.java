package io.driftwatch.agent.cli;

import io.driftwatch.testkit.TestkitDirectories;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM of its own started from this test JVM's classpath, as the launcher would start it, with its output kept line
 * by line (and copied to a log file). Class directories are copied once per test run, so that another build of the
 * working tree meanwhile cannot change the classes under it; surefire's manifest-only jar is unfolded into its entries.
 * A test run that ends early does not leave it behind.
 */
final class ChildJvm implements AutoCloseable {
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
    private static String classpath;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "child-jvm-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path log;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean outputEnded;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code java -Xmx<heap> -XX:+UseSerialGC -cp <this JVM's classpath> <mainAndArgs>}; its output also goes to {@code log}. */
    static ChildJvm start(String name, String heap, Path log, List<String> mainAndArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:+UseSerialGC", "-cp", classpath()));
        command.addAll(mainAndArgs);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // Everything comes from the flags, nothing from this JVM's environment.
        builder.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("DRIFTWATCH_") || k.equals("NODE_NAME"));
        Files.createDirectories(log.getParent());
        Process process = builder.start();
        RUNNING.add(process);
        ChildJvm jvm = new ChildJvm(name, process, log);
        Thread reader = new Thread(jvm::copyOutput, name + "-output");
        reader.setDaemon(true);
        reader.start();
        return jvm;
    }

    private void copyOutput() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter file = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                file.println(line);
                file.flush();
            }
        } catch (IOException e) {
            // the process ended
        } finally {
            outputEnded = true;
        }
    }

    /** Waits for a line matching {@code pattern} (searched for anywhere in the line); fails if its output ends first. */
    Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (true) {
            List<String> now = lines();
            for (; seen < now.size(); seen++) {
                Matcher m = pattern.matcher(now.get(seen));
                if (m.find()) {
                    return m;
                }
            }
            if (outputEnded && seen == lines().size()) {
                throw new AssertionError(name + " ended before printing /" + pattern
                        + "/; its output (" + log + "):\n" + tail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " printed no line matching /" + pattern + "/ within " + timeout
                        + "; its output (" + log + "):\n" + tail(40));
            }
            Thread.sleep(100);
        }
    }

    List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    String tail(int n) {
        List<String> all = lines();
        return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for it to end by itself; its exit code, or fails after {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still running " + timeout + " later; its output:\n" + tail(40));
        }
        RUNNING.remove(process);
        return process.exitValue();
    }

    /** SIGTERM (its shutdown hooks run), then SIGKILL after {@code grace}; the exit code. */
    int stop(Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        RUNNING.remove(process);
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(30));
        }
    }

    /** This JVM's classpath as explicit entries, its class directories copied (once per test run). */
    static synchronized String classpath() throws IOException {
        if (classpath == null) {
            Path copies = TestkitDirectories.root().resolve("child-jvm-classpath-" + ProcessHandle.current().pid());
            List<String> paths = new ArrayList<>();
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
            classpath = String.join(File.pathSeparator, paths);
        }
        return classpath;
    }

    private static List<Path> ownClasspath() throws IOException {
        String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
        String manifestPath = null;
        if (entries.length == 1 && entries[0].endsWith(".jar")) {
            try (JarFile jar = new JarFile(entries[0])) {
                Manifest manifest = jar.getManifest();
                manifestPath = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
            }
        }
        List<Path> paths = new ArrayList<>();
        if (manifestPath == null || manifestPath.isBlank()) {
            for (String entry : entries) {
                paths.add(Path.of(entry).toAbsolutePath());
            }
            return paths;
        }
        URI base = Path.of(entries[0]).toAbsolutePath().getParent().toUri();
        for (String entry : manifestPath.trim().split("\\s+")) {
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
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
