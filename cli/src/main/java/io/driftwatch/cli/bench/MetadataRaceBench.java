package io.driftwatch.cli.bench;

import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.cli.embedded.EmbeddedStack;
import io.driftwatch.app.topology.PipelineSettings;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The container-start race, measured (issue 5): containers start one after another in real time, each
 * sending file events as it runs (event time = wall clock). In a baseline phase each container's
 * metadata is published before its first event; in the delayed phase it is published a uniformly random
 * 0 to N ms (wall clock) after the first event. For each phase: how many events came out COMPLETE,
 * METADATA_LATE (held, then enriched) and METADATA_MISSING (emitted without metadata after the grace),
 * the share enriched, and event-to-enriched latency (sent until readable with read_committed), for all
 * events and for the held ones; the difference between the phases is the extra latency of the race.
 */
public final class MetadataRaceBench {
    /** One phase's figures. */
    public record Phase(String name, long events, long complete, long late, long missing, long held, double p50Ms,
                        double p99Ms, double heldP50Ms, double heldP99Ms, double maxMs) {
        public double enrichedShare() {
            return events == 0 ? Double.NaN : (complete + late) / (double) events;
        }

        String toJson() {
            return String.format(Locale.ROOT, "{\"events\": %d, \"complete\": %d, \"metadataLate\": %d, \"metadataMissing\": %d, "
                            + "\"enrichedShare\": %.4f, \"heldBeforeMetadata\": %d, \"p50LatencyMs\": %.1f, \"p99LatencyMs\": %.1f, "
                            + "\"heldP50LatencyMs\": %.1f, \"heldP99LatencyMs\": %.1f, \"maxLatencyMs\": %.1f}",
                    events, complete, late, missing, enrichedShare(), held, p50Ms, p99Ms, heldP50Ms, heldP99Ms, maxMs);
        }
    }

    /** Both phases and the settings they ran with. */
    public record Result(Phase baseline, Phase delayed, long minDelayMs, long maxDelayMs, long graceMs, int containers,
                         int eventsPerContainer) {
        public String toJson() {
            return String.format(Locale.ROOT, "{\"minDelayMs\": %d, \"maxDelayMs\": %d, \"graceMs\": %d, \"containers\": %d, "
                            + "\"eventsPerContainer\": %d, \"baseline\": %s, \"delayed\": %s, \"extraP50LatencyMs\": %.1f, "
                            + "\"extraP99LatencyMs\": %.1f}", minDelayMs, maxDelayMs, graceMs, containers, eventsPerContainer,
                    baseline.toJson(), delayed.toJson(), delayed.p50Ms - baseline.p50Ms, delayed.p99Ms - baseline.p99Ms);
        }
    }

    private static final long EVENT_INTERVAL_MS = 200;

    private final EmbeddedStack stack;
    private final PrintWriter progress;
    private final int containers;
    private final int eventsPerContainer;
    private final int partitions;
    private final long minDelayMs;
    private final long maxDelayMs;
    private final long startSpreadMs;

    /**
     * @param containers         containers per phase; they start spread over {@code startSpreadMs} of wall clock
     * @param eventsPerContainer events each container sends, one every 200 ms
     */
    public MetadataRaceBench(EmbeddedStack stack, PrintWriter progress, int containers, int eventsPerContainer,
                             int partitions, long minDelayMs, long maxDelayMs, long startSpreadMs) {
        this.stack = stack;
        this.progress = progress;
        this.containers = containers;
        this.eventsPerContainer = eventsPerContainer;
        this.partitions = partitions;
        this.minDelayMs = minDelayMs;
        this.maxDelayMs = maxDelayMs;
        this.startSpreadMs = startSpreadMs;
    }

    public Result run() throws Exception {
        DriftwatchConfig config = stack.config("driftwatch-metadata-race", Map.of("commit.interval.ms", "100"));
        long grace = PipelineSettings.from(config).metadataGrace().toMillis();
        stack.createTopics(config, partitions);
        TopicCatalog catalog = TopicCatalog.builtIn();
        Map<String, Received> received = new ConcurrentHashMap<>();
        try (DriftwatchApp app = DriftwatchApp.start(config);
             Reader reader = new Reader(config, catalog.name("enriched-events", config), received);
             KafkaProducer<String, Object> producer = producer(config)) {
            DriftwatchApp.awaitRunning(app.streams(), Duration.ofSeconds(120));
            reader.start();
            Phase baseline = phase("baseline", "race-a", false, config, catalog, producer, received);
            Phase delayed = phase("delayed", "race-b", true, config, catalog, producer, received);
            progress.printf("  ok the app's counters: %s%n", app.counters());
            progress.flush();
            return new Result(baseline, delayed, minDelayMs, maxDelayMs, grace, containers, eventsPerContainer);
        }
    }

    private record Received(long at, Enrichment enrichment) {
    }

    private record Action(long at, int order, Runnable run) {
    }

