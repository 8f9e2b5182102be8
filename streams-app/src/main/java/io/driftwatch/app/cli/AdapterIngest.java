package io.driftwatch.app.cli;

import io.driftwatch.app.adapters.RecordProducer;
import io.driftwatch.app.adapters.audit.AuditContainerMap;
import io.driftwatch.app.adapters.audit.LinuxAuditAdapter;
import io.driftwatch.app.adapters.audit.MalformedAuditException;
import io.driftwatch.app.adapters.k8saudit.LineTailer;
import io.driftwatch.app.adapters.tetragon.MalformedTetragonEventException;
import io.driftwatch.app.adapters.tetragon.TetragonAdapter;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.app.topology.DeadLetters;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ./driftwatch ingest tetragon|audit}: another sensor's export, through its adapter, to the file-events topic
 * (and the container-metadata topic for Tetragon), keyed by container id; what the adapter cannot read to the
 * dead-letter topic with the reason. See src/adapters.md.
 */
final class AdapterIngest {
    private static final int PRINTED_PROBLEMS = 50;
    private static final long POLL_MS = 250;

    private AdapterIngest() {
    }

    /** What the commands share: reading (to the end, or following), producing, the summary. */
    abstract static class Base implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--file", required = true, paramLabel = "FILE", description = "The file to read.")
        Path file;

        @Option(names = "--follow", description = "Keep reading what is appended (tail -F), until Ctrl-C or --duration.")
        boolean follow;

        @Option(names = "--from-start",
                description = "With --follow: read what the file holds already first (default: only what is appended).")
        boolean fromStart;

        @Option(names = "--dry-run",
                description = "Print the FileEvents as JSON lines (replay's --events form) instead of producing them.")
        boolean dryRun;

        @Option(names = "--progress", paramLabel = "SECONDS", defaultValue = "5",
                description = "With --follow: print progress this often (default: ${DEFAULT-VALUE}; 0: never).")
        long progressSeconds;

