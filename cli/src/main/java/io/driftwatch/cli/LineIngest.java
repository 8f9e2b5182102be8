package io.driftwatch.cli;

import io.driftwatch.adapters.k8saudit.LineTailer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One run of an ingest command over its --file: reads the file line by line to its end or, with --follow, follows it
 * like tail -F with progress lines until Ctrl-C or --duration. Creating it installs the shutdown hook that stops the
 * following on Ctrl-C; close it after the producers are flushed and closed, which the hook waits for.
 */
final class LineIngest implements AutoCloseable {
    private static final long POLL_MS = 250;

    /** What the lines go to. */
    interface Lines {
        void line(LineTailer.Line line) throws Exception;

        /** Following and caught up: the file is quiet, so time moves on by the wall clock. */
        default void tick(long now) throws Exception {
        }

        /** After the last line. */
        default void finish() throws Exception {
        }

        String summary();

        /** What a progress line says while following. */
        default String progress(LineTailer tailer) {
            return summary();
        }
    }

    /** Throws the first failure of an asynchronous send. */
    interface Check {
        void check() throws Exception;
    }

    private final Path file;
    private final FollowOptions options;
    private final PrintWriter err;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final StopHook hook;

    LineIngest(Path file, FollowOptions options, PrintWriter err) {
        this.file = file;
        this.options = options;
        this.err = err;
        // Ctrl-C stops the following; the hook waits for close().
        hook = new StopHook("ingest-stop", stop::countDown, java.time.Duration.ofSeconds(30));
    }

    /** Reads (or follows) the file into {@code lines}, then finishes them; {@code target} is where the records go. */
    void read(String target, Lines lines, Check producers) throws Exception {
        if (options.follow) {
            err.printf("following %s into %s; Ctrl-C stops%n", file, target);
            err.flush();
        }
        try (LineTailer tailer = new LineTailer(file, !options.follow || options.fromStart)) {
            if (options.follow) {
                follow(tailer, lines, producers);
            } else {
                LineTailer.Line line;
                while ((line = tailer.poll()) != null) {
                    lines.line(line);
                }
                line = tailer.remainder();
                if (line != null) {
                    lines.line(line);
                }
            }
            lines.finish();
        }
    }

    private void follow(LineTailer tailer, Lines lines, Check producers) throws Exception {
        long started = System.currentTimeMillis();
        long deadline = options.durationSeconds > 0
                ? started + TimeUnit.SECONDS.toMillis(options.durationSeconds) : Long.MAX_VALUE;
        long progressMs = TimeUnit.SECONDS.toMillis(options.progressSeconds);
        long nextProgress = progressMs > 0 ? started + progressMs : Long.MAX_VALUE;
        boolean waitingNoted = false;
        long sinceCheck = 0;
        while (stop.getCount() > 0) {
            LineTailer.Line line = tailer.poll();
            long now;
            if (line != null) {
                lines.line(line);
                if (++sinceCheck < 1000) {
                    continue; // a backlog: look at the clock now and then only
                }
                sinceCheck = 0;
                now = System.currentTimeMillis();
            } else {
                sinceCheck = 0;
                now = System.currentTimeMillis();
                if (!tailer.isOpen() && !waitingNoted) {
                    err.printf("waiting for %s to appear%n", file);
                    err.flush();
                    waitingNoted = true;
                }
                lines.tick(now);
            }
            producers.check();
            if (now >= nextProgress) {
                err.printf("progress: %s%n", lines.progress(tailer));
                err.flush();
                nextProgress = now + progressMs;
            }
            if (now >= deadline) {
                break;
            }
            if (line == null) {
                stop.await(POLL_MS, TimeUnit.MILLISECONDS);
            }
        }
        // What is still appended now (a last line without newline waits: it may be half-written).
        LineTailer.Line line;
        while ((line = tailer.poll()) != null) {
            lines.line(line);
        }
    }

    @Override
    public void close() {
        hook.close();
    }

    /** Prints the first problems of the input to standard error, then only counts them. */
    static final class Problems {
        private static final int PRINTED = 50;

        private final PrintWriter err;
        private final String further;
        private long count;

        /** {@code further}: the note printed once the rest are only counted. */
        Problems(PrintWriter err, String further) {
            this.err = err;
            this.further = further;
        }

        void print(String problem) {
            if (count < PRINTED) {
                err.println(problem);
            } else if (count == PRINTED) {
                err.println(further);
            }
            count++;
            err.flush();
        }
    }
}
