package io.driftwatch.adapters.k8saudit;

import io.driftwatch.model.ExecSession;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Kubernetes audit events of {@code pods/exec} requests into ExecSession records
 * (DESIGN.md "Records", "Attribution"); see src/k8s-audit.md for the decisions.
 *
 * <ul>
 *   <li>Only {@code objectRef.resource == "pods"} with {@code subresource == "exec"}, whatever the verb
 *       ({@code create} over SPDY from older kubectl, {@code get} over WebSocket from newer). {@code attach}
 *       is skipped (counted): an attached client talks to the container's own main process, which the
 *       pipeline counts as the workload, so a session would only mislabel other processes.</li>
 *   <li>{@code ResponseStarted} opens a session (startedAt = requestReceivedTimestamp, endedAt null);
 *       {@code ResponseComplete} (or {@code Panic}) closes it with a closing update (endedAt = stageTimestamp).</li>
 *   <li>{@code RequestReceived} alone is not yet a session: the request may still be refused. It is held until
 *       the request's next stage, or until the log has moved {@code startHold} past it (then it opens a session
 *       that started at requestReceivedTimestamp), or until the log ends. So a log with only RequestReceived and
 *       ResponseComplete still gives sessions, and one with only ResponseComplete gives one closed record.</li>
 *   <li>A request that ends with a response code of 400 or more, or in {@code Panic}, before any session was
 *       opened for it, was refused or failed: no session, counted as refused.</li>
 *   <li>Identity: the impersonated user when there is one (the identity the exec ran as: what an
 *       authenticating proxy such as Teleport, Rancher or kube-oidc-proxy names), with the impersonated groups
 *       plus {@code impersonated-by:<authenticated user>}; else {@code user.username} and {@code user.groups}.</li>
 *   <li>The container and command come from the request URI's query ({@code container=}, repeated
 *       {@code command=}, URL-decoded, joined by spaces); without {@code container=} the container name is
 *       null: the API server then ran the exec in the pod's only container (it refuses one without a container
 *       into a pod of several), which the audit event does not name.</li>
 * </ul>
 *
 * Records are keyed {@code namespace/pod} (the adapter never knows container ids). The same auditID and stage
 * seen again (a re-sent webhook batch, a re-read file) is ignored. A session whose end never comes is
 * forgotten here after {@code idle} (the pipeline closes it after the same bound,
 * {@code driftwatch.exec.session.idle.ms}); a late end still produces its closing update.
 * Not thread-safe.
 */
public final class ExecSessionExtractor {
    public static final String IMPERSONATED_BY = "impersonated-by:";
    private static final Pattern EXEC_PATH = Pattern.compile(
            "^/api/v1/namespaces/([^/?]+)/pods/([^/?]+)/(exec|attach)(?:[/?].*)?$");
    private static final int REMEMBERED = 50_000;

    /** What an update is: a session opened, the closing update of an opened one, or a session whole at once. */
    public enum Kind { OPENED, CLOSED, COMPLETE }

    /**
     * One record for the exec-sessions topic.
     *
     * @param key  {@code namespace/pod}
     * @param time the record's event time: startedAt for an opened or complete session, endedAt for a closing update
     */
    public record Update(Kind kind, String key, long time, ExecSession session) {
    }

    /** Running totals, for progress and the summary. */
    public static final class Counts {
        long auditEvents;
        long execEvents;
        long opened;
        long closed;
        long refused;
        long skippedAttach;
        long skippedOther;
        long repeated;
        long expired;

        public long auditEvents() { return auditEvents; }
        /** audit events of pods/exec requests (every stage) */
        public long execEvents() { return execEvents; }
        /** sessions started (a complete record counts as opened and closed) */
        public long opened() { return opened; }
        public long closed() { return closed; }
        /** exec requests refused or failed before a session started (403, 404, Panic, ...) */
        public long refused() { return refused; }
        /** pods/attach events skipped */
        public long skippedAttach() { return skippedAttach; }
        /** audit events of other requests skipped */
        public long skippedOther() { return skippedOther; }
        /** a stage of a request seen again, ignored */
        public long repeated() { return repeated; }
        /** open sessions forgotten after the idle bound without an end */
        public long expired() { return expired; }
    }

    private final long startHoldMs;
    private final long idleMs;
    private final Counts counts = new Counts();
    /** RequestReceived stages waiting to see whether the request is allowed. */
    private final Map<String, Held> held = new LinkedHashMap<>();
    /** Sessions opened and not closed yet. */
    private final Map<String, Update> open = new LinkedHashMap<>();
    /** Sessions forgotten after the idle bound, so that a late end still closes them (bounded). */
    private final Map<String, Update> expired = bounded();
    private final Map<String, Boolean> seenStages = bounded();
    private final Map<String, Boolean> finished = bounded();
    private long logTime = Long.MIN_VALUE;
    private long lastIdleCheck = Long.MIN_VALUE;

