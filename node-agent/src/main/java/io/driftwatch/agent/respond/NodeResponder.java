package io.driftwatch.agent.respond;

import io.driftwatch.agent.respond.k8s.KubernetesActions;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The responder as it runs beside the node agent: the command handler (policy, actions, evidence,
 * audit log under {@code stateDir}) wired to the Kafka side, with containers looked up through the
 * agent's runtime watcher and the evidence trail taken from the responder's enriched-events reader.
 */
public final class NodeResponder implements AutoCloseable {
    private final CommandHandler handler;
    private final Responder responder;

    public NodeResponder(Responder.Config kafka, CommandHandler.Config policy, RuntimeWatcher watcher, List<Path> runcRoots,
            KubernetesActions kubernetes) throws IOException {
        AtomicReference<Responder> self = new AtomicReference<>();
        this.handler = new CommandHandler(policy, watcher::byId,
                id -> self.get() == null ? List.of() : self.get().trail(id),
                new ContainerActions(runcRoots, "runc"), kubernetes,
                new EvidenceCollector(policy.stateDir().resolve("evidence"), Path.of("/proc"), 10_000, 512L << 20),
                System::currentTimeMillis);
        this.responder = new Responder(kafka, handler, id -> watcher.byId(id).isPresent());
        self.set(responder);
    }

    public NodeResponder start() {
        responder.start();
        return this;
    }

    /** Registers the responder's meters (outcomes, breaker, its Kafka clients). */
    public void bindTo(io.driftwatch.metrics.ProcessMetrics metrics) {
        responder.bindTo(metrics);
    }

    public CommandHandler handler() {
        return handler;
    }

    public Responder responder() {
        return responder;
    }

    @Override
    public void close() {
        responder.close();
    }
}
