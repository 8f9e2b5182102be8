package io.driftwatch.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The demo's responder: the node agent's {@code respond} command for one node, in dry run, in a JVM of its own, as it
 * runs on a real node: it meets the app only through the topics, and checks the commands' signatures with the key
 * the demo's app signs them with. Its output goes to a log file; it stops when the demo closes it, and on its own
 * when the demo's JVM ends however it ends ({@code respond --stop-with}).
 *
 * <p>cli cannot depend on node-agent (node-agent's tests depend on cli), so the agent's classes come from the
 * {@value #CLASSPATH} system property (the launcher sets it), else from this JVM's own classpath (a node-agent test).
 */
final class DemoResponder implements AutoCloseable {
    static final String CLASSPATH = "driftwatch.agent.classpath";
    private static final String MAIN = "io.driftwatch.agent.cli.AgentMain";

    private final Process process;
    private final Path log;
    private volatile boolean closing;

    private DemoResponder(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the responder for {@code node}, its state under {@code dir/responder} and its output in
     * {@code dir/responder.log}; when the agent's classes are not to be found, says so in one line on {@code out} and
     * returns null.
     */
    static DemoResponder start(String node, String bootstrapServers, String registryUrl, String topicPrefix, Path signingKey,
            Path dir, PrintWriter out) throws IOException {
        String classpath = System.getProperty(CLASSPATH);
        if (classpath == null || classpath.isBlank()) {
            classpath = System.getProperty("java.class.path");
        }
        if (!holdsAgent(classpath)) {
            out.println("  -- no responder: the node agent's classes are not on " + (System.getProperty(CLASSPATH) == null
                    ? "this JVM's classpath (set -D" + CLASSPATH + ", as ./driftwatch does)" : "-D" + CLASSPATH)
                    + "; commands will get no results");
            out.flush();
            return null;
        }
        Path log = dir.resolve("responder.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", classpath, MAIN, "respond",
                "--node", node,
                "--bootstrap-server", bootstrapServers,
                "--schema-registry-url", registryUrl,
                "--topic-prefix", topicPrefix,
                "--signing-key-file", signingKey.toString(),
                "--responder-dir", dir.resolve("responder").toString(),
                // The demo's own child: no metrics port, so that a port in use never keeps the responder from starting.
                "--metrics-port", "0",
                "--stop-with", Long.toString(ProcessHandle.current().pid())));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        DemoResponder responder = new DemoResponder(process, log);
        process.onExit().thenAccept(p -> {
            if (!responder.closing) {
                out.println("  !! the responder (pid " + p.pid() + ") exited with code " + p.exitValue()
                        + "; commands get no more results; its log: " + log);
                out.flush();
            }
        });
        return responder;
    }

    /** Whether the agent's command line is on {@code classpath} (manifest Class-Path entries followed, as java does). */
    private static boolean holdsAgent(String classpath) {
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                try {
                    urls.add(Path.of(entry).toAbsolutePath().toUri().toURL());
                } catch (MalformedURLException | RuntimeException e) {
                    // not a path: java would ignore it too
                }
            }
        }
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), null)) {
            return loader.findResource(MAIN.replace('.', '/') + ".class") != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** A fresh random key (32 bytes, base64) in {@code file}, readable by its owner only, as {@code run --embedded} makes. */
    static Path newSigningKey(Path file) throws IOException {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Files.writeString(file, Base64.getEncoder().encodeToString(secret) + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /** SIGTERM, so that it finishes the command in hand and closes its clients; SIGKILL after 15 s. */
    @Override
    public void close() {
        closing = true;
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