    /**
     * @param startHold how long (log time) a RequestReceived stage waits for the request's next stage before it
     *                  opens a session by itself; zero opens at once
     * @param idle      how long after its start an open session without an end is forgotten
     */
    public ExecSessionExtractor(Duration startHold, Duration idle) {
        this.startHoldMs = Math.max(0, startHold.toMillis());
        this.idleMs = idle.toMillis();
    }

    public Counts counts() {
        return counts;
    }

    /** Sessions opened whose end has not been seen (and not forgotten yet). */
    public int openSessions() {
        return open.size();
    }

    /** RequestReceived stages still waiting. */
    public int heldRequests() {
        return held.size();
    }

    /** The latest stage time seen in the log, or Long.MIN_VALUE before any. */
    public long logTime() {
        return logTime;
    }

    /**
     * One audit event; returns the records it produces (often none). An exec event that names no pod or carries no
     * time is refused with an exception (the caller reports it with file and line); the extractor stays usable.
     */
    public List<Update> accept(AuditEvent event) throws AuditParseException {
        counts.auditEvents++;
        List<Update> out = new ArrayList<>();
        Target target = target(event);
        if (target == null || !target.subresource().equals("exec")) {
            if (target != null) {
                counts.skippedAttach++;
            } else {
                counts.skippedOther++;
            }
            advance(event.time(), out);
            return out;
        }
        counts.execEvents++;
        if (event.requestReceived() == null && event.stageTime() == null) {
            throw new AuditParseException("pods/exec audit event " + event.auditId()
                    + " has neither requestReceivedTimestamp nor stageTimestamp");
        }
        if (seenStages.put(event.auditId() + "|" + event.stage(), Boolean.TRUE) != null) {
            counts.repeated++;
            advance(event.time(), out);
            return out;
        }
        if (!finished.containsKey(event.auditId())) {
            switch (event.stage()) {
                case AuditEvent.REQUEST_RECEIVED -> {
                    if (!open.containsKey(event.auditId())) {
                        // The hold counts from the request's time, or from where the log is when it comes late.
                        long received = event.requestReceived() != null ? event.requestReceived() : event.stageTime();
                        held.put(event.auditId(), new Held(event, target, Math.max(received, logTime) + startHoldMs));
                    }
                }
                case AuditEvent.RESPONSE_STARTED -> started(event, target, out);
                case AuditEvent.RESPONSE_COMPLETE, AuditEvent.PANIC -> completed(event, target, out);
                default -> {
                    // an unknown stage: nothing to do
                }
            }
        }
        advance(event.time(), out);
        return out;
    }

    /**
     * Moves time on to {@code now} (the log's time, or the wall clock when a followed log is quiet): held requests
     * older than the start hold open their sessions; open sessions older than the idle bound are forgotten.
     */
    public List<Update> advanceTo(long now) {
        List<Update> out = new ArrayList<>();
        releaseHeld(now, out);
        forgetIdle(now);
        return out;
    }

    /** The end of the input: every held request opens its session (it may still be running). */
    public List<Update> finish() {
        List<Update> out = new ArrayList<>();
        releaseHeld(Long.MAX_VALUE, out);
        return out;
    }

    private void advance(Long time, List<Update> out) {
        if (time != null && time > logTime) {
            logTime = time;
        }
        if (logTime != Long.MIN_VALUE) {
            releaseHeld(logTime, out);
            if (lastIdleCheck == Long.MIN_VALUE || logTime - lastIdleCheck >= 1000) {
                lastIdleCheck = logTime;
                forgetIdle(logTime);
            }
        }
    }

    private void started(AuditEvent event, Target target, List<Update> out) {
        if (open.containsKey(event.auditId())) {
            return;
        }
        if (failed(event)) {
            held.remove(event.auditId());
            finished.put(event.auditId(), Boolean.TRUE);
            counts.refused++;
            return;
        }
        Held first = held.remove(event.auditId());
        open(first != null ? merge(first.event(), event) : event, target, out);
    }

    private void completed(AuditEvent event, Target target, List<Update> out) {
        finished.put(event.auditId(), Boolean.TRUE);
        Held first = held.remove(event.auditId());
        Update opened = open.remove(event.auditId());
        if (opened == null) {
            opened = expired.remove(event.auditId());
        }
        long end = event.stageTime() != null ? event.stageTime() : event.requestReceived();
        if (opened != null) {
            ExecSession closed = ExecSession.newBuilder(opened.session())
                    .setEndedAt(Math.max(end, opened.session().getStartedAt())).build();
            out.add(new Update(Kind.CLOSED, opened.key(), closed.getEndedAt(), closed));
            counts.closed++;
            return;
        }
        if (failed(event)) {
            counts.refused++;
            return;
        }
        ExecSession whole = session(first != null ? merge(first.event(), event) : event, target, end);
        out.add(new Update(Kind.COMPLETE, key(target), whole.getStartedAt(), whole));
        counts.opened++;
        counts.closed++;
    }

