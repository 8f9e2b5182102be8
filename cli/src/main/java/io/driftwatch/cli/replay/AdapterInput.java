package io.driftwatch.cli.replay;

import io.driftwatch.adapters.audit.AuditContainerMap;
import io.driftwatch.adapters.audit.LinuxAuditAdapter;
import io.driftwatch.adapters.audit.MalformedAuditException;
import io.driftwatch.adapters.k8saudit.LineTailer;
import io.driftwatch.adapters.tetragon.MalformedTetragonEventException;
import io.driftwatch.adapters.tetragon.TetragonAdapter;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.FileEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A recorded export of another sensor, read whole through its adapter for replay ({@code replay --format
 * tetragon|audit}): the same adapters as {@code ingest}, so replay sees what the topics would hold. Unlike the
 * native format, a malformed line (or audit event) does not stop the replay: it is reported, with its place
 * and reason, and counted, as ingest would dead-letter it.
 *
 * @param problems one {@code file:line: reason} per malformed line or event
 * @param summary the adapter's totals
 */
public record AdapterInput(List<FileEvent> events, List<ContainerMetadata> metadata, List<String> problems,
                           String summary) {

    /** A Tetragon JSON export: file events and the containers' metadata taken from the events. */
    public static AdapterInput tetragon(Path file) throws IOException {
        List<FileEvent> events = new ArrayList<>();
        List<ContainerMetadata> metadata = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        TetragonAdapter adapter = new TetragonAdapter(new TetragonAdapter.Output() {
            @Override
            public void metadata(ContainerMetadata record) {
                metadata.add(record);
            }

            @Override
            public void event(FileEvent event) {
                events.add(event);
            }

            @Override
            public void malformed(long line, String text, MalformedTetragonEventException reason) {
                problems.add(file + ":" + line + ": " + reason.getMessage());
            }
        });
        read(file, adapter::line, () -> {
        });
        return new AdapterInput(events, metadata, problems, adapter.summary());
    }

    /** A Linux audit log: file events, each in the container its key or root filesystem maps it to. */
    public static AdapterInput audit(Path file, AuditContainerMap containers, String node) throws IOException {
        List<FileEvent> events = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        LinuxAuditAdapter adapter = new LinuxAuditAdapter(containers, node, new LinuxAuditAdapter.Output() {
            @Override
            public void event(FileEvent event) {
                events.add(event);
            }

            @Override
            public void malformed(long line, String text, MalformedAuditException reason) {
                problems.add(file + ":" + line + ": " + reason.getMessage());
            }
        });
        read(file, adapter::line, adapter::finish);
        return new AdapterInput(events, List.of(), problems, adapter.summary());
    }

    private interface Lines {
        void line(long number, String text) throws Exception;
    }

    private interface End {
        void finish() throws Exception;
    }

    private static void read(Path file, Lines lines, End end) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "not found");
        }
        try (LineTailer tailer = new LineTailer(file, true)) {
            LineTailer.Line line;
            while ((line = tailer.poll()) != null) {
                lines.line(line.number(), line.text());
            }
            line = tailer.remainder();
            if (line != null) {
                lines.line(line.number(), line.text());
            }
            end.finish();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // the outputs above do not throw
        }
    }
}
