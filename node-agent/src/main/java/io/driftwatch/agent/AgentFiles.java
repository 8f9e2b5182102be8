package io.driftwatch.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** File housekeeping for the agent's own scratch directories (red team, sensor bench). */
public final class AgentFiles {
    private AgentFiles() {
    }

    /** Deletes a directory tree, best effort: nothing happens when it is not there, and what cannot go stays. */
    public static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
