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
 * The deployed app carries only what it runs (issue 14): no JUnit and no test extensions on the
 * runtime classpath, which the build writes to target/runtime-classpath.txt. The embedded stack
 * (demo, run --embedded, bench, fuzz) comes from the embedded module, which has no JUnit.
 */
class RuntimeClasspathTest {
    @Test
    void noJUnitAndNoTestkitAtRuntime() throws Exception {
        Path file = Path.of("target", "runtime-classpath.txt");
        assertTrue(Files.isRegularFile(file), "the build writes " + file.toAbsolutePath());
        List<String> jars = Arrays.stream(Files.readString(file).trim().split(File.pathSeparator))
                .map(entry -> Path.of(entry).getFileName().toString()).toList();
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("driftwatch-embedded")), jars.toString());
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("kafka-streams-")), jars.toString());
        assertEquals(List.of(), jars.stream().filter(j -> j.startsWith("junit") || j.startsWith("opentest4j")
                || j.startsWith("driftwatch-testkit")).toList());
    }
}
