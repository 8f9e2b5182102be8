package io.driftwatch.cli.bench;

import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.cli.embedded.EmbeddedStack;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * The benchmark: N synthetic events in the input topic, then (1) a pass-through topology that
 * copies the same bytes without decoding them, the physical limit of this machine, and (2) the
 * full pipeline, on the same topic and partitions, each timed from RUNNING until its committed
 * offsets reach the end of the input; then a latency phase, where suspicious events are produced
 * at a steady rate and the time from each event to its alert being readable is measured.
 */
public final class Bench {
    /** The figures, under the keys `--json` prints. */
    public record Result(double pipelineEventsPerSec, double passThroughEventsPerSec, double ratio, double p50LatencyMs,
                         double p99LatencyMs, long events, int partitions, double noTrailEventsPerSec, double noTrailRatio,
                         double unindexedEventsPerSec, double unindexedRatio, Map<String, double[]> trailQueries,
                         int threads, double p50StatefulLatencyMs, double p99StatefulLatencyMs, Cpu passThroughCpu,
                         Cpu pipelineCpu) {
        /** The single-event lane's p99 event-to-alert latency (the suspicious events of the latency phase). */
        public double p99AlertLatencyMs() {
            return p99LatencyMs;
        }
        /** How much the trail (its stores and index) takes off the ratio, as a fraction of the ratio without it. */
        public double trailRatioDrop() {
            return noTrailRatio <= 0 ? Double.NaN : 1 - ratio / noTrailRatio;
        }

        /** How much the index takes off the ratio, as a fraction of the ratio of a trail kept without it. */
        public double indexRatioDrop() {
            return unindexedRatio <= 0 ? Double.NaN : 1 - ratio / unindexedRatio;
        }

        public String toJson() {
            StringBuilder queries = new StringBuilder();
            trailQueries.forEach((name, p) -> queries.append(queries.length() == 0 ? "" : ", ").append(String.format(
                    java.util.Locale.ROOT, "\"%s\": {\"p50Ms\": %.1f, \"p99Ms\": %.1f, \"rows\": %.0f}", name, p[0], p[1], p[2])));
            return String.format(java.util.Locale.ROOT, "{\"pipelineEventsPerSec\": %.1f, \"passThroughEventsPerSec\": %.1f, "
                            + "\"ratio\": %.3f, \"p50LatencyMs\": %.1f, \"p99LatencyMs\": %.1f, \"p99AlertLatencyMs\": %.1f, "
                            + "\"p50StatefulAlertLatencyMs\": %.1f, \"p99StatefulAlertLatencyMs\": %.1f, \"threads\": %d, "
                            + "\"passThroughCpuMicrosPerEvent\": %.1f, \"pipelineCpuMicrosPerEvent\": %.1f, "
                            + "\"pipelineStreamThreadMicrosPerEvent\": %.1f, \"events\": %d, \"partitions\": %d, "
                            + "\"unindexedEventsPerSec\": %.1f, \"unindexedRatio\": %.3f, \"indexRatioDrop\": %.3f, "
                            + "\"noTrailEventsPerSec\": %.1f, \"noTrailRatio\": %.3f, \"trailRatioDrop\": %.3f, \"trailQueries\": {%s}}",
                    pipelineEventsPerSec, passThroughEventsPerSec, ratio, p50LatencyMs, p99LatencyMs, p99AlertLatencyMs(),
                    p50StatefulLatencyMs, p99StatefulLatencyMs, threads, passThroughCpu.processMicrosPerEvent(),
                    pipelineCpu.processMicrosPerEvent(), pipelineCpu.streamThreadMicrosPerEvent(), events, partitions,
                    unindexedEventsPerSec, unindexedRatio, indexRatioDrop(), noTrailEventsPerSec, noTrailRatio,
                    trailRatioDrop(), queries);
        }
    }

