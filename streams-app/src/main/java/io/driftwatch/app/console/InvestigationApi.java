package io.driftwatch.app.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.app.query.CaptureLines;
import io.driftwatch.app.query.InvestigationService;
import io.driftwatch.app.query.InvestigationService.AlertBucket;
import io.driftwatch.app.query.InvestigationService.AlertFilter;
import io.driftwatch.app.query.InvestigationService.IncidentFilter;
import io.driftwatch.app.query.TrailPage;
import io.driftwatch.app.query.TrailQuery;
import io.driftwatch.model.Alert;
import io.driftwatch.model.Capture;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.Severity;
import io.driftwatch.schemas.json.JsonRecords;
import io.driftwatch.schemas.text.FieldText;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The investigation API's endpoints (src/api.md): each reads its parameters, asks the service for the scope the
 * request names, and writes the answer as JSON (records as {@link JsonRecords} writes them, the field names replay
 * uses).
 */
final class InvestigationApi {
    static final String SCOPE_HEADER = "X-Driftwatch-Scope";
    static final String USER_ATTRIBUTE = "driftwatch.user";
    static final int DEFAULT_INCIDENT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final int MAX_NOTE_LENGTH = 2000;
    static final Duration DEFAULT_ALERT_RANGE = Duration.ofHours(24);
    static final int MAX_BUCKETS = 2000;
    private static final Logger LOG = LoggerFactory.getLogger(InvestigationApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Severities from the most to the least severe: the order of the incident counts. */
    private static final List<Severity> SEVERITY_ORDER = List.of(Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM,
            Severity.LOW, Severity.INFO);

    private final InvestigationService cluster;
    private final InvestigationService local;
    private final Clock clock;

    InvestigationApi(InvestigationService cluster, InvestigationService local, Clock clock) {
        this.cluster = cluster;
        this.local = local;
        this.clock = clock;
    }

    /** A peer fanning out asks for this instance's own answer; everyone else for the cluster's. */
    private InvestigationService service(Context ctx) {
        String scope = ctx.header(SCOPE_HEADER);
        return scope != null && scope.trim().equalsIgnoreCase("local") ? local : cluster;
    }

    void trail(Context ctx) {
        TrailQuery query = TrailQuery.parse(ctx.queryParamMap(), clock.millis());
        TrailPage page = service(ctx).trail(query);
        ObjectNode root = JSON.createObjectNode();
        ArrayNode events = root.putArray("events");
        for (TrailPage.Entry entry : page.events()) {
            ObjectNode event = JsonRecords.toNode(entry.event());
            strings(event.putArray("alertIds"), entry.alertIds());
            events.add(event);
        }
        root.put("next", page.next());
        json(ctx, root);
    }

    void incidents(Context ctx) {
        ApiParameters p = new ApiParameters(ctx.queryParamMap(), Set.of("status", "severity", "namespace", "limit"));
        List<IncidentStatus> statuses = p.enums("status", IncidentStatus.class);
        List<Severity> severities = p.enums("severity", Severity.class);
        String namespace = p.one("namespace");
        int limit = p.integer("limit", DEFAULT_INCIDENT_LIMIT, 1, MAX_LIMIT);
        // The counts cover every match up to the bound, not only the page shown.
        List<Incident> matching = service(ctx).incidents(new IncidentFilter(statuses, severities, namespace, MAX_LIMIT));
        Map<Severity, Long> counts = new LinkedHashMap<>();
        SEVERITY_ORDER.forEach(s -> counts.put(s, 0L));
        matching.forEach(i -> counts.merge(i.getSeverity(), 1L, Long::sum));
        ObjectNode root = JSON.createObjectNode();
        ArrayNode incidents = root.putArray("incidents");
        matching.stream().limit(limit).forEach(i -> incidents.add(JsonRecords.toNode(i)));
        ObjectNode countNode = root.putObject("counts");
        counts.forEach((severity, n) -> countNode.put(severity.name(), n));
        json(ctx, root);
    }

    void incident(Context ctx) {
        String id = ctx.pathParam("id");
        Incident incident = service(ctx).incident(id)
                .orElseThrow(() -> new NoSuchElementException("no incident '" + id + "'"));
        json(ctx, JsonRecords.toNode(incident));
    }

    void changeStatus(Context ctx) {
        String id = ctx.pathParam("id");
        String user = user(ctx, "a state change");
        JsonNode body = statusAndNote(ctx);
        JsonNode statusNode = body.get("status");
        if (statusNode == null || !statusNode.isTextual()) {
            throw new IllegalArgumentException("'status' is required: one of " + List.of(IncidentStatus.values()));
        }
        IncidentStatus status;
        try {
            status = IncidentStatus.valueOf(statusNode.asText().trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'status' " + statusNode.asText() + " is not one of "
                    + List.of(IncidentStatus.values()));
        }
        JsonNode noteNode = body.get("note");
        if (noteNode == null || !noteNode.isTextual() || noteNode.asText().isBlank()) {
            throw new IllegalArgumentException("'note' is required: say why (it is kept with the change)");
        }
        String note = noteNode.asText().trim();
        if (note.length() > MAX_NOTE_LENGTH) {
            throw new IllegalArgumentException("'note' is longer than " + MAX_NOTE_LENGTH + " characters");
        }
        Incident updated = service(ctx).changeStatus(id, status, user, note);
        LOG.info("incident {} set to {} by {}: {}", FieldText.escapeControls(id), status, FieldText.escapeControls(user),
                FieldText.escapeControls(note));
        json(ctx, JsonRecords.toNode(updated));
    }

    /** POST /api/v1/incidents/{id}/plan/steps/{stepId}: {"status": "done|failed|skipped|pending", "note": ...}. */
    void updateStep(Context ctx) {
        updatePlan(ctx, "step", ctx.pathParam("stepId"));
    }

    /** POST /api/v1/incidents/{id}/plan/obligations/{obligationId}: {"status": "met|waived|open", "note": ...}. */
    void updateObligation(Context ctx) {
        updatePlan(ctx, "obligation", ctx.pathParam("obligationId"));
    }

    private void updatePlan(Context ctx, String target, String itemId) {
        String id = ctx.pathParam("id");
        String user = user(ctx, "a plan update");
        JsonNode body = statusAndNote(ctx);
        String allowed = target.equals("step") ? "done, failed, skipped or pending" : "met, waived or open";
        JsonNode statusNode = body.get("status");
        if (statusNode == null || !statusNode.isTextual() || statusNode.asText().isBlank()) {
            throw new IllegalArgumentException("'status' is required: " + allowed);
        }
        String status = statusNode.asText().trim().toLowerCase(Locale.ROOT);
        JsonNode noteNode = body.get("note");
        if (noteNode != null && !noteNode.isNull() && !noteNode.isTextual()) {
            throw new IllegalArgumentException("'note' must be text");
        }
        String note = noteNode == null || noteNode.isNull() || noteNode.asText().isBlank() ? null : noteNode.asText().trim();
        if (note != null && note.length() > MAX_NOTE_LENGTH) {
            throw new IllegalArgumentException("'note' is longer than " + MAX_NOTE_LENGTH + " characters");
        }
        Incident updated = service(ctx).updatePlan(id, target, itemId, status, user, note);
        LOG.info("incident {}: {} {} set to {} by {}", FieldText.escapeControls(id), target, FieldText.escapeControls(itemId),
                FieldText.escapeControls(status), FieldText.escapeControls(user));
        json(ctx, JsonRecords.toNode(updated));
    }

    /** The authenticated user of a change; 401 without one. */
    private static String user(Context ctx, String what) {
        String user = ctx.attribute(USER_ATTRIBUTE);
        if (user == null) {
            throw new ConsoleAuth.Refused(401, what + " needs a user: on loopback send "
                    + ConsoleAuth.USER_HEADER + ": <your name> (the CLI's --user)");
        }
        return user;
    }

    /** The body of a change: a JSON object with only {@code status} and {@code note}. */
    private static JsonNode statusAndNote(Context ctx) {
        JsonNode body;
        try {
            body = JSON.readTree(ctx.body());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object {\"status\": ..., \"note\": ...}");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("status") && !name.equals("note")) {
                throw new IllegalArgumentException("unknown field '" + name + "'; the body takes status and note");
            }
        }
        return body;
    }

