package io.driftwatch.agent.redteam;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The streams app with its embedded Kafka broker and schema registry ({@code run --embedded}), in a
 * JVM of its own, as it would run beside the agent on a real cluster: the agent meets it only through
 * Kafka. The classpath comes from {@code -Ddriftwatch.streams.classpath} (the launcher sets it), else
 * this JVM's own (tests, where the streams app is on the test classpath).
 */
public final class StackProcess implements AutoCloseable {
    private static final Pattern ADDRESSES =
            Pattern.compile("driftwatch embedded: bootstrap.servers=(\\S+) schema.registry.url=(\\S+) signing.key.file=(\\S+)");

    private final Process process;
    private final String bootstrapServers;
    private final String registryUrl;
    private final Path signingKeyFile;
    private final List<String> output;

    private StackProcess(Process process, String bootstrapServers, String registryUrl, Path signingKeyFile,
            List<String> output) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
        this.signingKeyFile = signingKeyFile;
        this.output = output;
    }

    /** Starts it and waits until the app is RUNNING (at most {@code timeoutSeconds}); progress goes to {@code progress}. */
    public static StackProcess start(Path dir, PrintWriter progress, long timeoutSeconds) throws IOException, InterruptedException {
        return start(dir, progress, timeoutSeconds, true);
    }

    /** As {@link #start(Path, PrintWriter, long)}; without the app ({@code run --embedded --no-app}) when {@code app} is false. */
    public static StackProcess start(Path dir, PrintWriter progress, long timeoutSeconds, boolean app)
            throws IOException, InterruptedException {
        return start(dir, progress, timeoutSeconds, app, Map.of());
    }

    /**
     * As {@link #start(Path, PrintWriter, long, boolean)}, with {@code driftwatch.*} (or other app) settings for the
     * app: written to a properties file beside {@code dir} (run --embedded wipes dir) and passed with {@code --config}.
     * No settings: no file, the same command as before.
     */
    public static StackProcess start(Path dir, PrintWriter progress, long timeoutSeconds, boolean app,
            Map<String, String> settings) throws IOException, InterruptedException {
        String classpath = System.getProperty("driftwatch.streams.classpath", System.getProperty("java.class.path"));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(javaBin, "-Xmx768m", "-XX:+UseSerialGC", "-cp", classpath,
                "io.driftwatch.cli.Main", "run", "--embedded", "--partitions", "1", "--dir", dir.toString()));
        if (!app) {
            command.add("--no-app");
        }
        if (!settings.isEmpty()) {
            Path file = dir.toAbsolutePath().resolveSibling(dir.getFileName() + "-settings.properties");
            Files.createDirectories(file.getParent());
            Properties properties = new Properties();
            properties.putAll(settings);
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                properties.store(w, "settings for run --embedded");
            }
            command.addAll(List.of("--config", file.toString()));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<String[]> addresses = new CompletableFuture<>();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.add(line);
                    if (output.size() > 2_000) {
                        output.remove(0);
                    }
                    if (line.startsWith("  ok ") || line.startsWith("  .. ")) {
                        progress.println("  stack" + line.substring(1));
                        progress.flush();
                    }
                    Matcher m = ADDRESSES.matcher(line);
                    if (m.find()) {
                        addresses.complete(new String[] {m.group(1), m.group(2), m.group(3)});
                    }
                    if (line.startsWith("driftwatch ready:")) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            addresses.completeExceptionally(new IOException("the stack process ended"));
            ready.completeExceptionally(new IOException("the stack process ended"));
        }, "stack-output");
        reader.setDaemon(true);
        reader.start();
        try {
            String[] a = addresses.get(timeoutSeconds, TimeUnit.SECONDS);
            if (app) {
                ready.get(timeoutSeconds, TimeUnit.SECONDS);
            }
            return new StackProcess(process, a[0], a[1], Path.of(a[2]), output);
        } catch (Exception e) {
            process.destroyForcibly();
            String why = process.isAlive() ? "did not come up within " + timeoutSeconds + " s"
                    : "exited with code " + process.exitValue();
            throw new IOException("the streams app (run --embedded) " + why + "; its last output:\n  "
                    + String.join("\n  ", tail(output, 30)), e);
        }
    }

    private static List<String> tail(List<String> lines, int n) {
        synchronized (lines) {
            return new ArrayList<>(lines.subList(Math.max(0, lines.size() - n), lines.size()));
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String registryUrl() {
        return registryUrl;
    }

    /** The key the app signs response commands with (generated by run --embedded). */
    public Path signingKeyFile() {
        return signingKeyFile;
    }

    /** The JVM's pid (its broker runs in it; the schema registry is a process of its own). */
    public long pid() {
        return process.pid();
    }

    public List<String> lastOutput(int lines) {
        return tail(output, lines);
    }

    /** SIGTERM, then waits for a clean stop (the app closes, the broker and registry stop). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
