package io.driftwatch.agent;

import io.driftwatch.agent.fanotify.FanotifySensor;
import io.driftwatch.agent.fanotify.SensorCounters;
import io.driftwatch.agent.publish.Publisher;
import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.agent.runtime.ContainerListener;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs on a node: the runtime watcher finds containers, their metadata goes to Kafka first, then
 * the sensor marks their filesystems and its FileEvents follow through the publisher's bounded buffer.
 * When a container goes, its metadata is sent again with stoppedAt and the sensor lets it go.
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);

    private final String node;
    private final Publisher publisher;
    private final FanotifySensor sensor;
    private final RuntimeWatcher watcher;
    private final SensorCounters counters = new SensorCounters();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    /** Whether the node's own files are watched too (host FIM: the sensor's Config.host). */
    private final boolean hostFim;
    private volatile boolean started;

    public NodeAgent(String node, FanotifySensor.Config sensorConfig, RuntimeWatcher.Config watcherConfig,
            Publisher.Config publisherConfig) throws IOException {
        this.node = node;
        this.hostFim = sensorConfig.host() != null;
        this.publisher = new Publisher(publisherConfig);
        try {
            this.sensor = new FanotifySensor(sensorConfig, publisher::offer, counters);
        } catch (IOException | RuntimeException e) {
            publisher.close(Duration.ofSeconds(1));
            throw e;
        }
        this.watcher = new RuntimeWatcher(watcherConfig, new ContainerListener() {
            @Override
            public void started(ContainerInfo container) {
                onStarted(container);
            }

            @Override
            public void stopped(ContainerInfo container) {
                onStopped(container);
            }
        });
    }

    /**
     * Finds the containers already running (metadata out, filesystems marked: the watcher's first scan
     * runs on this thread), then keeps watching.
     */
    public NodeAgent start() {
        sensor.start();
        if (hostFim) {
            try {
                sensor.watchHost();
            } catch (IOException | RuntimeException e) {
                failures.put(FanotifySensor.HOST_ID, e.getMessage());
                LOG.error("host FIM: cannot watch the node's files: {}", e.getMessage());
            }
        }
        watcher.start();
        started = true;
        return this;
    }

    /** Looks for new or stopped containers now (the watcher also polls on its own). */
    public void scanNow() {
        watcher.scanOnce();
    }

    private void onStarted(ContainerInfo container) {
        publisher.metadata(container.toMetadata(node));
        try {
            sensor.watch(container);
            failures.remove(container.id());
        } catch (IOException | RuntimeException e) {
            failures.put(container.id(), e.getMessage());
            LOG.error("cannot watch container {} ({}): {}", container.id(), container.rootfs(), e.getMessage());
        }
    }

    private void onStopped(ContainerInfo container) {
        publisher.metadata(container.toMetadata(node));
        sensor.unwatch(container.id());
        LOG.info("container {} stopped", container.id());
    }

    /** Whether executions get their arguments from the kernel (see ExecArgs). */
    public boolean execArgsActive() {
        return sensor.execArgsActive();
    }

    public SensorCounters counters() {
        return counters;
    }

    public Publisher publisher() {
        return publisher;
    }

    public RuntimeWatcher watcher() {
        return watcher;
    }

    /** Containers the agent found but could not watch, with the reason. */
    public Map<String, String> failures() {
        return Map.copyOf(failures);
    }

    /** Registers the agent's meters: the sensor's counters, the publisher's, the containers watched. */
    public void bindTo(io.driftwatch.metrics.ProcessMetrics metrics) {
        counters.bindTo(metrics.registry());
        publisher.bindTo(metrics);
        io.micrometer.core.instrument.Gauge.builder("driftwatch.agent.containers", watcher, w -> w.running().size())
                .description("Containers the runtime watcher knows on this node").register(metrics.registry());
        io.micrometer.core.instrument.Gauge.builder("driftwatch.agent.containers.unwatched", failures, Map::size)
                .description("Containers found but not watched (see the agent's log)").register(metrics.registry());
    }

    /** Live while the sensor's threads and the publisher's sender run (or before start). */
    public io.driftwatch.metrics.Health live() {
        if (started && !sensor.alive()) {
            return io.driftwatch.metrics.Health.down("the fanotify sensor's threads are not running");
        }
        if (!publisher.alive()) {
            return io.driftwatch.metrics.Health.down("the publisher's sending thread is not running");
        }
        return io.driftwatch.metrics.Health.up("sensor and publisher running");
    }

    /** Ready once started (containers found and marked) while Kafka takes the agent's records. */
    public io.driftwatch.metrics.Health ready() {
        if (!started) {
            return io.driftwatch.metrics.Health.down("starting: finding containers and marking their filesystems");
        }
        io.driftwatch.metrics.Health live = live();
        if (!live.up()) {
            return live;
        }
        if (publisher.stalled()) {
            return io.driftwatch.metrics.Health.down("Kafka is not taking records: " + publisher.buffered()
                    + " events buffered");
        }
        return io.driftwatch.metrics.Health.up(watcher.running().size() + " containers watched");
    }

    /** One line for the progress log. */
    public String status() {
        SensorCounters c = counters;
        return String.format("containers %d, events %d emitted (host %d), %d dropped, %d buffered, %d acknowledged by Kafka"
                        + " (kernel events %d, folded %d, outside containers %d, unresolved %d, handling failed %d,"
                        + " command lines cut %d)",
                watcher.running().size(), c.emitted.get(), c.hostEvents.get(), c.dropped.get(), publisher.buffered(),
                publisher.acknowledged.get(), c.kernelEvents.get(), c.folded.get(), c.outsideContainers.get(),
                c.unresolved.get(), c.handlingFailed.get(), c.cmdlineTruncated.get());
    }

    @Override
    public void close() {
        watcher.close();
        sensor.close();
        publisher.close(Duration.ofSeconds(15));
    }
}
