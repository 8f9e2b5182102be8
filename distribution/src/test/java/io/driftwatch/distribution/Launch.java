package io.driftwatch.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A command run to its end (bounded), or one left running, with its output (stdout and stderr) in a file. */
record Launch(int exitCode, String output) {

    static Launch run(Path dir, List<String> command, Map<String, String> env, Duration bound) throws Exception {
        Path log = Files.createTempFile(dir, "launch-", ".log");
        Process process = builder(dir, command, env, log).start();
        if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError(command + " did not end within " + bound + ":\n" + Files.readString(log));
        }
        return new Launch(process.exitValue(), Files.readString(log));
    }

    static Running start(Path dir, List<String> command, Map<String, String> env, Path log) throws IOException {
        return new Running(command, builder(dir, command, env, log).start(), log);
    }

    private static ProcessBuilder builder(Path dir, List<String> command, Map<String, String> env, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().clear();
        builder.environment().putAll(env);
        return builder;
    }

    /** A long-running command; closing it stops it (and whatever it started). */
    record Running(List<String> command, Process process, Path log) implements AutoCloseable {
        String output() throws IOException {
            return Files.readString(log);
        }

        void awaitOutput(String text, Duration bound) throws Exception {
            long deadline = System.nanoTime() + bound.toNanos();
            while (System.nanoTime() < deadline) {
                if (output().contains(text)) {
                    return;
                }
                if (!process.isAlive()) {
                    throw new AssertionError(command + " ended (exit " + process.exitValue() + ") before printing '"
                            + text + "':\n" + output());
                }
                Thread.sleep(200);
            }
            throw new AssertionError(command + " did not print '" + text + "' within " + bound + ":\n" + output());
        }

        @Override
        public void close() throws Exception {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
    }
}
