package io.driftwatch.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.cli.replay.InputRecords;
import io.driftwatch.cli.replay.ReplayInput;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecordException;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ./driftwatch produce}: recorded inputs in replay's native JSON-lines form (or a capture) to the input
 * topics, as a sensor and the runtime watcher would write them. Also what {@code demo} plays its seed scenario with.
 */
@Command(name = "produce", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Produce recorded inputs to Driftwatch's input topics: the JSON lines replay reads (plain JSON, "
                + "the field names of ./driftwatch schemas print), or a capture, as Avro through the schema registry.",
                "Keys and record times are a sensor's: file events by containerId (host for the host's), container "
                        + "metadata by containerId at startedAt (a later record of a container, its stop, at stoppedAt), "
                        + "exec sessions by containerId, or namespace/pod when there is none, at startedAt (a closing "
                        + "update at endedAt).",
                "Every file is read and checked before anything is produced: a bad line stops it with FILE:LINE: "
                        + "message and exit 1. Then container metadata, exec sessions and file events are produced in "
                        + "that order, each in time order and each acknowledged before the next begins."})
final class ProduceCommand implements Callable<Integer> {
    /** How often a progress line is printed while producing. */
    private static final long PROGRESS_MILLIS = TimeUnit.SECONDS.toMillis(5);

    @Option(names = "--events", split = ",", paramLabel = "FILE",
            description = {"FileEvent records (JSON lines); repeatable or comma-separated. A capture (the JSON lines "
                    + "GET /api/v1/captures/{id} downloads, recognised by its first line) gives its container "
                    + "metadata, exec sessions and events."})
    List<Path> events = new ArrayList<>();

    @Option(names = "--metadata", split = ",", paramLabel = "FILE",
            description = "ContainerMetadata records (JSON lines); repeatable or comma-separated.")
    List<Path> metadata = new ArrayList<>();

    @Option(names = "--exec-sessions", split = ",", paramLabel = "FILE",
            description = "ExecSession records (JSON lines); repeatable or comma-separated.")
    List<Path> sessions = new ArrayList<>();

    @Option(names = "--shift-to-now",
            description = "Move every time (event times, startedAt, stoppedAt, endedAt) alike so that the newest event "
                    + "happened one second ago, as demo plays its scenario: recordings from the past then look live "
                    + "to the app's clock-skew and retention bounds.")
    boolean shiftToNow;

