package io.driftwatch.agent.eventgen;

import io.driftwatch.agent.NodeAgent;
import io.driftwatch.agent.fanotify.FanotifySensor;
import io.driftwatch.agent.publish.Publisher;
import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

/**
 * A runc busybox-static container (its root on a tmpfs of its own, {@link RuncSandbox}) whose image is prepared
 * before the node agent ({@link NodeAgent}, {@code FanotifySensor.Config.defaults}) starts watching it, so preparing
 * it is no action. Its alerts and audit trail are read by the {@link SharedStack}.
 */
final class WatchedContainer implements AutoCloseable {
    /** What goes into the image before the agent watches: files written on the host side of the rootfs. */
    interface Image {
        void prepare(Path rootfs) throws IOException;
    }

    private final RuncSandbox sandbox;
    private final NodeAgent agent;

    private WatchedContainer(RuncSandbox sandbox, NodeAgent agent) {
        this.sandbox = sandbox;
        this.agent = agent;
    }

    static WatchedContainer start(SharedStack stack, Path workDir, String id, String node, RuncSandbox.Options options,
            Image image) throws IOException {
        Map<String, String> annotations = Map.of(
                "io.kubernetes.cri.sandbox-name", id,
                "io.kubernetes.cri.sandbox-namespace", "eventgen",
                "io.kubernetes.cri.container-name", "app",
                "io.kubernetes.cri.image-name", "busybox:static");
        stack.watch(id);
        RuncSandbox sandbox = RuncSandbox.create(workDir, id, annotations, options);
        NodeAgent agent = null;
        try {
            image.prepare(sandbox.rootfs());
            RuntimeWatcher.Config watcher = RuntimeWatcher.Config.runcOnly(sandbox.stateRoot())
                    .withPollInterval(Duration.ofMillis(200));
            Publisher.Config publisher = new Publisher.Config(stack.bootstrapServers(), stack.registryUrl(),
                    "driftwatch.file-events", "driftwatch.container-metadata", 100_000, Map.of());
            agent = new NodeAgent(node, FanotifySensor.Config.defaults(node), watcher, publisher).start();
            if (!agent.failures().isEmpty()) {
                throw new IllegalStateException("the agent could not watch the container: " + agent.failures());
            }
            if (agent.watcher().byId(id).isEmpty()) {
                throw new IllegalStateException("the runtime watcher did not find container " + id);
            }
            return new WatchedContainer(sandbox, agent);
        } catch (IOException | RuntimeException e) {
            if (agent != null) {
                agent.close();
            }
            sandbox.close();
            throw e;
        }
    }

    String id() {
        return sandbox.id();
    }

    RuncSandbox sandbox() {
        return sandbox;
    }

    NodeAgent agent() {
        return agent;
    }

    /** {@code sh -c script} in the container ({@code runc exec}), as root. */
    RuncSandbox.ExecResult sh(String script) {
        return sandbox.exec("sh", "-c", script);
    }

    @Override
    public void close() {
        try {
            agent.close();
        } finally {
            sandbox.close();
        }
    }

    // Helpers for images.

    static void write(Path rootfs, String path, String content, String mode) throws IOException {
        Path file = rootfs.resolve(path.substring(1));
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    }

    static void directory(Path rootfs, String path) throws IOException {
        Path dir = rootfs.resolve(path.substring(1));
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A copy of the container's busybox under another name (a program of its own, as its exe says). */
    static void busyboxCopy(Path rootfs, String path) throws IOException {
        Path file = rootfs.resolve(path.substring(1));
        Files.createDirectories(file.getParent());
        Files.copy(rootfs.resolve("bin/busybox"), file, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    static void symlink(Path rootfs, String path, String target) throws IOException {
        Path link = rootfs.resolve(path.substring(1));
        Files.createDirectories(link.getParent());
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, Path.of(target));
    }
}
