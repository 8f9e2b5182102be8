package io.driftwatch.agent.runtime;

/**
 * Told by the runtime watcher when a container appears or goes away; called on the thread that scans (the watcher's,
 * or the caller of {@link RuntimeWatcher#scanOnce()}), one call at a time.
 */
public interface ContainerListener {
    void started(ContainerInfo container);

    void stopped(ContainerInfo container);
}
