package io.driftwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What runs on each node carries only what it runs (issue 14): of Driftwatch's modules only
 * schemas (and metrics, which holds nothing of ours: Micrometer and the /metrics server), and no JUnit, testkit, Kafka Streams or streams app. The red-team tests start the CLI
 * from the test classpath, in a JVM of its own.
 */
class RuntimeClasspathTest {
    @Test
    void onlySchemasOfOursAndNoJUnit() throws Exception {
        Path file = Path.of("target", "runtime-classpath-for-tests.txt");
        assertTrue(Files.isRegularFile(file), "the build writes " + file.toAbsolutePath());
        List<String> jars = Arrays.stream(Files.readString(file).trim().split(File.pathSeparator))
                .map(RuntimeClasspathTest::artifact).toList();
        assertEquals(List.of("driftwatch-metrics", "driftwatch-schemas"), jars.stream().filter(j -> j.startsWith("driftwatch-"))
                .map(j -> j.replaceAll("-([0-9].*|classes)$", "")).sorted().toList());
        assertEquals(List.of(), jars.stream().filter(j -> j.startsWith("junit") || j.startsWith("opentest4j")
                || j.startsWith("kafka-streams")).toList());
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
