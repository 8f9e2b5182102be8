package io.driftwatch.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C for the commands that run until stopped. On SIGINT or SIGTERM the JVM runs its shutdown
 * hooks, not the command's thread, and halts when they return: the hook runs {@code onStop} (which
 * makes the command's thread wind down), then waits, at most {@code wait}, until the command says
 * it has cleaned up ({@link #close}). Closing it when the command ends on its own removes the hook.
 */
final class StopHook implements AutoCloseable {
    private final CountDownLatch cleanedUp = new CountDownLatch(1);
    private final Thread hook;

    StopHook(String name, Runnable onStop, Duration wait) {
        hook = new Thread(() -> {
            onStop.run();
            try {
                cleanedUp.await(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The command has cleaned up: a running hook returns, and the JVM may halt. */
    @Override
    public void close() {
        cleanedUp.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the hook is running and now returns
        }
    }
}
