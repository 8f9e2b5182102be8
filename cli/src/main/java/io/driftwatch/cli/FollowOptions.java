package io.driftwatch.cli;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options of the ingest commands for reading their --file to its end or following it. */
final class FollowOptions {
    @Option(names = "--follow", description = "Keep reading what is appended (tail -F), until Ctrl-C or --duration.")
    boolean follow;

    @Option(names = "--from-start",
            description = "With --follow: read what the file holds already first (default: only what is appended).")
    boolean fromStart;

    @Option(names = "--progress", paramLabel = "SECONDS", defaultValue = "5",
            description = "With --follow: print progress this often (default: ${DEFAULT-VALUE}; 0: never).")
    long progressSeconds;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
            description = "With --follow: stop after this many seconds (default 0: run until Ctrl-C).")
    long durationSeconds;

    /** Without --follow the file must be there (with it, it is waited for). */
    void requireFile(Path file, String what) throws NoSuchFileException {
        if (!follow && !Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, what + " not found");
        }
    }
}