    private void open(AuditEvent event, Target target, List<Update> out) {
        ExecSession session = session(event, target, null);
        Update update = new Update(Kind.OPENED, key(target), session.getStartedAt(), session);
        open.put(event.auditId(), update);
        out.add(update);
        counts.opened++;
    }

    private void releaseHeld(long now, List<Update> out) {
        for (Iterator<Held> it = held.values().iterator(); it.hasNext(); ) {
            Held request = it.next();
            if (request.until() <= now) {
                it.remove();
                open(request.event(), request.target(), out);
            }
        }
    }

    private void forgetIdle(long now) {
        for (Iterator<Update> it = open.values().iterator(); it.hasNext(); ) {
            Update update = it.next();
            if (update.session().getStartedAt() + idleMs <= now) {
                it.remove();
                expired.put(update.session().getSessionId(), update);
                counts.expired++;
            }
        }
    }

    private static boolean failed(AuditEvent event) {
        return AuditEvent.PANIC.equals(event.stage()) || (event.responseCode() != null && event.responseCode() >= 400);
    }

    /** The earlier stage's request time with the later stage's identity fields (they are the same in practice). */
    private static AuditEvent merge(AuditEvent first, AuditEvent later) {
        Long received = later.requestReceived() != null ? later.requestReceived() : first.requestReceived();
        return new AuditEvent(later.auditId(), later.stage(), later.verb(), later.requestUri(), later.username(),
                later.groups(), later.impersonatedUser(), later.impersonatedGroups(), later.sourceIps(),
                later.resource(), later.subresource(), later.namespace(), later.name(), later.responseCode(),
                received != null ? received : first.stageTime(), later.stageTime());
    }

    /** The session an exec event describes; {@code endedAt} null for an open one. */
    static ExecSession session(AuditEvent event, Target target, Long endedAt) {
        Map<String, List<String>> query = query(event.requestUri());
        List<String> commands = query.getOrDefault("command", List.of());
        List<String> containers = query.getOrDefault("container", List.of());
        boolean impersonated = event.impersonatedUser() != null && !event.impersonatedUser().isBlank();
        List<String> groups = new ArrayList<>(impersonated ? event.impersonatedGroups() : event.groups());
        if (impersonated && event.username() != null) {
            groups.add(IMPERSONATED_BY + event.username());
        }
        long started = event.requestReceived() != null ? event.requestReceived() : event.stageTime();
        return ExecSession.newBuilder()
                .setSessionId(event.auditId())
                .setUser(impersonated ? event.impersonatedUser() : event.username())
                .setGroups(groups)
                .setSourceIps(new ArrayList<>(event.sourceIps()))
                .setNamespace(target.namespace())
                .setPodName(target.pod())
                .setContainerName(containers.isEmpty() || containers.get(0).isBlank() ? null : containers.get(0))
                .setContainerId(null)
                .setCommand(commands.isEmpty() ? null : String.join(" ", commands))
                .setStartedAt(started)
                .setEndedAt(endedAt == null ? null : Math.max(endedAt, started))
                .build();
    }

    private record Held(AuditEvent event, Target target, long until) {
    }

    /** The pod an exec or attach request is for, or null for any other request. */
    record Target(String namespace, String pod, String subresource) {
    }

    /** objectRef first; the request path when the event has no objectRef (policies may strip it, never the URI). */
    static Target target(AuditEvent event) throws AuditParseException {
        String subresource = event.subresource();
        String resource = event.resource();
        String namespace = event.namespace();
        String pod = event.name();
        if (resource == null && event.requestUri() != null) {
            Matcher path = EXEC_PATH.matcher(event.requestUri());
            if (path.matches()) {
                resource = "pods";
                namespace = decode(path.group(1));
                pod = decode(path.group(2));
                subresource = path.group(3);
            }
        }
        if (!"pods".equals(resource) || !("exec".equals(subresource) || "attach".equals(subresource))) {
            return null;
        }
        if (namespace == null || namespace.isBlank() || pod == null || pod.isBlank()) {
            throw new AuditParseException("pods/" + subresource + " audit event " + event.auditId()
                    + " names no namespace and pod");
        }
        return new Target(namespace, pod, subresource);
    }

    /** The record key: {@code namespace/pod} (DESIGN.md: the key when the container is not known). */
    static String key(Target target) {
        return target.namespace() + "/" + target.pod();
    }

    /** The request URI's query, URL-decoded (a {@code +} is a space, as Go's url.Values writes it), in order. */
    static Map<String, List<String>> query(String uri) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (uri == null) {
            return values;
        }
        int start = uri.indexOf('?');
        if (start < 0) {
            return values;
        }
        int fragment = uri.indexOf('#', start);
        String query = uri.substring(start + 1, fragment < 0 ? uri.length() : fragment);
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return values;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException badEscape) {
            return text; // a stray %: keep what the client sent
        }
    }

    private static <V> Map<String, V> bounded() {
        return new LinkedHashMap<>(1024, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > REMEMBERED;
            }
        };
    }
}