    void capture(Context ctx) throws IOException {
        String id = ctx.pathParam("id");
        Capture capture = service(ctx).capture(id)
                .orElseThrow(() -> new NoSuchElementException("no capture '" + id + "'"));
        StringWriter lines = new StringWriter();
        CaptureLines.write(capture, lines);
        ctx.contentType("application/x-ndjson; charset=utf-8");
        ctx.header("Content-Disposition", "attachment; filename=\"" + fileName(id) + ".jsonl\"");
        ctx.result(lines.toString());
    }

    void alerts(Context ctx) {
        ApiParameters p = new ApiParameters(ctx.queryParamMap(), Set.of("alertId", "containerId", "from", "to", "limit"));
        List<String> alertIds = p.all("alertId");
        List<String> containerIds = p.all("containerId");
        if (alertIds.isEmpty() && containerIds.isEmpty()) {
            throw new IllegalArgumentException("give 'alertId' or 'containerId' (either may repeat)");
        }
        boolean byIdOnly = containerIds.isEmpty();
        long to = p.time("to", byIdOnly ? Long.MAX_VALUE : clock.millis());
        long from = p.time("from", byIdOnly ? 0 : to - DEFAULT_ALERT_RANGE.toMillis());
        if (to <= from) {
            throw new IllegalArgumentException("'to' must be after 'from'");
        }
        int limit = p.integer("limit", TrailQuery.DEFAULT_LIMIT, 1, MAX_LIMIT);
        List<Alert> alerts = service(ctx).alerts(new AlertFilter(alertIds, containerIds, from, to, limit));
        ObjectNode root = JSON.createObjectNode();
        ArrayNode array = root.putArray("alerts");
        alerts.stream().limit(limit).forEach(a -> array.add(JsonRecords.toNode(a)));
        json(ctx, root);
    }

