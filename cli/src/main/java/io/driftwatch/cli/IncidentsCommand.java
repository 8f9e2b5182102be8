package io.driftwatch.cli;

import static io.driftwatch.cli.ConsoleClient.formatTime;
import static io.driftwatch.cli.ConsoleClient.safe;
import static io.driftwatch.cli.TrailCommand.strings;
import static io.driftwatch.cli.TrailCommand.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code driftwatch incidents}: list, show and change incidents through the HTTP API (src/api.md). */
@Command(name = "incidents", mixinStandardHelpOptions = true,
        header = "List, show, acknowledge, contain, resolve incidents.",
        description = {"Incidents are alerts folded per pod (or container), with the responses taken and a lifecycle "
                + "OPEN -> ACKNOWLEDGED -> CONTAINED -> RESOLVED or FALSE_POSITIVE. These commands call the HTTP API "
                + "of a running 'driftwatch run' or 'demo' (src/api.md); a change is recorded with who made it and "
                + "the note."},
        footer = {"", "Exit codes: 0 done; 1 the API refused (e.g. a change the lifecycle does not allow) or could not "
                + "be reached; 2 bad usage."},
        subcommands = {IncidentsCommand.ListIncidents.class, IncidentsCommand.Show.class, IncidentsCommand.Ack.class,
                IncidentsCommand.Contain.class, IncidentsCommand.Resolve.class, IncidentsCommand.FalsePositive.class,
                IncidentsCommand.StepCommand.class, IncidentsCommand.ObligationCommand.class})
