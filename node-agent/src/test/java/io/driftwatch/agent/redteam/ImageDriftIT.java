package io.driftwatch.agent.redteam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.agent.runc.RuncSandbox;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image drift end to end, the red-team way: an OCI image is built here with umoci from exactly a sandbox's content
 * (busybox-static and its applets, plus a {@code /usr/bin/healthcheck} script), scanned with {@code driftwatch scan
 * --publish} into the image-baselines topic of a streams app running in a JVM of its own, and run as a real runc
 * container whose {@code io.driftwatch.image.digest} annotation names the image. The node agent (fanotify sensor,
 * executed files hashed) watches it. The image's own programs raise no drift alert; a program the image does not hold,
 * an image program replaced and run, and an executable planted in an image directory each raise their drift rule
 * within 5 s. Needs root, runc, busybox-static and umoci (.ci/run installs them).
 */
class ImageDriftIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void driftIsAlertedWithinFiveSecondsAndTheImagesOwnProgramsAreNot() throws Exception {
        RuncSandbox.requirePrerequisites(Path.of("/bin/busybox"));
        Path layout = tmp.resolve("image");
        Path bundle = tmp.resolve("bundle");
        String image = layout + ":1.0";
        run("umoci", "init", "--layout", layout.toString());
        run("umoci", "new", "--image", image);
        run("umoci", "unpack", "--image", image, bundle.toString());
        RuncSandbox.populate(bundle.resolve("rootfs"), Path.of("/bin/busybox"));
        RedTeam.prepareDriftImage(bundle.resolve("rootfs"));
        run("umoci", "repack", "--image", image, bundle.toString());
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        String digest = index.path("manifests").path(0).path("digest").asText();
        assertTrue(digest.matches("sha256:[0-9a-f]{64}"), index.toString());

        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true);
        try (StackProcess stack = StackProcess.start(tmp.resolve("stack"), out, 240)) {
            StringWriter scanOut = new StringWriter();
            int scanned = io.driftwatch.cli.Main.commandLine().setOut(new PrintWriter(scanOut, true))
                    .setErr(new PrintWriter(scanOut, true))
                    .execute("scan", "oci:" + image, "--publish", "--bootstrap-server", stack.bootstrapServers(),
                            "--schema-registry-url", stack.registryUrl(), "--fail-on", "none", "--format", "json");
            assertEquals(0, scanned, scanOut.toString());
            assertTrue(scanOut.toString().contains(digest), "the scan names the image's digest:\n" + scanOut);

            RedTeam.Report report = new RedTeam(new RedTeam.Config(stack.bootstrapServers(), stack.registryUrl(),
                    tmp.resolve("work"), Duration.ofSeconds(5), "drift-node"), out, RedTeam.drift(digest)).run();
            String output = text.toString();
            System.out.println(output);
            assertEquals(3, report.steps().size(), output);
            for (RedTeam.Outcome o : report.steps()) {
                assertTrue(o.passed(), "no " + o.step().ruleId() + " for '" + o.step().name() + "' within 5 s:\n" + output);
                assertTrue(o.latencyMs() <= 5_000, o.step().name() + ": " + o.latencyMs() + " ms");
            }
            assertTrue(report.checks().stream().anyMatch(c -> c.name().startsWith("the image's own programs")), output);
            assertTrue(report.passed(), "a check failed:\n" + report.checks() + "\n" + output);
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (is umoci installed? .ci/run installs it):\n"
                    + output);
        }
    }
}
