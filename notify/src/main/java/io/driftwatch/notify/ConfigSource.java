package io.driftwatch.notify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/** The file being read: where its keys are (line by JSON pointer), the environment, and how references resolve. */
final class ConfigSource {
    /**
     * An environment under which no secret is read: every variable and secret file stands for a placeholder that
     * passes the checks (an https URL), for checking a file's structure and names where its secrets are not set.
     */
    static final Map<String, String> ANY_SECRET = java.util.Collections.unmodifiableMap(new java.util.HashMap<>());
    private static final String PLACEHOLDER = "https://secret.invalid/";

    private final String file;
    private final Path baseDir;
    private final Map<String, String> env;
    private final Map<String, Integer> lines;

    ConfigSource(String file, Path baseDir, Map<String, String> env, Map<String, Integer> lines) {
        this.file = file;
        this.baseDir = baseDir;
        this.env = env;
        this.lines = lines;
    }

    /** The line of a key or value; for a path not in the file (a key that is missing), the line of its parent. */
    int line(String pointer) {
        return io.driftwatch.schemas.yaml.YamlLines.lineOf(lines, pointer);
    }

    NotifierConfigException error(String pointer, String message) {
        return new NotifierConfigException(file, line(pointer), message);
    }

    /** An environment variable that must be set (a secret or URL given by reference). */
    String env(String name, String pointer) throws NotifierConfigException {
        if (env == ANY_SECRET) {
            return PLACEHOLDER;
        }
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw error(pointer, "environment variable " + name + " is not set");
        }
        return value.strip();
    }

    /** A file's content without surrounding white space (a secret or URL given by reference); relative to the notifiers file. */
    String file(String name, String pointer) throws NotifierConfigException {
        Path path = baseDir.resolve(name);
        if (env == ANY_SECRET) {
            return PLACEHOLDER;
        }
        try {
            String value = Files.readString(path, StandardCharsets.UTF_8).strip();
            if (value.isEmpty()) {
                throw error(pointer, "file " + path + " is empty");
            }
            return value;
        } catch (NoSuchFileException e) {
            throw error(pointer, "file " + path + " not found");
        } catch (IOException e) {
            throw error(pointer, "cannot read " + path + ": " + e.getMessage());
        }
    }

    /** {@code env:NAME} or {@code file:PATH}, as written inside {@code ${...}}. */
    String reference(String ref, String pointer) throws NotifierConfigException {
        if (ref.startsWith("env:")) {
            return env(ref.substring(4).trim(), pointer);
        }
        return file(ref.substring(5).trim(), pointer);
    }
}