final class IncidentsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, header = "Incidents, newest first, with counts by severity.")
    static final class ListIncidents implements Callable<Integer> {
        @Option(names = "--status", paramLabel = "STATUS", split = ",",
                description = "OPEN, ACKNOWLEDGED, CONTAINED, RESOLVED, FALSE_POSITIVE; repeat or comma-separate.")
        List<String> statuses = new ArrayList<>();
        @Option(names = "--severity", paramLabel = "SEVERITY", split = ",",
                description = "CRITICAL, HIGH, MEDIUM, LOW, INFO; repeat or comma-separate.")
        List<String> severities = new ArrayList<>();
        @Option(names = "--namespace", paramLabel = "NAME", description = "Kubernetes namespace.")
        String namespace;
        @Option(names = "--limit", paramLabel = "N", description = "At most this many (the API's default 100).")
        Integer limit;
        @Option(names = "--json", description = "One incident a line as JSON (the API's form).")
        boolean json;
        @Mixin
        ConsoleClient.Options api;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Map<String, List<String>> params = new LinkedHashMap<>();
            if (!statuses.isEmpty()) {
                params.put("status", statuses);
            }
            if (!severities.isEmpty()) {
                params.put("severity", severities);
            }
            if (namespace != null) {
                params.put("namespace", List.of(namespace));
            }
            if (limit != null) {
                params.put("limit", List.of(limit.toString()));
            }
            JsonNode answer = new ConsoleClient(api).get("/api/v1/incidents", params);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                for (JsonNode incident : answer.path("incidents")) {
                    out.println(ConsoleClient.TERMINAL_JSON.writeValueAsString(incident));
                }
                out.flush();
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "SEVERITY", "STATUS", "ALERTS", "LAST SEEN (UTC)", "WHERE", "USERS", "TITLE"});
            for (JsonNode i : answer.path("incidents")) {
                rows.add(new String[] {text(i.get("incidentId"), ""), text(i.get("severity"), ""),
                        text(i.get("status"), ""), text(i.get("alertCount"), "0"), formatTime(i.get("lastSeen")),
                        where(i), String.join(",", strings(i.path("users"))), text(i.get("title"), "")});
            }
            printColumns(out, rows);
            StringBuilder counts = new StringBuilder();
            answer.path("counts").fields().forEachRemaining(e -> counts.append(counts.length() == 0 ? "" : "  ")
                    .append(e.getKey()).append(' ').append(e.getValue().asLong()));
            out.println();
            out.println(counts);
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            header = "One incident: where, who, the alerts' rules, responses and their outcomes, captures, history.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "The incident id (from 'incidents list').")
        String id;
        @Option(names = "--json", description = "The incident as JSON (the API's form).")
        boolean json;
        @Mixin
        ConsoleClient.Options api;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode incident = new ConsoleClient(api).get("/api/v1/incidents/" + ConsoleClient.encode(id), Map.of());
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(ConsoleClient.TERMINAL_JSON.writeValueAsString(incident));
            } else {
                print(out, incident);
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "ack", mixinStandardHelpOptions = true, header = "Acknowledge: someone is on it.",
            description = {"Stops the response plan's escalation tiers still waiting. On an incident the app contained "
                    + "already, the acknowledgement is recorded and the status stays CONTAINED."})
    static final class Ack extends Change {
        Ack() {
            super("ACKNOWLEDGED", "acknowledged");
        }
    }

    @Command(name = "contain", mixinStandardHelpOptions = true, header = "Mark contained: it can no longer spread.")
    static final class Contain extends Change {
        Contain() {
            super("CONTAINED");
        }
    }

    @Command(name = "resolve", mixinStandardHelpOptions = true, header = "Resolve: dealt with (closes it).")
    static final class Resolve extends Change {
        Resolve() {
            super("RESOLVED");
        }
    }

    @Command(name = "false-positive", mixinStandardHelpOptions = true,
            header = "Close as a false positive (tune the rule; see src/rule-authoring.md).")
    static final class FalsePositive extends Change {
        FalsePositive() {
            super("FALSE_POSITIVE");
        }
    }

    /** A status change: POST /api/v1/incidents/{id}/status with the note; prints the incident's new status. */
    abstract static class Change implements Callable<Integer> {
        private final String status;
        private final String defaultNote;
        @Parameters(paramLabel = "ID", description = "The incident id.")
        String id;
        @Option(names = "--note", paramLabel = "TEXT",
                description = "Why: kept with the change, with who made it (required, except for ack).")
        String note;
        @Mixin
        ConsoleClient.Options api;
        @Spec
        CommandSpec spec;

        Change(String status) {
            this(status, null);
        }

        Change(String status, String defaultNote) {
            this.status = status;
            this.defaultNote = defaultNote;
        }

        @Override
        public Integer call() throws Exception {
            String why = note != null && !note.isBlank() ? note : defaultNote;
            if (why == null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "Missing required option: '--note=TEXT'");
            }
            ObjectNode body = JsonNodeFactory.instance.objectNode().put("status", status).put("note", why);
            JsonNode incident = new ConsoleClient(api).post("/api/v1/incidents/" + ConsoleClient.encode(id) + "/status",
                    body);
            JsonNode history = incident.path("history");
            JsonNode last = history.size() == 0 ? null : history.get(history.size() - 1);
            PrintWriter out = spec.commandLine().getOut();
            out.println(safe(text(incident.get("incidentId"), id)) + " is now " + safe(text(incident.get("status"), status))
                    + (last == null ? "" : " (by " + safe(text(last.get("user"), "?")) + ")"));
            out.flush();
            return 0;
        }
    }

    @Command(name = "step", mixinStandardHelpOptions = true,
            header = "Tick a step of the incident's playbook (response plan).",
            description = {"POST /api/v1/incidents/{id}/plan/steps/{step}. Automated steps are ticked by the response "
                    + "results themselves; this is for the manual ones (or to record a step skipped or failed)."})
    static final class StepCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The incident id.")
        String id;
        @Parameters(index = "1", paramLabel = "STEP", description = "The step's id in the playbook ('incidents show').")
        String step;
        @Option(names = "--status", paramLabel = "STATUS", defaultValue = "done",
                description = "done (the default), failed, skipped or pending.")
        String status;
        @Option(names = "--note", paramLabel = "TEXT", description = "Kept with the step.")
        String note;
        @Mixin
        ConsoleClient.Options api;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return planUpdate(spec, api, id, "steps", step, status, note);
        }
    }

    @Command(name = "obligation", mixinStandardHelpOptions = true,
            header = "Settle a deadline of the incident's response plan (e.g. the authority was notified).",
            description = {"POST /api/v1/incidents/{id}/plan/obligations/{obligation}. met or waived stops its "
                    + "reminders; open starts them again."})
    static final class ObligationCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The incident id.")
        String id;
        @Parameters(index = "1", paramLabel = "OBLIGATION", description = "The obligation's id ('incidents show').")
        String obligation;
        @Option(names = "--status", paramLabel = "STATUS", required = true, description = "met, waived or open.")
        String status;
        @Option(names = "--note", paramLabel = "TEXT", description = "Kept with the obligation (e.g. the reference).")
        String note;
        @Mixin
        ConsoleClient.Options api;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return planUpdate(spec, api, id, "obligations", obligation, status, note);
        }
    }

    private static int planUpdate(CommandSpec spec, ConsoleClient.Options api, String id, String kind, String item,
                                  String status, String note) throws Exception {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("status", status);
        if (note != null && !note.isBlank()) {
            body.put("note", note);
        }
        JsonNode incident = new ConsoleClient(api).post("/api/v1/incidents/" + ConsoleClient.encode(id) + "/plan/"
                + kind + "/" + ConsoleClient.encode(item), body);
        String now = status;
        for (JsonNode n : incident.path("plan").path(kind)) {
            if (item.equals(text(n.get("id"), null))) {
                now = text(n.get("status"), status);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(safe(text(incident.get("incidentId"), id) + ": " + (kind.equals("steps") ? "step " : "obligation ")
                + item + " is now " + now));
        out.flush();
        return 0;
    }

    static String where(JsonNode i) {
        return text(i.get("namespace"), "?") + "/" + text(i.get("podName"), text(i.get("containerName"),
                text(i.get("containerId"), "?")));
    }

    /** The readable form of one incident. */
    static void print(PrintWriter out, JsonNode i) {
        row(out, "Incident", text(i.get("incidentId"), ""));
        row(out, "Title", text(i.get("title"), ""));
        row(out, "Severity", text(i.get("severity"), "") + "    Status " + text(i.get("status"), ""));
        row(out, "Rules", String.join(", ", strings(i.path("ruleIds"))));
        row(out, "MITRE", String.join(", ", strings(i.path("mitre")))
                + (i.path("tactics").size() > 0 ? " (" + String.join(", ", strings(i.path("tactics"))) + ")" : ""));
        String container = text(i.get("containerId"), "");
        row(out, "Where", where(i) + "  container " + text(i.get("containerName"), "?") + " ("
                + (container.length() > 12 ? container.substring(0, 12) : container) + ")  image "
                + text(i.get("image"), "?") + "  node " + text(i.get("node"), "?"));
        List<String> users = strings(i.path("users"));
        row(out, "Users", users.isEmpty() ? "none (workload only)" : String.join(", ", users)
                + (i.path("sessions").size() > 0 ? "  (sessions " + String.join(", ", strings(i.path("sessions"))) + ")" : ""));
        row(out, "Seen", formatTime(i.get("firstSeen")) + " to " + formatTime(i.get("lastSeen")) + " UTC, "
                + text(i.get("alertCount"), "0") + " alerts");
        out.println("Responses");
        if (i.path("responses").size() == 0) {
            out.println("  none");
        }
        List<String[]> responses = new ArrayList<>();
        for (JsonNode r : i.path("responses")) {
            responses.add(new String[] {"  " + text(r.get("action"), ""), text(r.get("status"), "pending"),
                    text(r.get("node"), ""), formatTime(r.get("finishedAt")), text(r.get("detail"), "")});
        }
        printColumns(out, responses);
        for (String capture : strings(i.path("captureIds"))) {
            row(out, "Capture", capture + "   (driftwatch capture get " + capture + " -o " + capture + ".jsonl)");
        }
        for (String evidence : strings(i.path("evidence"))) {
            row(out, "Evidence", evidence);
        }
        printPlan(out, i.path("plan"));
        if (i.path("history").size() > 0) {
            out.println("History");
            for (JsonNode h : i.path("history")) {
                out.println(safe("  " + formatTime(h.get("at")) + "  " + text(h.get("status"), "") + " by "
                        + text(h.get("user"), "?") + (h.hasNonNull("note") ? ": " + h.get("note").asText() : "")));
            }
        }
    }

    /** The response plan's part: class, lead, playbook, escalation, obligations, the latest notices. */
    static void printPlan(PrintWriter out, JsonNode plan) {
        if (plan.isMissingNode() || plan.isNull()) {
            return;
        }
        row(out, "Class", text(plan.get("className"), "") + (plan.hasNonNull("classTitle")
                ? " (" + plan.get("classTitle").asText() + ")" : "") + "   plan " + text(plan.get("planName"), "")
                + " " + text(plan.get("planVersion"), ""));
        List<String> lead = new ArrayList<>();
        for (JsonNode r : plan.path("leadRecipients")) {
            lead.add(text(r.get("name"), text(r.get("contact"), "?")));
        }
        row(out, "Lead", text(plan.get("lead"), "-") + (lead.isEmpty() ? "" : " (" + String.join(", ", lead) + ")")
                + "   channels " + String.join(", ", strings(plan.path("channels"))));
        row(out, "Ack", plan.hasNonNull("acknowledgedAt") ? formatTime(plan.get("acknowledgedAt")) + " UTC by "
                + text(plan.get("acknowledgedBy"), "?") : "not acknowledged");
        out.println("Playbook");
        List<String[]> steps = new ArrayList<>();
        for (JsonNode s : plan.path("steps")) {
            steps.add(new String[] {"  [" + text(s.get("status"), "pending") + "]", text(s.get("id"), ""),
                    text(s.get("title"), ""), s.hasNonNull("action") ? s.get("action").asText() : "manual",
                    s.hasNonNull("by") ? "by " + s.get("by").asText() + " " + formatTime(s.get("at")) : ""});
        }
        printColumns(out, steps);
        out.println("Escalation");
        List<String[]> tiers = new ArrayList<>();
        for (JsonNode e : plan.path("escalations")) {
            String state = e.hasNonNull("firedAt") ? "sent " + formatTime(e.get("firedAt"))
                    : e.hasNonNull("stoppedAt") ? "stopped " + formatTime(e.get("stoppedAt")) + " by "
                    + text(e.get("stoppedBy"), "?") : "due " + formatTime(e.get("dueAt"));
            tiers.add(new String[] {"  tier " + text(e.get("tier"), "?"), state,
                    String.join(", ", strings(e.path("notify"))), String.join(", ", strings(e.path("channels")))});
        }
        printColumns(out, tiers);
        if (plan.path("obligations").size() > 0) {
            out.println("Obligations");
            List<String[]> obligations = new ArrayList<>();
            for (JsonNode o : plan.path("obligations")) {
                obligations.add(new String[] {"  [" + text(o.get("status"), "open") + "]", text(o.get("id"), ""),
                        "due " + formatTime(o.get("dueAt")), text(o.get("title"), "")});
            }
            printColumns(out, obligations);
        }
        JsonNode notices = plan.path("notices");
        if (notices.size() > 0) {
            out.println("Notices (latest " + Math.min(10, notices.size()) + " of " + notices.size() + ")");
            List<String[]> rows = new ArrayList<>();
            for (int n = Math.max(0, notices.size() - 10); n < notices.size(); n++) {
                JsonNode x = notices.get(n);
                rows.add(new String[] {"  " + formatTime(x.get("at")), text(x.get("kind"), "")
                        + (x.hasNonNull("tier") ? " " + x.get("tier").asText() : ""), text(x.get("channel"), "-"),
                        text(x.get("outcome"), ""), text(x.get("reference"), text(x.get("detail"), ""))});
            }
            printColumns(out, rows);
        }
    }

    private static void row(PrintWriter out, String label, String value) {
        out.println(String.format("%-10s%s", label, safe(value)));
    }

    /** Left-aligned columns, the last one unpadded; every cell escaped for the terminal. */
    static void printColumns(PrintWriter out, List<String[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        List<String[]> safeRows = new ArrayList<>();
        for (String[] row : rows) {
            String[] cells = new String[columns];
            for (int c = 0; c < columns; c++) {
                cells[c] = safe(row[c]);
                widths[c] = Math.max(widths[c], cells[c].length());
            }
            safeRows.add(cells);
        }
        for (String[] cells : safeRows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(cells[c]);
                if (c < columns - 1) {
                    line.append(" ".repeat(widths[c] - cells[c].length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