        @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
                description = "With --follow: stop after this many seconds (default 0: run until Ctrl-C).")
        long durationSeconds;

        @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE",
                description = "Set any configuration key (wins over --config).")
        Map<String, String> properties = new LinkedHashMap<>();

        @Mixin
        ConfigOptions options;

        @Spec
        CommandSpec spec;

        PrintWriter out;
        PrintWriter err;
        private long problems;

        /** The adapter as the loop drives it. */
        interface Source {
            void line(long number, String text) throws Exception;

            void tick(long now) throws Exception;

            void finish() throws Exception;

            String summary();
        }

        /** Where the adapter's records go. */
        interface Sinks {
            void event(FileEvent event) throws Exception;

            void metadata(ContainerMetadata metadata) throws Exception;

            void malformed(long line, String text, Exception reason) throws Exception;
        }

        abstract String what();

        abstract Source source(Sinks sinks) throws IOException;

        /** Whether the adapter gives container metadata too. */
        abstract boolean metadata();

        /** Writes the metadata records of a dry run (null: not asked for). */
        Path metadataOut() {
            return null;
        }

        @Override
        public Integer call() throws Exception {
            out = spec.commandLine().getOut();
            err = spec.commandLine().getErr();
            if (!follow && !Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, what() + " not found");
            }
            DriftwatchConfig config = options.load().withOverrides(properties);
            CountDownLatch stop = new CountDownLatch(1);
            CountDownLatch cleanedUp = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                stop.countDown();
                try {
                    cleanedUp.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "ingest-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            AtomicLong events = new AtomicLong();
            AtomicLong records = new AtomicLong();
            AtomicLong deadLetters = new AtomicLong();
            try (RecordProducer eventProducer = dryRun ? null : new RecordProducer(config, "file-events");
                 RecordProducer metadataProducer = dryRun || !metadata() ? null : new RecordProducer(config, "container-metadata");
                 DeadLetterProducer deadLetter = dryRun ? null : new DeadLetterProducer(config);
                 BufferedWriter metadataFile = dryRun && metadataOut() != null
                         ? Files.newBufferedWriter(metadataOut(), StandardCharsets.UTF_8) : null) {
                Sinks sinks = new Sinks() {
                    @Override
                    public void event(FileEvent event) throws Exception {
                        events.incrementAndGet();
                        if (eventProducer == null) {
                            out.println(JsonRecords.write(event));
                            if (follow) {
                                out.flush();
                            }
                        } else {
                            eventProducer.send(event.getContainerId(), event.getTimestamp(), event);
                        }
                    }

                    @Override
                    public void metadata(ContainerMetadata metadata) throws Exception {
                        records.incrementAndGet();
                        long time = metadata.getStoppedAt() != null ? metadata.getStoppedAt()
                                : metadata.getStartedAt() != null ? metadata.getStartedAt() : System.currentTimeMillis();
                        if (metadataProducer != null) {
                            metadataProducer.send(metadata.getContainerId(), time, metadata);
                        } else if (metadataFile != null) {
                            metadataFile.write(JsonRecords.write(metadata));
                            metadataFile.newLine();
                        }
                    }

                    @Override
                    public void malformed(long line, String text, Exception reason) throws Exception {
                        deadLetters.incrementAndGet();
                        problem(file + ":" + line, reason.getMessage(), deadLetter != null);
                        if (deadLetter != null) {
                            deadLetter.send(text, reason, file.toString(), line);
                        }
                    }
                };
                Source source = source(sinks);
                if (follow) {
                    err.printf("following %s into %s; Ctrl-C stops%n", file,
                            dryRun ? "standard output (dry run)" : eventProducer.topic());
                    err.flush();
                }
                try (LineTailer lines = new LineTailer(file, !follow || fromStart)) {
                    if (follow) {
                        follow(lines, source, stop, () -> {
                            if (eventProducer != null) {
                                eventProducer.check();
                            }
                            if (metadataProducer != null) {
                                metadataProducer.check();
                            }
                            if (deadLetter != null) {
                                deadLetter.check();
                            }
                        });
                    } else {
                        LineTailer.Line line;
                        while ((line = lines.poll()) != null) {
                            source.line(line.number(), line.text());
                        }
                        line = lines.remainder();
                        if (line != null) {
                            source.line(line.number(), line.text());
                        }
                    }
                    source.finish();
                }
                out.flush();
                if (eventProducer != null) {
                    eventProducer.flush();
                }
                if (metadataProducer != null) {
                    metadataProducer.flush();
                }
                if (deadLetter != null) {
                    deadLetter.flush();
                }
                StringBuilder summary = new StringBuilder(file + ": " + source.summary());
                if (dryRun) {
                    summary.append("; ").append(events.get()).append(" events printed")
                            .append(metadata() ? ", " + records.get() + " container records"
                                    + (metadataFile != null ? " written to " + metadataOut() : " (not written)") : "");
                } else {
                    summary.append("; produced ").append(events.get()).append(" events to ").append(eventProducer.topic());
                    if (metadataProducer != null) {
                        summary.append(", ").append(records.get()).append(" container records to ")
                                .append(metadataProducer.topic());
                    }
                    summary.append(", ").append(deadLetters.get()).append(" dead letters to ").append(deadLetter.topic());
                }
                err.println(summary);
                err.flush();
                return 0;
            } finally {
                cleanedUp.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is running and now returns
                }
            }
        }

        /** Throws the first failure of an asynchronous send. */
        interface Check {
            void check() throws Exception;
        }

        private void follow(LineTailer lines, Source source, CountDownLatch stop, Check producers) throws Exception {
            long started = System.currentTimeMillis();
            long deadline = durationSeconds > 0 ? started + TimeUnit.SECONDS.toMillis(durationSeconds) : Long.MAX_VALUE;
            long progressMs = TimeUnit.SECONDS.toMillis(progressSeconds);
            long nextProgress = progressMs > 0 ? started + progressMs : Long.MAX_VALUE;
            boolean waitingNoted = false;
            long sinceCheck = 0;
            while (stop.getCount() > 0) {
                LineTailer.Line line = lines.poll();
                long now;
                if (line != null) {
                    source.line(line.number(), line.text());
                    if (++sinceCheck < 1000) {
                        continue;
                    }
                    sinceCheck = 0;
                    now = System.currentTimeMillis();
                } else {
                    sinceCheck = 0;
                    now = System.currentTimeMillis();
                    if (!lines.isOpen() && !waitingNoted) {
                        err.printf("waiting for %s to appear%n", file);
                        err.flush();
                        waitingNoted = true;
                    }
                    source.tick(now); // caught up: the file is quiet
                }
                producers.check();
                if (now >= nextProgress) {
                    err.printf("progress: %s%n", source.summary());
                    err.flush();
                    nextProgress = now + progressMs;
                }
                if (now >= deadline) {
                    break;
                }
                if (line == null) {
                    stop.await(POLL_MS, TimeUnit.MILLISECONDS);
                }
            }
            LineTailer.Line line;
            while ((line = lines.poll()) != null) {
                source.line(line.number(), line.text());
            }
        }

        private void problem(String where, String message, boolean deadLettered) {
            if (problems < PRINTED_PROBLEMS) {
                err.printf("%s %s: %s%n", deadLettered ? "dead-lettered" : "malformed", where, message);
            } else if (problems == PRINTED_PROBLEMS) {
                err.printf("(further malformed input is only counted)%n");
            }
            problems++;
            err.flush();
        }
    }

    @Command(name = "tetragon", mixinStandardHelpOptions = true,
            description = {"Read a Tetragon JSON export (tetra getevents -o json, or the export file "
                    + "/var/run/cilium/tetragon/tetragon.log) and produce its file events (process_kprobe/process_lsm "
                    + "file hooks, process_exec) as FileEvents to the file-events topic and the pods' containers as "
                    + "ContainerMetadata to the container-metadata topic, keyed by container id.",
                    "Other events (process_exit, network hooks) are counted and skipped; a line that is not a Tetragon "
                    + "event goes to the dead-letter topic with the reason. See src/adapters.md."})
    static final class Tetragon extends Base {
        @Option(names = "--metadata-out", paramLabel = "FILE",
                description = "With --dry-run: write the ContainerMetadata records here (replay's --metadata form).")
        Path metadataOut;

        @Override
        String what() {
            return "Tetragon export";
        }

        @Override
        boolean metadata() {
            return true;
        }

        @Override
        Path metadataOut() {
            return metadataOut;
        }

        @Override
        Source source(Sinks sinks) {
            TetragonAdapter adapter = new TetragonAdapter(new TetragonAdapter.Output() {
                @Override
                public void metadata(ContainerMetadata metadata) throws Exception {
                    sinks.metadata(metadata);
                }

                @Override
                public void event(FileEvent event) throws Exception {
                    sinks.event(event);
                }

                @Override
                public void malformed(long line, String text, MalformedTetragonEventException reason) throws Exception {
                    sinks.malformed(line, text, reason);
                }
            });
            return new Source() {
                @Override
                public void line(long number, String text) throws Exception {
                    adapter.line(number, text);
                }

                @Override
                public void tick(long now) {
                }

                @Override
                public void finish() {
                }

                @Override
                public String summary() {
                    return adapter.summary();
                }
            };
        }
    }

    @Command(name = "audit", mixinStandardHelpOptions = true,
            description = {"Read a Linux audit log (auditd's /var/log/audit/audit.log, RAW or ENRICHED format) and "
                    + "produce its file syscalls as FileEvents to the file-events topic, keyed by container id.",
                    "Audit records carry no container id: --audit-key KEY=CONTAINERID (or --audit-keys FILE) maps the "
                    + "key of the audit rule (auditctl -w ROOTFS -p wa -k KEY) to the container, --audit-rootfs maps "
                    + "paths under a container's root filesystem; the rest are host events. An event that cannot be "
                    + "read goes to the dead-letter topic with the reason. See src/adapters.md."})
    static final class Audit extends Base {
        @Mixin
        AuditMappingOptions mapping;

        @Override
        String what() {
            return "audit log";
        }

        @Override
        boolean metadata() {
            return false;
        }

        @Override
        Source source(Sinks sinks) throws IOException {
            AuditContainerMap map = mapping.map();
            if (map.isEmpty()) {
                err.println("note: no --audit-key, --audit-keys or --audit-rootfs: every event is a host event");
                err.flush();
            }
            LinuxAuditAdapter adapter = new LinuxAuditAdapter(map, mapping.node, new LinuxAuditAdapter.Output() {
                @Override
                public void event(FileEvent event) throws Exception {
                    sinks.event(event);
                }

                @Override
                public void malformed(long line, String text, MalformedAuditException reason) throws Exception {
                    sinks.malformed(line, text, reason);
                }
            });
            return new Source() {
                @Override
                public void line(long number, String text) throws Exception {
                    adapter.line(number, text);
                }

                @Override
                public void tick(long now) throws Exception {
                    adapter.tick(now);
                }

                @Override
                public void finish() throws Exception {
                    adapter.finish();
                }

                @Override
                public String summary() {
                    return adapter.summary();
                }
            };
        }
    }

    /**
     * The dead-letter topic for input that never was a record: the original bytes (the line, or an audit event's
     * lines), no key, and the provenance headers of DESIGN.md with the file as the "topic", no partition (-1) and
     * the line number as the "offset".
     */
    static final class DeadLetterProducer implements AutoCloseable {
        private final KafkaProducer<String, byte[]> producer;
        private final String topic;
        private final AtomicReference<Exception> failure = new AtomicReference<>();

        DeadLetterProducer(DriftwatchConfig config) {
            config.require(DriftwatchConfig.BOOTSTRAP_SERVERS);
            this.topic = TopicCatalog.builtIn().name("dead-letter", config);
            Map<String, Object> props = new HashMap<>(config.clientProperties());
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "driftwatch-ingest-dead-letter");
            this.producer = new KafkaProducer<>(props);
        }

        String topic() {
            return topic;
        }

        void send(String text, Exception reason, String source, long line) throws Exception {
            Exception earlier = failure.get();
            if (earlier != null) {
                throw new IllegalStateException("could not write to " + topic + ": " + earlier.getMessage(), earlier);
            }
            RecordHeaders headers = new RecordHeaders();
            headers.add(DeadLetters.REASON, bytes(reason.getMessage()));
            headers.add(DeadLetters.EXCEPTION, bytes(reason.getClass().getName()));
            headers.add(DeadLetters.TOPIC, bytes(source));
            headers.add(DeadLetters.PARTITION, bytes("-1"));
            headers.add(DeadLetters.OFFSET, bytes(Long.toString(line)));
            producer.send(new ProducerRecord<>(topic, null, null, null, bytes(text), headers), (metadata, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
            });
        }

        void flush() throws Exception {
            producer.flush();
            check();
        }

        void check() {
            Exception e = failure.get();
            if (e != null) {
                throw new IllegalStateException("could not write to " + topic + ": " + e.getMessage(), e);
            }
        }

        private static byte[] bytes(String s) {
            return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(30));
        }
    }
}
