package io.driftwatch.adapters.k8saudit;

import io.driftwatch.model.ExecSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A recorded audit log read whole into exec-session records: the path {@code replay --k8s-audit} takes. */
public final class K8sAuditSessions {
    /** Default of {@code driftwatch.k8saudit.start.hold.ms}. */
    public static final Duration DEFAULT_START_HOLD = Duration.ofSeconds(1);

    private K8sAuditSessions() {
    }

    /**
     * The records the log gives, in the order ingest would produce them (opened sessions, then their closing
     * updates). Strict: a line that is not an audit event fails with {@code file:line}.
     */
    public static List<ExecSession> read(Path file, K8sAuditSettings settings) throws IOException, AuditParseException {
        List<ExecSession> sessions = new ArrayList<>();
        AuditLogProcessor processor = new AuditLogProcessor(settings.extractor(),
                update -> sessions.add(update.session()),
                (where, message) -> {
                    throw new AuditParseException(where + ": " + message);
                });
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "audit log not found");
        }
        try (LineTailer lines = new LineTailer(file, true)) {
            LineTailer.Line line;
            while ((line = lines.poll()) != null) {
                processor.line(line.where(), line.text());
            }
            line = lines.remainder();
            if (line != null) {
                processor.line(line.where(), line.text());
            }
            processor.finish();
        } catch (IOException | AuditParseException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return sessions;
    }
}
