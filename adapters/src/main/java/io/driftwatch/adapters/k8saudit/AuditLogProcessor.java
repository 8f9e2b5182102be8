package io.driftwatch.adapters.k8saudit;

import io.driftwatch.adapters.k8saudit.ExecSessionExtractor.Update;
import java.util.List;

/**
 * Lines of an audit log in, exec-session records out: parses each line (an Event or an EventList),
 * feeds the extractor and hands what it produces to the sink. A line that cannot be read is given
 * to the problem handler with its place ({@code file:line}): {@code ingest} counts and reports it
 * and goes on, {@code replay} stops on it.
 */
public final class AuditLogProcessor {
    /** Where the records go. */
    @FunctionalInterface
    public interface Sink {
        void accept(Update update) throws Exception;
    }

    /** What to do with a line that is not an audit event; throwing stops the reading. */
    @FunctionalInterface
    public interface Problems {
        void problem(String where, String message) throws AuditParseException;
    }

    private final ExecSessionExtractor extractor;
    private final Sink sink;
    private final Problems problems;
    private long lines;
    private long malformed;
    private long records;

    public AuditLogProcessor(ExecSessionExtractor extractor, Sink sink, Problems problems) {
        this.extractor = extractor;
        this.sink = sink;
        this.problems = problems;
    }

    /** One line of the log; {@code where} names it ({@code file:line}). */
    public void line(String where, String text) throws Exception {
        lines++;
        if (text == null) {
            malformed++;
            problems.problem(where, "line longer than " + LineTailer.MAX_LINE_BYTES + " bytes, skipped");
            return;
        }
        if (text.isBlank()) {
            return;
        }
        AuditEventParser.Parsed parsed;
        try {
            parsed = AuditEventParser.parse(text);
        } catch (AuditParseException e) {
            malformed++;
            problems.problem(where, e.getMessage());
            return;
        }
        for (String problem : parsed.problems()) {
            malformed++;
            problems.problem(where, problem);
        }
        for (AuditEvent event : parsed.events()) {
            List<Update> updates;
            try {
                updates = extractor.accept(event);
            } catch (AuditParseException e) {
                malformed++;
                problems.problem(where, e.getMessage());
                continue;
            }
            send(updates);
        }
    }

    /** A followed log is quiet: time moves on by the wall clock (held requests open, idle sessions are forgotten). */
    public void tick(long now) throws Exception {
        send(extractor.advanceTo(now));
    }

    /** The end of the input: held requests open their sessions. */
    public void finish() throws Exception {
        send(extractor.finish());
    }

    private void send(List<Update> updates) throws Exception {
        for (Update update : updates) {
            sink.accept(update);
            records++;
        }
    }

    public ExecSessionExtractor extractor() {
        return extractor;
    }

    public long lines() {
        return lines;
    }

    /** Lines (or event-list items) that could not be read. */
    public long malformed() {
        return malformed;
    }

    /** Records handed to the sink. */
    public long records() {
        return records;
    }

    /** One line of totals, for progress and the summary. */
    public String summary() {
        ExecSessionExtractor.Counts c = extractor.counts();
        return String.format("%d lines, %d audit events (%d of pods/exec): %d sessions opened, %d closed, %d still open, "
                        + "%d left open past the idle bound; %d exec requests refused or failed; skipped: %d malformed lines, "
                        + "%d pods/attach events, %d other events, %d repeated stages; %d records",
                lines, c.auditEvents(), c.execEvents(), c.opened(), c.closed(),
                extractor.openSessions() + extractor.heldRequests(), c.expired(), c.refused(), malformed, c.skippedAttach(),
                c.skippedOther(), c.repeated(), records);
    }
}
