package io.driftwatch.metrics;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's metrics: a Prometheus registry with the JVM and system binders, and the Kafka clients bound to it
 * (Micrometer's {@link KafkaClientMetrics}, which is where consumer lag comes from:
 * {@code kafka_consumer_fetch_manager_records_lag_max}). One per process, made by its command and handed down
 * through the constructors that need it; closing it unbinds the clients.
 */
public final class ProcessMetrics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessMetrics.class);

    private final PrometheusMeterRegistry registry;
    private final ScheduledExecutorService scheduler;
    private final List<AutoCloseable> bound = new ArrayList<>();

    private ProcessMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        // One thread refreshes the meters of every Kafka client bound here (each binder would otherwise start its own).
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "driftwatch-kafka-metrics");
            t.setDaemon(true);
            return t;
        });
    }

    /** A Prometheus registry with JVM memory, GC, threads, class loading, CPU, uptime and file descriptors. */
    public static ProcessMetrics start() {
        ProcessMetrics metrics = new ProcessMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        metrics.bind(new ClassLoaderMetrics());
        metrics.bind(new JvmMemoryMetrics());
        metrics.bind(new JvmGcMetrics());
        metrics.bind(new JvmThreadMetrics());
        metrics.bind(new ProcessorMetrics());
        metrics.bind(new UptimeMetrics());
        metrics.bind(new FileDescriptorMetrics());
        return metrics;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Binds a producer's client metrics (closed with this, or earlier by the caller through the returned handle). */
    public AutoCloseable bindKafka(Producer<?, ?> producer, String client) {
        return bind(new KafkaClientMetrics(producer, List.of(Tag.of("client", client)), scheduler));
    }

    /** Binds a consumer's client metrics, lag included. */
    public AutoCloseable bindKafka(Consumer<?, ?> consumer, String client) {
        return bind(new KafkaClientMetrics(consumer, List.of(Tag.of("client", client)), scheduler));
    }

    /** Binds any binder; an {@link AutoCloseable} one is closed with this. */
    public synchronized AutoCloseable bind(MeterBinder binder) {
        binder.bindTo(registry);
        if (binder instanceof AutoCloseable closeable) {
            bound.add(closeable);
            return closeable;
        }
        return () -> { };
    }

    /** The text Prometheus scrapes, in the format its Accept header asks for (OpenMetrics or text 0.0.4). */
    public String scrape(String accept) {
        return registry.scrape(accept == null ? "" : accept);
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable closeable : bound) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("closing a metrics binder: {}", e.toString());
            }
        }
        bound.clear();
        scheduler.shutdownNow();
        registry.close();
    }
}
