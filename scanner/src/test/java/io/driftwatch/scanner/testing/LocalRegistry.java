package io.driftwatch.scanner.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real registry for tests: Debian's {@code docker-registry} (the CNCF distribution registry) on a free loopback
 * port, storing under {@code dir}. Start one per test class. {@code extraConfig} is appended to the YAML
 * configuration (an {@code auth:} section, say); {@code tls} paths add an {@code http.tls} section.
 */
public final class LocalRegistry implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private LocalRegistry(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static LocalRegistry start(Path dir) throws IOException, InterruptedException {
        return start(dir, "", null, null);
    }

    public static LocalRegistry start(Path dir, String extraConfig, Path tlsCert, Path tlsKey)
            throws IOException, InterruptedException {
        String binary = ExternalTools.require("docker-registry");
        Files.createDirectories(dir);
        int port = freePort();
        StringBuilder config = new StringBuilder()
                .append("version: 0.1\n")
                .append("log:\n  level: info\n  accesslog:\n    disabled: true\n")
                .append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("storage")).append('\n')
                .append("  delete:\n    enabled: true\n")
                .append("http:\n  addr: 127.0.0.1:").append(port).append('\n')
                .append("  secret: driftwatch-test-secret\n");
        if (tlsCert != null) {
            config.append("  tls:\n    certificate: ").append(tlsCert).append("\n    key: ").append(tlsKey).append('\n');
        }
        config.append(extraConfig);
        Path configFile = dir.resolve("config.yml");
        Files.writeString(configFile, config);
        Process p = new ProcessBuilder(binary, "serve", configFile.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile()).start();
        LocalRegistry registry = new LocalRegistry(p, port, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("docker-registry exited " + p.exitValue() + ":\n"
                        + Files.readString(dir.resolve("registry.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return registry;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        registry.close();
        throw new IOException("docker-registry did not listen on " + port + " within 30 s:\n"
                + Files.readString(dir.resolve("registry.log")));
    }

    /** 127.0.0.1:PORT */
    public String host() {
        return "127.0.0.1:" + port;
    }

    /** Where the registry keeps a blob ("storage/docker/registry/v2/blobs/sha256/ab/abcd.../data"). */
    public Path blobData(String digest) {
        String hex = digest.substring("sha256:".length());
        return dir.resolve("storage/docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
    }

    public String log() throws IOException {
        return Files.readString(dir.resolve("registry.log"));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
