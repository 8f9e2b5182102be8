package io.driftwatch.testkit;

import java.nio.file.Path;

/** Where test-run state goes: {@code target/testkit} of the module under test, never /tmp. */
public final class TestkitDirectories {
    static final String PROPERTY = "driftwatch.testkit.dir";

    private TestkitDirectories() {
    }

    public static Path root() {
        return Path.of(System.getProperty(PROPERTY, "target/testkit")).toAbsolutePath();
    }
}
