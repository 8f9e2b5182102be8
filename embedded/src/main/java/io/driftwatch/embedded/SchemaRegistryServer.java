package io.driftwatch.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apicurio Registry, run as a separate process on a free loopback port with in-memory
 * storage; clients use its Confluent-compatible API at {@link #confluentApiUrl()}. Apicurio 2.6
 * runs on the default Java 17, so the JVM running this class starts it unless
 * {@code DRIFTWATCH_REGISTRY_JAVA} names another java executable.
 */
public final class SchemaRegistryServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    public static final String JAVA_ENV = "DRIFTWATCH_REGISTRY_JAVA";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final String CCOMPAT_PATH = "/apis/ccompat/v7";

    private final Process process;
    private final int port;
    private final Path logFile;
    private final Thread shutdownHook;

    private SchemaRegistryServer(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
        this.shutdownHook = new Thread(this::kill, "schema-registry-stopper");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts the registry with its log and pid file in {@code workDir}, and waits until it answers. */
    public static SchemaRegistryServer start(Path workDir) throws IOException, InterruptedException {
        ApicurioDistribution distribution = ApicurioDistribution.locate();
        Files.createDirectories(workDir);
        IOException lastFailure = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            int port = freeLoopbackPort();
            try {
                return launch(distribution, workDir, port);
            } catch (IOException e) {
                // Another process may have taken the port between probing and binding: try another.
                lastFailure = e;
                LOG.warn("Schema registry did not start on port {} (attempt {}): {}", port, attempt, e.getMessage());
            }
        }
        throw lastFailure;
    }

    private static SchemaRegistryServer launch(ApicurioDistribution distribution, Path workDir, int port)
            throws IOException, InterruptedException {
        long began = System.nanoTime();
        Path logFile = workDir.resolve("schema-registry-" + port + ".log");
        List<String> command = new ArrayList<>(List.of(
                javaExecutable(),
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + freeLoopbackPort(),
                "-Dquarkus.log.console.enable=true",
                "-jar", distribution.runnerJar().toString()));
        Process process = new ProcessBuilder(command)
                .directory(distribution.home().toFile())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .start();
        SchemaRegistryServer server = new SchemaRegistryServer(process, port, logFile);
        Files.writeString(workDir.resolve("schema-registry-" + port + ".pid"), process.pid() + "\n");
        try {
            server.awaitReady();
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        LOG.info("Schema registry (Apicurio {}) ready at {} in {} ms, pid {}", distribution.version(), server.url(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), process.pid());
        return server;
    }

    private void awaitReady() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(confluentApiUrl() + "/subjects"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Schema registry process exited with code " + process.exitValue()
                        + " before it was ready; its log " + logFile + " ends with:\n" + logTail());
            }
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IOException("Schema registry was not ready within " + READY_TIMEOUT.toSeconds() + " s; its log "
                + logFile + " ends with:\n" + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    static String javaExecutable() {
        String configured = System.getenv(JAVA_ENV);
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A port that was free on 127.0.0.1 a moment ago. */
    public static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** The registry's base URL, e.g. {@code http://127.0.0.1:34567}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The Confluent-compatible API, the value for {@code schema.registry.url}. */
    public String confluentApiUrl() {
        return url() + CCOMPAT_PATH;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** Stops the process by its pid and waits for it to be gone. */
    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void kill() {
        ProcessHandle.of(process.pid()).ifPresent(handle -> {
            handle.descendants().forEach(ProcessHandle::destroy);
            handle.destroy();
            try {
                handle.onExit().get(15, TimeUnit.SECONDS);
            } catch (Exception notStopped) {
                handle.descendants().forEach(ProcessHandle::destroyForcibly);
                handle.destroyForcibly();
            }
        });
    }
}
