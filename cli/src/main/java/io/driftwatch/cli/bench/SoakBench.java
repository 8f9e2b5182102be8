package io.driftwatch.cli.bench;

import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.cli.embedded.EmbeddedStack;
import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The soak (issue 5): many events from many containers through the full pipeline with the stateful
 * rules holding state all the time ({@link SyntheticWorkload#soakEvent}), while the heap is sampled
 * every few seconds. A producer thread stays at most {@code maxLag} events ahead of what the app has
 * committed, so the input never piles up in memory or on disk far ahead of the app. Each sample forces
 * a full collection first ({@code System.gc()}) and reads the heap in use after it: the live set, which
 * must stay bounded. The JVM also holds the embedded broker and the producer, so the figures are an
 * upper bound for the app's own heap; run it with the heap cap to prove ({@code DRIFTWATCH_JAVA_OPTS=-Xmx512m}).
 */
public final class SoakBench {
    /** One heap sample. */
    public record Sample(long seconds, long events, double eventsPerSec, long heapUsedMb, long liveMb, long rssMb) {
    }

    /** The soak's figures. */
    public record Result(long events, int containers, int partitions, double seconds, double eventsPerSec,
                         long maxHeapMb, long maxLiveMb, long lastLiveMb, long maxLiveFirstHalfMb, long maxLiveSecondHalfMb,
                         long maxRssMb, List<Sample> samples, String counters) {
        public String toJson() {
            return String.format(Locale.ROOT, "{\"events\": %d, \"containers\": %d, \"partitions\": %d, \"seconds\": %.1f, "
                            + "\"eventsPerSec\": %.1f, \"maxHeapMb\": %d, \"maxLiveHeapMb\": %d, \"lastLiveHeapMb\": %d, "
                            + "\"maxLiveHeapFirstHalfMb\": %d, \"maxLiveHeapSecondHalfMb\": %d, \"maxRssMb\": %d, \"samples\": %d}",
                    events, containers, partitions, seconds, eventsPerSec, maxHeapMb, maxLiveMb, lastLiveMb,
                    maxLiveFirstHalfMb, maxLiveSecondHalfMb, maxRssMb, samples.size());
        }
    }

    private final EmbeddedStack stack;
    private final PrintWriter progress;
    private final long events;
    private final int containers;
    private final int partitions;
    private final double eventRate;
    private final int threads;
    private final long sampleSeconds;
    private final long maxLag;

    public SoakBench(EmbeddedStack stack, PrintWriter progress, long events, int containers, int partitions, double eventRate,
                     int threads, long sampleSeconds, long maxLag) {
        this.stack = stack;
        this.progress = progress;
        this.events = events;
        this.containers = containers;
        this.partitions = partitions;
        this.eventRate = eventRate;
        this.threads = threads;
        this.sampleSeconds = sampleSeconds;
        this.maxLag = maxLag;
    }

    public Result run() throws Exception {
        DriftwatchConfig config = stack.config("driftwatch-soak", Map.of(
                "num.stream.threads", Integer.toString(threads),
                "commit.interval.ms", "100"));
        stack.createTopics(config, partitions);
        TopicCatalog catalog = TopicCatalog.builtIn();
        String input = catalog.name("file-events", config);
        long now = System.currentTimeMillis();
        SyntheticWorkload probe = new SyntheticWorkload(containers, 0, eventRate, 42);
        SyntheticWorkload workload = new SyntheticWorkload(containers, now - probe.span(events) - 120_000, eventRate, 42);
        progress.printf("  .. soak: %,d events (%,.0f s of event time at %,.0f/s), %,d containers, %d partitions, "
                        + "max heap %d MB, a sample every %d s (after a full GC)%n", events, probe.span(events) / 1000.0,
                eventRate, containers, partitions, Runtime.getRuntime().maxMemory() / (1024 * 1024), sampleSeconds);
        progress.flush();

        AtomicLong committed = new AtomicLong();
        AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        List<Sample> samples = new ArrayList<>();
        long began;
        String counters;
        try (KafkaProducer<String, Object> producer = producer(config);
             Admin admin = Admin.create(config.adminProperties())) {
            for (int c = 0; c < containers; c++) {
                ContainerMetadata metadata = workload.container(c);
                producer.send(new ProducerRecord<>(catalog.name("container-metadata", config), null, metadata.getStartedAt(),
                        metadata.getContainerId(), metadata));
            }
            producer.flush();
            stack.done(String.format("metadata of %,d containers produced", containers));
            try (DriftwatchApp app = DriftwatchApp.start(config)) {
                DriftwatchApp.awaitRunning(app.streams(), Duration.ofSeconds(120));
                began = System.nanoTime();
                Thread feeder = new Thread(() -> {
                    try {
                        for (long i = 0; i < events; i++) {
                            while (i - committed.get() > maxLag) {
                                producer.flush();
                                Thread.sleep(20);
                            }
                            FileEvent event = workload.soakEvent(i);
                            producer.send(new ProducerRecord<>(input, null, event.getTimestamp(), event.getContainerId(), event));
                        }
                        producer.flush();
                    } catch (Throwable e) {
                        producerFailure.set(e);
                    }
                }, "soak-producer");
                feeder.setDaemon(true);
                feeder.start();

                MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
                long nextSample = System.nanoTime() + TimeUnit.SECONDS.toNanos(sampleSeconds);
                long lastEvents = 0;
                long lastSampleAt = began;
                while (true) {
                    Thread.sleep(250);
                    committed.set(committedOffsets(admin, "driftwatch-soak", input));
                    if (producerFailure.get() != null) {
                        throw new IllegalStateException("the soak producer failed", producerFailure.get());
                    }
                    if (app.streams().state() == KafkaStreams.State.ERROR) {
                        throw new IllegalStateException("the app failed during the soak");
                    }
                    boolean finished = committed.get() >= events;
                    if (System.nanoTime() >= nextSample || finished) {
                        long heapUsed = memory.getHeapMemoryUsage().getUsed();
                        long live = liveHeap(memory);
                        long at = System.nanoTime();
                        long done = committed.get();
                        double rate = (done - lastEvents) / ((at - lastSampleAt) / 1e9);
                        Sample sample = new Sample(TimeUnit.NANOSECONDS.toSeconds(at - began), done, rate, mb(heapUsed), mb(live),
                                rssMb());
                        samples.add(sample);
                        long maxLive = samples.stream().mapToLong(Sample::liveMb).max().orElse(0);
                        progress.printf(Locale.ROOT, "     t=%5d s  %,12d events  %,8.0f ev/s  heap used %4d MB, after GC %4d MB "
                                        + "(max %4d MB)  RSS %,6d MB%n", sample.seconds(), done, rate, sample.heapUsedMb(),
                                sample.liveMb(), maxLive, sample.rssMb());
                        progress.flush();
                        lastEvents = done;
                        lastSampleAt = at;
                        nextSample = System.nanoTime() + TimeUnit.SECONDS.toNanos(sampleSeconds);
                    }
                    if (finished) {
                        break;
                    }
                }
                counters = app.counters().toString();
                progress.printf("  ok soak done: %s%n  ok %s%n", counters, outputs(catalog, config));
                progress.flush();
            }
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        int half = samples.size() / 2;
        return new Result(events, containers, partitions, seconds, events / seconds,
                samples.stream().mapToLong(Sample::heapUsedMb).max().orElse(0),
                samples.stream().mapToLong(Sample::liveMb).max().orElse(0),
                samples.isEmpty() ? 0 : samples.get(samples.size() - 1).liveMb(),
                samples.subList(0, half).stream().mapToLong(Sample::liveMb).max().orElse(0),
                samples.subList(half, samples.size()).stream().mapToLong(Sample::liveMb).max().orElse(0),
                samples.stream().mapToLong(Sample::rssMb).max().orElse(0), samples, counters);
    }

    /**
     * Heap in use after a full collection. A requested collection can be put off (a native call such as
     * RocksDB's may hold the GC locker): when the heap barely shrank, it is asked for again, up to three
     * times, and the least is kept.
     */
    private static long liveHeap(MemoryMXBean memory) throws InterruptedException {
        long before = memory.getHeapMemoryUsage().getUsed();
        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3; attempt++) {
            System.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
            if (least < before * 0.9) {
                break;
            }
            Thread.sleep(50);
        }
        return least;
    }

    private static long mb(long bytes) {
        return bytes / (1024 * 1024);
    }

    /** Resident set of this process (broker, app, RocksDB), from /proc; -1 where there is none. */
    static long rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static long committedOffsets(Admin admin, String groupId, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    /** What came out: alerts per rule and commands per action, read with read_committed. */
    private static String outputs(TopicCatalog catalog, DriftwatchConfig config) {
        Map<String, Long> alerts = new TreeMap<>();
        Map<String, Long> commands = new TreeMap<>();
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.keySet().removeIf(k -> !ConsumerConfig.configNames().contains(k) && !k.startsWith("schema.registry"));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        props.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        AvroDeserializer<Object> values = new AvroDeserializer<>();
        values.configure(props, false);
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String role : List.of("alerts", "response-commands")) {
                String topic = catalog.name(role, config);
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() instanceof Alert alert) {
                        alerts.merge(alert.getRuleId(), 1L, Long::sum);
                    } else if (record.value() instanceof ResponseCommand command) {
                        commands.merge(command.getAction().name(), 1L, Long::sum);
                    }
                }
            }
        }
        return "alerts " + alerts.values().stream().mapToLong(Long::longValue).sum() + " " + alerts + ", commands "
                + commands.values().stream().mapToLong(Long::longValue).sum() + " " + commands;
    }

    private static KafkaProducer<String, Object> producer(DriftwatchConfig config) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return new KafkaProducer<>(props);
    }
}
