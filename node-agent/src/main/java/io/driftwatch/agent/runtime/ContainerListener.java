package io.driftwatch.agent.runtime;

/** Told by the runtime watcher when a container appears or goes away; called on the watcher's thread. */
public interface ContainerListener {
    void started(ContainerInfo container);

    void stopped(ContainerInfo container);
}