    @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE",
            description = "Set any configuration key, e.g. -Dlinger.ms=50 (wins over --config).")
    Map<String, String> properties = new LinkedHashMap<>();

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    /** How many records went to each input topic. */
    record Produced(long metadata, long sessions, long events) {
        @Override
        public String toString() {
            return "produced " + metadata + " " + InputRecords.CONTAINER_METADATA + ", " + sessions + " "
                    + InputRecords.EXEC_SESSIONS + ", " + events + " " + InputRecords.FILE_EVENTS + " records";
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (events.isEmpty() && metadata.isEmpty() && sessions.isEmpty()) {
            err.println("error: nothing to produce: give --events, --metadata or --exec-sessions");
            return 2;
        }
        DriftwatchConfig config = options.load().withOverrides(properties);
        config.require(DriftwatchConfig.BOOTSTRAP_SERVERS);
        config.require(DriftwatchConfig.SCHEMA_REGISTRY_URL);
        ReplayInput input;
        try {
            input = read(err);
        } catch (JsonRecordException e) {
            err.println("error: " + e.getMessage());
            err.println("nothing produced");
            return 1;
        }
        if (shiftToNow) {
            input = input.shiftedSoNewestIsAt(System.currentTimeMillis() - 1000);
        }
        TopicCatalog catalog = TopicCatalog.builtIn();
        err.printf("producing %d container-metadata, %d exec-sessions and %d file-events records to %s, %s and %s%n",
                input.metadata().size(), input.sessions().size(), input.events().size(),
                catalog.name(InputRecords.CONTAINER_METADATA, config), catalog.name(InputRecords.EXEC_SESSIONS, config),
                catalog.name(InputRecords.FILE_EVENTS, config));
        err.flush();
        Produced produced = produce(config, input, err);
        err.println(produced);
        err.flush();
        return 0;
    }

    /** Every file, strictly: the first bad line (or a missing file) stops it, naming the file and line. */
    private ReplayInput read(PrintWriter err) throws IOException, JsonRecordException {
        List<FileEvent> allEvents = new ArrayList<>();
        List<ContainerMetadata> allMetadata = new ArrayList<>();
        List<ExecSession> allSessions = new ArrayList<>();
        for (Path file : metadata) {
            allMetadata.addAll(readLines(file, ContainerMetadata.class, err));
        }
        for (Path file : sessions) {
            allSessions.addAll(readLines(file, ExecSession.class, err));
        }
        for (Path file : events) {
            exists(file);
            if (ReplayInput.isCapture(file)) {
                ReplayInput capture = ReplayInput.fromCapture(ReplayInput.readCapture(file));
                allMetadata.addAll(capture.metadata());
                allSessions.addAll(capture.sessions());
                allEvents.addAll(capture.events());
                err.printf("read %s: a capture of %d events, %d container-metadata and %d exec-sessions records%n", file,
                        capture.events().size(), capture.metadata().size(), capture.sessions().size());
            } else {
                allEvents.addAll(readLines(file, FileEvent.class, err));
            }
        }
        err.flush();
        return new ReplayInput(allEvents, allMetadata, allSessions);
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> List<T> readLines(Path file, Class<T> type,
                                                                                      PrintWriter err)
            throws IOException, JsonRecordException {
        exists(file);
        List<T> records = JsonRecords.readLines(file, type);
        err.printf("read %s: %d %s records%n", file, records.size(), type.getSimpleName());
        return records;
    }

    private static void exists(Path file) throws JsonRecordException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new JsonRecordException(file + ": no such file, or not readable");
        }
    }

    /**
     * Produces the inputs: container metadata, then exec sessions, then file events, each in time order (ties in
     * input order) and each acknowledged before the next begins, so the app knows a container before its events.
     * Metadata without startedAt is stamped with the earliest event time (or now without events). Prints a progress
     * line every few seconds to {@code progress} when not null.
     */
    static Produced produce(DriftwatchConfig config, ReplayInput input, PrintWriter progress) throws Exception {
        long undated = input.events().stream().mapToLong(FileEvent::getTimestamp).min().orElse(System.currentTimeMillis());
        List<List<InputRecords.Keyed>> kinds = List.of(InputRecords.metadata(input.metadata(), undated),
                InputRecords.sessions(input.sessions()), InputRecords.events(input.events()));
        long total = kinds.stream().mapToLong(List::size).sum();
        long[] counts = new long[kinds.size()];
        long done = 0;
        long nextProgress = System.currentTimeMillis() + PROGRESS_MILLIS;
        for (int kind = 0; kind < kinds.size(); kind++) {
            List<InputRecords.Keyed> records = new ArrayList<>(kinds.get(kind));
            if (records.isEmpty()) {
                continue;
            }
            records.sort(Comparator.comparingLong(InputRecords.Keyed::time));
            try (RecordProducer producer = new RecordProducer(config, records.get(0).role())) {
                for (InputRecords.Keyed record : records) {
                    producer.send(record.key(), record.time(), record.value());
                    if (++done % 1000 == 0 && progress != null && System.currentTimeMillis() >= nextProgress) {
                        progress.printf("progress: %d of %d records sent%n", done, total);
                        progress.flush();
                        nextProgress = System.currentTimeMillis() + PROGRESS_MILLIS;
                    }
                }
                producer.flush();
                counts[kind] = producer.acknowledged();
            }
        }
        return new Produced(counts[0], counts[1], counts[2]);
    }
}
