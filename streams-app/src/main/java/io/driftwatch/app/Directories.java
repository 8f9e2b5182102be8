package io.driftwatch.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** File-system housekeeping shared by replay and the embedded stack. */
public final class Directories {
    private Directories() {
    }

    /** The system property that names Driftwatch's home; the launcher sets it to the checkout's {@code .driftwatch}. */
    public static final String HOME_PROPERTY = "driftwatch.home";

    /**
     * Where Driftwatch keeps local state when nothing else is configured: the {@code driftwatch.home}
     * system property, else {@code ~/.driftwatch}. Never relative to the directory a command was
     * started in (the same app started from two directories would otherwise keep two states).
     */
    public static Path home() {
        String configured = System.getProperty(HOME_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".driftwatch").toAbsolutePath();
    }

    /** Deletes a directory tree; nothing happens when it is not there. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