    private Phase phase(String name, String prefix, boolean delayed, DriftwatchConfig config, TopicCatalog catalog,
                        KafkaProducer<String, Object> producer, Map<String, Received> received) throws Exception {
        EmbeddedStack.step(progress, String.format(Locale.ROOT, "%s: %,d containers starting over %.0f s, %d events each "
                        + "(one per %d ms); metadata %s", name, containers, startSpreadMs / 1000.0, eventsPerContainer,
                EVENT_INTERVAL_MS, delayed ? "published " + minDelayMs + "-" + maxDelayMs + " ms after the first event"
                        : "published before the first event"));
        String eventsTopic = catalog.name("file-events", config);
        String metadataTopic = catalog.name("container-metadata", config);
        SplittableRandom random = new SplittableRandom(delayed ? 7 : 3);
        long origin = System.currentTimeMillis() + 500;
        PriorityQueue<Action> plan = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
                : Integer.compare(a.order, b.order));
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Long> metadataSentAt = new ConcurrentHashMap<>();
        List<String> ids = new ArrayList<>();
        Map<String, String> containerOf = new HashMap<>();
        int order = 0;
        for (int c = 0; c < containers; c++) {
            String containerId = prefix + "-" + String.format("%05d", c);
            long start = origin + random.nextLong(Math.max(1, startSpreadMs));
            long delay = delayed ? minDelayMs + random.nextLong(maxDelayMs - minDelayMs + 1) : -1;
            // Started just before its first event; published then (baseline) or `delay` later.
            ContainerMetadata metadata = ContainerMetadata.newBuilder().setContainerId(containerId).setNode("node-" + (c % 20))
                    .setRuntime("containerd").setContainerName("app").setImage("registry.example/shop/app:1.0")
                    .setPodName("app-" + c).setNamespace("race").setLabels(Map.of()).setStartedAt(start - 1).build();
            plan.add(new Action(start + delay, order++, () -> {
                producer.send(new ProducerRecord<>(metadataTopic, null, metadata.getStartedAt(), containerId, metadata));
                metadataSentAt.put(containerId, System.currentTimeMillis());
            }));
            for (int k = 0; k < eventsPerContainer; k++) {
                String id = prefix + "-" + c + "-" + k;
                ids.add(id);
                containerOf.put(id, containerId);
                long at = start + k * EVENT_INTERVAL_MS;
                int kind = k;
                plan.add(new Action(at, order++, () -> {
                    long now = System.currentTimeMillis();
                    FileEvent event = FileEvent.newBuilder().setEventId(id).setTimestamp(now).setNode(metadata.getNode())
                            .setContainerId(containerId).setType(kind % 2 == 0 ? EventType.OPEN_READ : EventType.MODIFY)
                            .setPath(kind % 2 == 0 ? "/app/config/application.yml" : "/var/log/app/app.log").setPid(1)
                            .setPpid(0).setProcessName("java").setExe("/usr/lib/jvm/bin/java").setUid(0L).setGid(0L)
                            .setSource("bench").build();
                    sentAt.put(id, now);
                    producer.send(new ProducerRecord<>(eventsTopic, null, now, containerId, event));
                }));
            }
        }
        long began = System.currentTimeMillis();
        while (!plan.isEmpty()) {
            Action next = plan.poll();
            long wait = next.at - System.currentTimeMillis();
            if (wait > 0) {
                producer.flush();
                Thread.sleep(wait);
            }
            next.run.run();
        }
        producer.flush();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!received.keySet().containsAll(ids) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        long arrived = ids.stream().filter(received::containsKey).count();
        stack.done(String.format(Locale.ROOT, "%s: %,d of %,d events enriched and read back (%.1f s of traffic)", name, arrived,
                ids.size(), (System.currentTimeMillis() - began) / 1000.0));

        Map<Enrichment, Long> counts = new EnumMap<>(Enrichment.class);
        List<Double> latencies = new ArrayList<>();
        List<Double> heldLatencies = new ArrayList<>();
        long held = 0;
        for (String id : ids) {
            Received r = received.get(id);
            if (r == null) {
                continue;
            }
            counts.merge(r.enrichment(), 1L, Long::sum);
            double latency = r.at() - sentAt.get(id);
            latencies.add(latency);
            Long metadataAt = metadataSentAt.get(containerOf.get(id));
            if (metadataAt != null && sentAt.get(id) < metadataAt) {
                held++;
                heldLatencies.add(latency);
            }
        }
        Collections.sort(latencies);
        Collections.sort(heldLatencies);
        return new Phase(name, ids.size(), counts.getOrDefault(Enrichment.COMPLETE, 0L),
                counts.getOrDefault(Enrichment.METADATA_LATE, 0L), counts.getOrDefault(Enrichment.METADATA_MISSING, 0L),
                held, Bench.percentile(latencies, 50), Bench.percentile(latencies, 99), Bench.percentile(heldLatencies, 50),
                Bench.percentile(heldLatencies, 99), latencies.isEmpty() ? Double.NaN : latencies.get(latencies.size() - 1));
    }

    private static KafkaProducer<String, Object> producer(DriftwatchConfig config) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(props);
    }

    /** Reads the audit trail (read_committed) and notes when each event became readable and how it was enriched. */
    private static final class Reader implements AutoCloseable {
        private final KafkaConsumer<String, EnrichedEvent> consumer;
        private final Map<String, Received> received;
        private final Thread thread;
        private volatile boolean stop;

        Reader(DriftwatchConfig config, String topic, Map<String, Received> received) {
            Map<String, Object> props = new HashMap<>(config.clientProperties());
            props.keySet().removeIf(k -> !ConsumerConfig.configNames().contains(k) && !k.startsWith("schema.registry"));
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
            AvroDeserializer<EnrichedEvent> values = new AvroDeserializer<>();
            values.configure(props, false);
            this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), values);
            this.received = received;
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            this.thread = new Thread(this::poll, "metadata-race-reader");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void poll() {
            while (!stop) {
                for (ConsumerRecord<String, EnrichedEvent> record : consumer.poll(Duration.ofMillis(20))) {
                    long now = System.currentTimeMillis();
                    received.putIfAbsent(record.value().getEvent().getEventId(),
                            new Received(now, record.value().getEnrichment()));
                }
            }
            consumer.close();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            if (thread.isAlive()) {
                thread.join(10_000);
            } else {
                consumer.close();
            }
        }
    }
}
