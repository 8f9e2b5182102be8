package io.driftwatch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The deployed stream processor carries only what it runs (issue 14): no JUnit, no test
 * extensions, no embedded broker or registry and no command-line parser on the runtime classpath,
 * which the build writes to target/runtime-classpath.txt. The CLI module adds those it needs.
 */
class RuntimeClasspathTest {
    @Test
    void onlyWhatTheProcessorRuns() throws Exception {
        Path file = Path.of("target", "runtime-classpath.txt");
        assertTrue(Files.isRegularFile(file), "the build writes " + file.toAbsolutePath());
        List<String> jars = Arrays.stream(Files.readString(file).trim().split(File.pathSeparator))
                .map(RuntimeClasspathTest::artifact).toList();
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("kafka-streams-")), jars.toString());
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("driftwatch-rules-drl")), jars.toString());
        assertEquals(List.of(), jars.stream().filter(j -> j.startsWith("junit") || j.startsWith("opentest4j")
                || j.startsWith("driftwatch-testkit") || j.startsWith("driftwatch-embedded")
                || j.startsWith("driftwatch-cli") || j.startsWith("driftwatch-adapters")
                || j.startsWith("driftwatch-notify") || j.startsWith("picocli")).toList());
    }

    /** A jar's file name; a module of this build not packaged yet ({@code mvn test}) by its module's name. */
    private static String artifact(String entry) {
        Path path = Path.of(entry);
        if (path.endsWith(Path.of("target", "classes"))) {
            return "driftwatch-" + path.getParent().getParent().getFileName() + "-classes";
        }
        return path.getFileName().toString();
    }
}
