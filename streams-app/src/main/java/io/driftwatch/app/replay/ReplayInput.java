package io.driftwatch.app.replay;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecordException;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Recorded inputs for replay, read strictly from JSON-lines files. */
public record ReplayInput(List<FileEvent> events, List<ContainerMetadata> metadata, List<ExecSession> sessions) {

    /** Reads the files; {@code metadata} and {@code sessions} may be null. A bad line fails with file and line. */
    public static ReplayInput read(Path events, Path metadata, Path sessions) throws IOException, JsonRecordException {
        return new ReplayInput(
                JsonRecords.readLines(events, FileEvent.class),
                metadata == null ? List.of() : JsonRecords.readLines(metadata, ContainerMetadata.class),
                sessions == null ? List.of() : JsonRecords.readLines(sessions, ExecSession.class));
    }
}
