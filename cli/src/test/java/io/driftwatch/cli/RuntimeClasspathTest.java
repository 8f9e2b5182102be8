package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@code ./driftwatch} runs (issue 14): everything but JUnit and the test extensions. The
 * embedded stack that demo, run --embedded, bench and fuzz start has no JUnit of its own.
 */
class RuntimeClasspathTest {
    @Test
    void noJUnitAndNoTestkit() throws Exception {
        Path file = Path.of("target", "runtime-classpath-for-tests.txt");
        assertTrue(Files.isRegularFile(file), "the build writes " + file.toAbsolutePath());
        List<String> jars = Arrays.stream(Files.readString(file).trim().split(File.pathSeparator))
                .map(RuntimeClasspathTest::artifact).toList();
        for (String module : List.of("driftwatch-streams-app", "driftwatch-adapters", "driftwatch-notify",
                "driftwatch-embedded", "picocli")) {
            assertTrue(jars.stream().anyMatch(j -> j.startsWith(module)), module + " in " + jars);
        }
        assertEquals(List.of(), jars.stream().filter(j -> j.startsWith("junit") || j.startsWith("opentest4j")
                || j.startsWith("driftwatch-testkit")).toList());
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