    void histogram(Context ctx) {
        ApiParameters p = new ApiParameters(ctx.queryParamMap(), Set.of("from", "to", "bucket"));
        long to = p.time("to", clock.millis());
        long from = p.time("from", to - DEFAULT_ALERT_RANGE.toMillis());
        if (to <= from) {
            throw new IllegalArgumentException("'to' must be after 'from'");
        }
        String bucketText = p.one("bucket");
        long bucket;
        if (bucketText == null) {
            // About 48 bars, in whole minutes.
            bucket = Math.max(60_000, ((to - from) / 48 + 59_999) / 60_000 * 60_000);
        } else {
            try {
                bucket = Long.parseLong(bucketText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'bucket' must be milliseconds, was '" + bucketText + "'");
            }
            if (bucket < 1000) {
                throw new IllegalArgumentException("'bucket' must be at least 1000 (ms)");
            }
        }
        if ((to - from) / bucket > MAX_BUCKETS) {
            throw new IllegalArgumentException("at most " + MAX_BUCKETS + " buckets: widen 'bucket' or narrow the range");
        }
        List<AlertBucket> buckets = service(ctx).alertHistogram(from, to, bucket);
        ObjectNode root = JSON.createObjectNode();
        root.put("from", from).put("to", to).put("bucket", bucket);
        ArrayNode array = root.putArray("buckets");
        for (AlertBucket b : buckets) {
            ObjectNode node = array.addObject().put("start", b.start());
            ObjectNode counts = node.putObject("counts");
            b.counts().forEach(counts::put);
        }
        json(ctx, root);
    }

    /** {@code GET /api/v1/drills}: every drill report the drills topic holds, newest first ({@code ?limit=N}, default all up to 1000). */
    static void drills(Context ctx, List<io.driftwatch.model.DrillReport> reports) {
        int limit = MAX_LIMIT;
        String asked = ctx.queryParam("limit");
        if (asked != null) {
            try {
                limit = Integer.parseInt(asked.trim());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                error(ctx, 400, "limit must be a number from 1 to " + MAX_LIMIT);
                return;
            }
        }
        ObjectNode root = JSON.createObjectNode();
        ArrayNode array = root.putArray("drills");
        reports.stream().sorted(DrillHistory.NEWEST_FIRST).limit(limit).forEach(r -> array.add(JsonRecords.toNode(r)));
        json(ctx, root);
    }

    static void json(Context ctx, JsonNode node) {
        ctx.contentType("application/json; charset=utf-8");
        ctx.result(node.toString());
    }

    static void error(Context ctx, int status, String message) {
        ctx.status(status);
        ObjectNode root = JSON.createObjectNode();
        root.put("error", message);
        json(ctx, root);
    }

    private static void strings(ArrayNode array, List<String> values) {
        (values == null ? new ArrayList<String>() : values).forEach(array::add);
    }

    /** A name that is safe inside a Content-Disposition header. */
    static String fileName(String id) {
        String safe = id.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() || safe.startsWith(".") ? "capture" + safe : safe;
    }
}
