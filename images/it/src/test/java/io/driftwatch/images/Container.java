package io.driftwatch.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An image tarball as a container runtime sees it: {@code skopeo copy docker-archive:TAR oci:DIR:TAG}, {@code umoci
 * unpack} into a runc bundle, then containers run from that bundle's root filesystem with runc, in the host's network
 * namespace (so they reach the test broker on loopback). Each container gets a bundle directory of its own (its
 * config.json) over the one unpacked root filesystem.
 */
final class Container implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String id;
    private final Process process;
    private final Path log;
    private final Path runcRoot;

    private Container(String id, Process process, Path log, Path runcRoot) {
        this.id = id;
        this.process = process;
        this.log = log;
        this.runcRoot = runcRoot;
    }

    /** Requires skopeo, umoci and runc: CI installs them (.ci/run); a machine without them fails here, by name. */
    static void requireTools() {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("skopeo", "umoci", "runc")) {
            if (!onPath(tool)) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError("the image tests need " + missing + " on PATH (Debian: apt-get install "
                    + String.join(" ", missing) + "; .ci/run installs them)");
        }
        if (ProcessHandle.current().info().user().map(u -> !u.equals("root")).orElse(true)) {
            throw new AssertionError("the image tests run containers with runc, which needs root");
        }
    }

    /** The tarball converted and unpacked: returns the bundle directory (config.json and rootfs/). */
    static Path unpack(Path tarball, Path work, String name) throws Exception {
        if (!Files.isRegularFile(tarball)) {
            throw new AssertionError("the image module's package phase builds " + tarball);
        }
        Path layout = work.resolve(name + "-oci");
        Path bundle = work.resolve(name + "-bundle");
        exec(work, Duration.ofMinutes(3), "skopeo", "copy", "--quiet", "docker-archive:" + tarball, "oci:" + layout + ":test");
        exec(work, Duration.ofMinutes(3), "umoci", "unpack", "--image", layout + ":test", bundle.toString());
        return bundle;
    }

    /** The image's configuration as umoci wrote it into the bundle (entrypoint and command, user, environment). */
    static JsonNode config(Path bundle) throws IOException {
        return JSON.readTree(bundle.resolve("config.json").toFile());
    }

    /**
     * Starts a container from {@code bundle}'s root filesystem with the image's entrypoint and {@code args} (or the
     * image's own command when null), extra environment variables, the host's network, and output to a log file.
     */
    static Container start(Path bundle, Path work, String id, List<String> args, List<String> env) throws Exception {
        ObjectNode config = (ObjectNode) config(bundle);
        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", false);
        if (args != null) {
            ArrayNode argv = process.putArray("args");
            // umoci writes entrypoint and command into args; the entrypoint is the java command up to the main class.
            List<String> image = new ArrayList<>();
            config(bundle).get("process").get("args").forEach(a -> image.add(a.asText()));
            int mainClass = mainClassIndex(image);
            image.subList(0, mainClass + 1).forEach(argv::add);
            args.forEach(argv::add);
        }
        ArrayNode environment = (ArrayNode) process.get("env");
        env.forEach(environment::add);
        ((ObjectNode) config.get("root")).put("path", bundle.resolve("rootfs").toAbsolutePath().toString())
                .put("readonly", false);
        // The host's network: drop the network namespace.
        ArrayNode namespaces = (ArrayNode) config.get("linux").get("namespaces");
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            if ("network".equals(namespaces.get(i).get("type").asText())) {
                namespaces.remove(i);
            }
        }
        Path dir = Files.createDirectories(work.resolve("containers").resolve(id));
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        Path runcRoot = Files.createDirectories(work.resolve("runc"));
        Path log = dir.resolve("output.log");
        Process runc = new ProcessBuilder("runc", "--root", runcRoot.toString(), "run", "--bundle", dir.toString(), id)
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                        Path.of("/dev/null").toFile())).start();
        return new Container(id, runc, log, runcRoot);
    }

    private static int mainClassIndex(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).startsWith("io.driftwatch.")) {
                return i;
            }
        }
        throw new AssertionError("no main class in the image's entrypoint: " + args);
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    /** Waits for the container to end; returns its exit code. */
    int await(Duration bound) throws Exception {
        if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("container " + id + " did not end within " + bound + ":\n" + output());
        }
        return process.exitValue();
    }

    void awaitOutput(String text, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (output().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("container " + id + " ended (exit " + process.exitValue() + ") before printing '"
                        + text + "':\n" + output());
            }
            Thread.sleep(200);
        }
        throw new AssertionError("container " + id + " did not print '" + text + "' within " + bound + ":\n" + output());
    }

    /** The host pid of the container's first process (runc state). */
    long pid() throws Exception {
        String state = exec(Path.of("."), Duration.ofSeconds(30), "runc", "--root", runcRoot.toString(), "state", id);
        return JSON.readTree(state).get("pid").asLong();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            new ProcessBuilder("runc", "--root", runcRoot.toString(), "kill", id, "KILL").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
            process.waitFor(30, TimeUnit.SECONDS);
        }
        new ProcessBuilder("runc", "--root", runcRoot.toString(), "delete", "-f", id).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
        process.destroyForcibly();
    }

    static String exec(Path dir, Duration bound, String... command) throws Exception {
        Path out = Files.createTempFile("container-exec-", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not end within " + bound);
            }
            String output = Files.readString(out);
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n" + output);
            }
            return output;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }
}
