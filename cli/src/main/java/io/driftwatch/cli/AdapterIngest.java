package io.driftwatch.cli;

import io.driftwatch.cli.RecordProducer;
import io.driftwatch.adapters.audit.AuditContainerMap;
import io.driftwatch.adapters.audit.LinuxAuditAdapter;
import io.driftwatch.adapters.audit.MalformedAuditException;
import io.driftwatch.adapters.k8saudit.LineTailer;
import io.driftwatch.adapters.tetragon.MalformedTetragonEventException;
import io.driftwatch.adapters.tetragon.TetragonAdapter;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
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
    private AdapterIngest() {
    }

    /** What the commands share: reading (to the end, or following), producing, the summary. */
    abstract static class Base implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--file", required = true, paramLabel = "FILE", description = "The file to read.")
        Path file;

        @Mixin
        FollowOptions input;

        @Option(names = "--dry-run",
                description = "Print the FileEvents as JSON lines (replay's --events form) instead of producing them.")
        boolean dryRun;

        @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE",
                description = "Set any configuration key (wins over --config).")
        Map<String, String> properties = new LinkedHashMap<>();

        @Mixin
        ConfigOptions options;

        @Spec
        CommandSpec spec;

        PrintWriter out;
        PrintWriter err;

        /** Where the adapter's records go: both adapters' output. */
        interface Sinks extends TetragonAdapter.Output, LinuxAuditAdapter.Output {
            void malformed(long line, String text, Exception reason) throws Exception;

            @Override
            default void malformed(long line, String text, MalformedTetragonEventException reason) throws Exception {
                malformed(line, text, (Exception) reason);
            }

            @Override
            default void malformed(long line, String text, MalformedAuditException reason) throws Exception {
                malformed(line, text, (Exception) reason);
            }
        }

        abstract String what();

        /** The adapter, reading the lines into {@code sinks}. */
        abstract LineIngest.Lines source(Sinks sinks) throws IOException;

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
            input.requireFile(file, what());
            DriftwatchConfig config = options.load().withOverrides(properties);
            LineIngest.Problems problems = new LineIngest.Problems(err, "(further malformed input is only counted)");
            AtomicLong events = new AtomicLong();
            AtomicLong records = new AtomicLong();
            AtomicLong deadLetters = new AtomicLong();
            try (LineIngest run = new LineIngest(file, input, err);
                 RecordProducer eventProducer = dryRun ? null : new RecordProducer(config, "file-events");
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
                            if (input.follow) {
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
                        problems.print((deadLetter != null ? "dead-lettered " : "malformed ") + file + ":" + line + ": "
                                + reason.getMessage());
                        if (deadLetter != null) {
                            deadLetter.send(text, reason, file.toString(), line);
                        }
                    }
                };
                LineIngest.Lines source = source(sinks);
                run.read(dryRun ? "standard output (dry run)" : eventProducer.topic(), source, () -> {
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
            }
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
        LineIngest.Lines source(Sinks sinks) {
            TetragonAdapter adapter = new TetragonAdapter(sinks);
            return new LineIngest.Lines() {
                @Override
                public void line(LineTailer.Line line) throws Exception {
                    adapter.line(line.number(), line.text());
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
        LineIngest.Lines source(Sinks sinks) throws IOException {
            AuditContainerMap map = mapping.map();
            if (map.isEmpty()) {
                err.println("note: no --audit-key, --audit-keys or --audit-rootfs: every event is a host event");
                err.flush();
            }
            LinuxAuditAdapter adapter = new LinuxAuditAdapter(map, mapping.node, sinks);
            return new LineIngest.Lines() {
                @Override
                public void line(LineTailer.Line line) throws Exception {
                    adapter.line(line.number(), line.text());
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
