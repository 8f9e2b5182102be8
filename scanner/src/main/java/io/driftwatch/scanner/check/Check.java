package io.driftwatch.scanner.check;

/**
 * One check of a policy. A check is immutable and may scan many images: {@link #start} gives the state of one scan.
 * Checks of the final filesystem work in {@link CheckRun#finish}; checks of names and content see every layer entry
 * through the run's {@link io.driftwatch.scanner.image.LayerVisitor} methods.
 */
public interface Check {

    CheckInfo info();

    CheckRun start(ScanContext context);
}