    /**
     * CPU time per event over one pass: the whole process (broker, registry and app share this JVM) and the app's
     * stream threads alone.
     */
    public record Cpu(double processMicrosPerEvent, double streamThreadMicrosPerEvent) {
        static final Cpu NONE = new Cpu(Double.NaN, Double.NaN);

        Cpu plus(Cpu other) {
            return new Cpu((processMicrosPerEvent + other.processMicrosPerEvent) / 2,
                    (streamThreadMicrosPerEvent + other.streamThreadMicrosPerEvent) / 2);
        }
    }

    /** One timed pass: events per second and its CPU cost. */
    private record Pass(double eventsPerSec, Cpu cpu) {}

    private final EmbeddedStack stack;
    private final PrintWriter progress;
    private final long events;
    private final int containers;
    private final int partitions;
    private final int latencySamples;
    private final double eventRate;
    private final int threads;

    private final long commitIntervalMs;
    /** Keys added to the app's configuration in every run of the pipeline (e.g. a response plan). */
    private Map<String, String> appConfig = Map.of();

    public Bench(EmbeddedStack stack, PrintWriter progress, long events, int containers, int partitions, int latencySamples,
                 double eventRate, int threads) {
        this(stack, progress, events, containers, partitions, latencySamples, eventRate, threads, 100);
    }

    public Bench(EmbeddedStack stack, PrintWriter progress, long events, int containers, int partitions, int latencySamples,
                 double eventRate, int threads, long commitIntervalMs) {
        this.commitIntervalMs = commitIntervalMs;
        this.stack = stack;
        this.progress = progress;
        this.events = events;
        this.containers = containers;
        this.partitions = partitions;
        this.latencySamples = latencySamples;
        this.eventRate = eventRate;
        this.threads = threads;
    }

    /** Runs the pipeline with these configuration keys too (the pass-through topology ignores them). */
    public Bench withAppConfig(Map<String, String> keys) {
        this.appConfig = Map.copyOf(keys);
        return this;
    }

