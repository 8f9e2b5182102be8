package io.driftwatch.scanner.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The programs the *IT tests drive (skopeo, umoci, docker-registry): found on PATH, or the test fails saying how to get them. */
public final class ExternalTools {
    private ExternalTools() {
    }

    /** The absolute path of {@code tool}; fails the test (never skips) when it is not installed. */
    public static String require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return fail(tool + " is not installed: run .ci/run, which installs it (apt-get install "
                + (tool.equals("docker-registry") ? "docker-registry" : tool) + ")");
    }

    /** Runs a command to completion (2 minutes at most); fails the test with its output when it exits non-zero. */
    public static String run(String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        cmd.set(0, require(cmd.get(0)));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return fail(String.join(" ", command) + " did not finish in 2 minutes:\n" + out);
            }
            if (p.exitValue() != 0) {
                return fail(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + out);
            }
            return out;
        } catch (IOException e) {
            return fail(String.join(" ", command) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }
}