    public Result run() throws Exception {
        Map<String, String> keys = new java.util.HashMap<>(appConfig);
        keys.put("num.stream.threads", Integer.toString(threads));
        // The same transactional commit cadence for both topologies.
        keys.put("commit.interval.ms", Long.toString(commitIntervalMs));
        DriftwatchConfig config = stack.config("driftwatch-bench", keys);
        stack.createTopics(config, partitions);
        TopicCatalog catalog = TopicCatalog.builtIn();
        String input = catalog.name("file-events", config);
        String passThroughOutput = "bench.pass-through";
        stack.kafka().createTopics(List.of(new NewTopic(passThroughOutput, partitions, (short) 1)));

        long now = System.currentTimeMillis();
        SyntheticWorkload probe = new SyntheticWorkload(containers, 0, eventRate, 42);
        SyntheticWorkload workload = new SyntheticWorkload(containers, now - probe.span(events) - 120_000, eventRate, 42);
        produceWorkload(config, catalog, workload);

        Pass passThroughPass = runPassThrough(config, "bench-pass-through", passThroughTopology(input, passThroughOutput),
                input);
        double passThrough = passThroughPass.eventsPerSec();
        progress.printf("  ok pass-through: %,.0f events/s (%.1f µs of CPU per event, %.1f on the stream threads)%n",
                passThrough, passThroughPass.cpu().processMicrosPerEvent(), passThroughPass.cpu().streamThreadMicrosPerEvent());
        progress.flush();

        // The first pipeline run finds the JVM cold (Drools, Avro, RocksDB code not yet compiled): it is a warm-up, and
        // the runs compared below all come after it.
        double coldNoTrail = pipelineRun(config, input, "bench-pipeline-warm-up",
                "without the queryable trail, a warm-up", Map.of(io.driftwatch.app.topology.TrailSettings.ENABLED, "false"));
        EmbeddedStack.step(progress, "running the full pipeline over the same " + String.format("%,d", events) + " events");
        Pass pipeline;
        Latencies latencies;
        Map<String, double[]> queries;
        int port = freePort();
        try (DriftwatchApp app = DriftwatchApp.start(config.withOverrides(Map.of("application.id", "bench-pipeline",
                "driftwatch.http.port", Integer.toString(port))))) {
            pipeline = drain(app.streams(), config, "bench-pipeline", input);
            progress.printf("  ok pipeline: %,.0f events/s, %.1f µs of CPU per event (%.1f on the stream threads) (%s)%n",
                    pipeline.eventsPerSec(), pipeline.cpu().processMicrosPerEvent(),
                    pipeline.cpu().streamThreadMicrosPerEvent(), app.counters());
            progress.flush();
            queries = new TrailQueryBench(app.consoleUrl(), progress, containers, events).run();
            latencies = latencyPhase(config, catalog, workload);
            // What an alert waits for once it is made: the next exactly-once commit, and the commit itself.
            progress.printf("     commits of the pipeline's stream threads: average %.1f ms, longest %.1f ms; longest poll %.1f ms,"
                            + " punctuation %.1f ms, processing of one batch %.1f ms%n",
                    threadMetric(app.streams(), "commit-latency-avg"), threadMetric(app.streams(), "commit-latency-max"),
                    threadMetric(app.streams(), "poll-latency-max"), threadMetric(app.streams(), "punctuate-latency-max"),
                    threadMetric(app.streams(), "process-latency-max"));
            List<Double> sorted = new ArrayList<>(latencies.single());
            Collections.sort(sorted);
            progress.printf("     single-event alert latency: p50 %.0f, p90 %.0f, p95 %.0f, p99 %.0f, longest %.0f ms%n",
                    percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 95), percentile(sorted, 99),
                    sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1));
        }
        // Each pass runs faster than the one before it on this machine (the JIT, the broker's page cache): the index's
        // cost is read from passes in the order indexed, unindexed, unindexed, indexed, so that a steady drift cancels.
        double unindexedFirst = pipelineRun(config, input, "bench-pipeline-unindexed-1",
                "with the trail but without its index (the baseline for the index's cost)",
                Map.of(io.driftwatch.app.topology.TrailSettings.INDEX_ENABLED, "false"));
        double unindexedSecond = pipelineRun(config, input, "bench-pipeline-unindexed-2",
                "with the trail but without its index, again", Map.of(io.driftwatch.app.topology.TrailSettings.INDEX_ENABLED,
                        "false"));
        Pass indexedSecond = pipelinePass(config, input, "bench-pipeline-2", "with the trail and its index, again", Map.of());
        double unindexed = (unindexedFirst + unindexedSecond) / 2;
        double indexed = (pipeline.eventsPerSec() + indexedSecond.eventsPerSec()) / 2;
        double noTrail = pipelineRun(config, input, "bench-pipeline-no-trail",
                "without the queryable trail (the baseline for the whole trail's cost; it runs last, the warmest)",
                Map.of(io.driftwatch.app.topology.TrailSettings.ENABLED, "false"));
        progress.printf("  (the cold warm-up ran %,.0f events/s)%n", coldNoTrail);
        Collections.sort(latencies.single());
        Collections.sort(latencies.stateful());
        return new Result(indexed, passThrough, indexed / passThrough, percentile(latencies.single(), 50),
                percentile(latencies.single(), 99), events, partitions, noTrail, noTrail / passThrough, unindexed,
                unindexed / passThrough, queries, threads, percentile(latencies.stateful(), 50),
                percentile(latencies.stateful(), 99), passThroughPass.cpu(), pipeline.cpu().plus(indexedSecond.cpu()));
    }

    /** Event-to-alert latencies (ms) of the single-event lane's alerts and of the stateful lane's. */
    private record Latencies(List<Double> single, List<Double> stateful) {}

    private void produceWorkload(DriftwatchConfig config, TopicCatalog catalog, SyntheticWorkload workload)
            throws Exception {
        EmbeddedStack.step(progress, String.format("producing %,d events across %,d containers (Avro through the registry)",
                events, containers));
        long began = System.nanoTime();
        try (KafkaProducer<String, Object> producer = producer(config)) {
            // Image baselines first (a table the app reads at once), for all images but the last few.
            for (int image = 0; image < SyntheticWorkload.IMAGES_WITH_BASELINE; image++) {
                producer.send(new ProducerRecord<>(catalog.name("image-baselines", config),
                        SyntheticWorkload.imageDigest(image), SyntheticWorkload.baseline(image)));
            }
            for (int c = 0; c < containers; c++) {
                ContainerMetadata metadata = workload.container(c);
                producer.send(new ProducerRecord<>(catalog.name("container-metadata", config), null,
                        metadata.getStartedAt(), metadata.getContainerId(), metadata));
            }
            producer.flush();
            long reportEvery = Math.max(1, events / 10);
            for (long i = 0; i < events; i++) {
                FileEvent event = workload.event(i);
                producer.send(new ProducerRecord<>(catalog.name("file-events", config), null, event.getTimestamp(),
                        event.getContainerId(), event));
                if ((i + 1) % reportEvery == 0) {
                    progress.printf("     %,d / %,d produced%n", i + 1, events);
                    progress.flush();
                }
            }
            producer.flush();
        }
        stack.done(String.format("produced in %.1f s", (System.nanoTime() - began) / 1e9));
    }

    private KafkaProducer<String, Object> producer(DriftwatchConfig config) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return new KafkaProducer<>(props);
    }

    private static Topology passThroughTopology(String input, String output) {
        Topology topology = new Topology();
        topology.addSource("read", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), input);
        topology.addSink("write", output, Serdes.String().serializer(), Serdes.ByteArray().serializer(), "read");
        return topology;
    }

    private Pass runPassThrough(DriftwatchConfig config, String applicationId, Topology topology, String input)
            throws Exception {
        EmbeddedStack.step(progress, "running the pass-through topology (copies bytes, decodes nothing)");
        Properties props = DriftwatchApp.streamsProperties(config);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            streams.start();
            return drain(streams, config, applicationId, input);
        }
    }

    /** Events per second from RUNNING until the group's committed offsets reach the input's end, and the CPU it took. */
    private Pass drain(KafkaStreams streams, DriftwatchConfig config, String groupId, String input) throws Exception {
        DriftwatchApp.awaitRunning(streams, Duration.ofSeconds(60));
        long began = System.nanoTime();
        long processCpuBefore = processCpuNanos();
        Map<Long, Long> threadCpuBefore = streamThreadCpu(groupId);
        try (Admin admin = Admin.create(config.adminProperties())) {
            Map<TopicPartition, Long> ends = endOffsets(admin, input);
            long total = ends.values().stream().mapToLong(Long::longValue).sum();
            long lastReport = 0;
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                long done = 0;
                for (TopicPartition tp : ends.keySet()) {
                    OffsetAndMetadata offset = committed.get(tp);
                    done += offset == null ? 0 : offset.offset();
                }
                if (done >= total) {
                    double rate = events / ((System.nanoTime() - began) / 1e9);
                    long threadNanos = 0;
                    for (Map.Entry<Long, Long> after : streamThreadCpu(groupId).entrySet()) {
                        threadNanos += after.getValue() - threadCpuBefore.getOrDefault(after.getKey(), 0L);
                    }
                    return new Pass(rate, new Cpu((processCpuNanos() - processCpuBefore) / 1e3 / events,
                            threadNanos / 1e3 / events));
                }
                if (streams.state() == KafkaStreams.State.ERROR) {
                    throw new IllegalStateException(groupId + " failed while running");
                }
                long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began);
                if (elapsed >= lastReport + 5) {
                    lastReport = elapsed;
                    progress.printf("     %s: %,d / %,d offsets committed after %d s%n", groupId, done, total, elapsed);
                    progress.flush();
                }
                if (elapsed > 1800) {
                    throw new IllegalStateException(groupId + " did not finish within 30 minutes");
                }
                Thread.sleep(50);
            }
        }
    }

    /** A stream-thread metric of {@code streams} (the largest over its threads), NaN when absent. */
    private static double threadMetric(KafkaStreams streams, String name) {
        double value = Double.NaN;
        for (var metric : streams.metrics().entrySet()) {
            if (metric.getKey().name().equals(name) && metric.getKey().group().equals("stream-thread-metrics")
                    && metric.getValue().metricValue() instanceof Number number && !Double.isNaN(number.doubleValue())) {
                value = Double.isNaN(value) ? number.doubleValue() : Math.max(value, number.doubleValue());
            }
        }
        return value;
    }

    private static long processCpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    /** CPU time so far of each stream thread of the application {@code applicationId}, by thread id. */
    private static Map<Long, Long> streamThreadCpu(String applicationId) {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.regex.Pattern streamThread = java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote(applicationId) + "-[0-9a-f-]{36}-StreamThread-\\d+");
        Map<Long, Long> cpu = new HashMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (streamThread.matcher(thread.getName()).matches()) {
                long nanos = threads.getThreadCpuTime(thread.getId());
                if (nanos >= 0) {
                    cpu.put(thread.getId(), nanos);
                }
            }
        }
        return cpu;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        Set<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .stream().map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toSet());
        Map<TopicPartition, OffsetSpec> request = partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result = admin.listOffsets(request).all().get();
        Map<TopicPartition, Long> ends = new HashMap<>();
        result.forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    /**
     * Suspicious events at a steady rate, each timestamped when sent; latency is alert readable minus that. Each is
     * caught by a single-event rule (the immediate lane). Every {@link #STATEFUL_EVERY}th tick also writes a file and
     * then runs it, which only the stateful drop-then-execute rule catches (the ordered lane): its latency is measured
     * from the run.
     */
    private Latencies latencyPhase(DriftwatchConfig config, TopicCatalog catalog, SyntheticWorkload workload)
            throws Exception {
        EmbeddedStack.step(progress, "measuring event-to-alert latency over " + latencySamples + " suspicious events and "
                + latencySamples / STATEFUL_EVERY + " dropped files executed");
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-latency");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        List<Double> latencies = new ArrayList<>();
        List<Double> stateful = new ArrayList<>();
        AvroDeserializer<Alert> alerts = new AvroDeserializer<>();
        alerts.configure(props, false); // instances handed to a consumer are not configured by it
        // The alerts are read on a thread of their own: a receive time taken by the sending loop would include the
        // loop's own waits (its producer's flush), and the figures would be the bench's as much as the pipeline's.
        java.util.concurrent.ConcurrentLinkedQueue<Map.Entry<Long, List<String>>> received =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.CountDownLatch assigned = new java.util.concurrent.CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (KafkaConsumer<String, Alert> consumer = new KafkaConsumer<>(props, new StringDeserializer(), alerts)) {
                consumer.subscribe(List.of(catalog.name("alerts", config)));
                while (reading.get()) {
                    var records = consumer.poll(Duration.ofMillis(5));
                    long at = System.currentTimeMillis();
                    if (!consumer.assignment().isEmpty()) {
                        assigned.countDown();
                    }
                    for (ConsumerRecord<String, Alert> record : records) {
                        received.add(Map.entry(at, List.copyOf(record.value().getEventIds())));
                    }
                }
            }
        }, "bench-latency-reader");
        reader.setDaemon(true);
        reader.start();
        try (KafkaProducer<String, Object> producer = producer(config)) {
            assigned.await(30, TimeUnit.SECONDS);
            Map<String, Long> sentAt = new HashMap<>();
            Map<String, Long> statefulSentAt = new HashMap<>();
            String topic = catalog.name("file-events", config);
            long interval = 10_000_000L; // 100 events per second
            long next = System.nanoTime();
            int sent = 0;
            int statefulSent = 0;
            String pendingRun = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(latencySamples / 100 + 30).toNanos();
            while ((sent < latencySamples || latencies.size() + stateful.size() < sent + statefulSent)
                    && System.nanoTime() < deadline) {
                if (sent < latencySamples && System.nanoTime() >= next) {
                    long now = System.currentTimeMillis();
                    String container = SyntheticWorkload.containerId(sent % containers);
                    if (pendingRun != null) {
                        // The file written one tick ago, now run: only the stateful rule sees the two together.
                        String id = "latency-run-" + sent;
                        String runContainer = pendingRun.substring(0, pendingRun.indexOf('|'));
                        String runPath = pendingRun.substring(pendingRun.indexOf('|') + 1);
                        FileEvent run = SyntheticWorkload.droppedFileRun(id, runContainer, runPath, now);
                        statefulSentAt.put(id, now);
                        producer.send(new ProducerRecord<>(topic, null, now, run.getContainerId(), run));
                        statefulSent++;
                        pendingRun = null;
                    }
                    String id = "latency-" + sent;
                    FileEvent event = SyntheticWorkload.suspicious(id, container, now, 0);
                    sentAt.put(id, now);
                    producer.send(new ProducerRecord<>(topic, null, now, event.getContainerId(), event));
                    if (sent % STATEFUL_EVERY == 0) {
                        String path = "/srv/app/plugin-" + sent;
                        FileEvent drop = SyntheticWorkload.droppedFile("latency-drop-" + sent, container, path, now);
                        producer.send(new ProducerRecord<>(topic, null, now, drop.getContainerId(), drop));
                        pendingRun = container + "|" + path;
                    }
                    producer.flush();
                    sent++;
                    next += interval;
                }
                Map.Entry<Long, List<String>> alert;
                while ((alert = received.poll()) != null) {
                    for (String id : alert.getValue()) {
                        Long at = sentAt.remove(id);
                        if (at != null) {
                            latencies.add((double) (alert.getKey() - at));
                        }
                        Long runAt = statefulSentAt.remove(id);
                        if (runAt != null) {
                            stateful.add((double) (alert.getKey() - runAt));
                        }
                    }
                }
                Thread.sleep(1);
            }
        } finally {
            reading.set(false);
            reader.join(10_000);
        }
        stack.done(latencies.size() + " of " + latencySamples + " single-event and " + stateful.size() + " of "
                + latencySamples / STATEFUL_EVERY + " stateful latency samples");
        return new Latencies(latencies, stateful);
    }

    /** One tick in this many also drops a file and runs it on the next tick (a stateful latency sample). */
    static final int STATEFUL_EVERY = 5;

    /** One more pass of the full pipeline over the same input, with some settings changed; events per second. */
    private double pipelineRun(DriftwatchConfig config, String input, String applicationId, String what,
                               Map<String, String> settings) throws Exception {
        return pipelinePass(config, input, applicationId, what, settings).eventsPerSec();
    }

    private Pass pipelinePass(DriftwatchConfig config, String input, String applicationId, String what,
                              Map<String, String> settings) throws Exception {
        EmbeddedStack.step(progress, "running the full pipeline " + what);
        Map<String, String> overrides = new java.util.HashMap<>(settings);
        overrides.put("application.id", applicationId);
        overrides.put("driftwatch.http.port", "0");
        try (DriftwatchApp app = DriftwatchApp.start(config.withOverrides(overrides))) {
            Pass pass = drain(app.streams(), config, applicationId, input);
            progress.printf("  ok %s: %,.0f events/s, %.1f µs of CPU per event (%.1f on the stream threads)%n", applicationId,
                    pass.eventsPerSec(), pass.cpu().processMicrosPerEvent(), pass.cpu().streamThreadMicrosPerEvent());
            progress.flush();
            return pass;
        }
    }

    static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
