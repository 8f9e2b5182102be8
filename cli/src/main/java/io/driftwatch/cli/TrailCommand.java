package io.driftwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code driftwatch trail}: search the audit trail through the HTTP API (src/api.md). */
@Command(name = "trail", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Search the audit trail: every file event, who did it, and the alerts that cite it.",
        description = {"Search the audit trail through the HTTP API of a running 'driftwatch run' or 'demo' "
                + "(src/api.md). Every filter is optional and they combine; --type repeats and matches any. Times are "
                + "event time: epoch milliseconds, ISO-8601 (2026-12-05T10:00:00Z) or a time ago (15m, 2h, 7d); the "
                + "range defaults to the hour before --to (now).",
                "",
                "Prints a table, one event a line, oldest first (values from events have control characters written "
                        + "\\xNN); --json prints one event a line as the API gives it (with its alertIds)."},
        footer = {"", "Exit codes: 0 done; 1 the API refused or could not be reached (the message says which); "
                + "2 bad usage."})
final class TrailCommand implements Callable<Integer> {
    @Option(names = "--from", paramLabel = "TIME", description = "From this event time (inclusive).")
    String from;
    @Option(names = "--to", paramLabel = "TIME", description = "Up to this event time (exclusive; default now).")
    String to;
    @Option(names = "--container-id", paramLabel = "ID", description = "One container.")
    String containerId;
    @Option(names = "--pod", paramLabel = "NAME", description = "Pod name.")
    String pod;
    @Option(names = "--namespace", paramLabel = "NAME", description = "Kubernetes namespace.")
    String namespace;
    @Option(names = "--node", paramLabel = "NAME", description = "Node.")
    String node;
    @Option(names = "--image", paramLabel = "IMAGE", description = "Image reference or digest.")
    String image;
    @Option(names = "--user", paramLabel = "USER", description = "An exec-session user (e.g. from Kubernetes audit).")
    String user;
    @Option(names = "--session", paramLabel = "ID", description = "An exec session id.")
    String session;
    @Option(names = "--process", paramLabel = "NAME", description = "Process name or executable path.")
    String process;
    @Option(names = "--cmdline", paramLabel = "TEXT", description = "Command lines containing this text.")
    String cmdline;
    @Option(names = "--path", paramLabel = "PATH", description = "Exactly this path.")
    String path;
    @Option(names = "--path-prefix", paramLabel = "PREFIX", description = "Paths starting with this.")
    String pathPrefix;
    @Option(names = "--type", paramLabel = "TYPE", split = ",",
            description = "Event type (CREATE, OPEN_WRITE, EXEC, CHMOD, ...); repeat or comma-separate for any of them.")
    List<String> types = new ArrayList<>();
    @Option(names = "--mode-change", description = "Only changes of a file's mode (chmod and the like).")
    boolean modeChange;
    @Option(names = "--rule-id", paramLabel = "ID", description = "Events cited by alerts of this rule.")
    String ruleId;
    @Option(names = "--alert-id", paramLabel = "ID", description = "Events cited by this alert.")
    String alertId;
    @Option(names = "--limit", paramLabel = "N", description = "Events per page (the API's default 100, at most 1000).")
    Integer limit;
    @Option(names = "--cursor", paramLabel = "CURSOR", description = "Continue where a previous page stopped (its 'next').")
    String cursor;
    @Option(names = "--all", description = "Follow the pages to the end of the range, not only the first.")
    boolean all;
    @Option(names = "--json", description = "One event a line as JSON (the API's form), instead of the table.")
    boolean json;
    @Mixin
    ApiTarget api;

    @Spec
    CommandSpec spec;

    /**
     * The API options but --user, which here is the trail's user filter (a read needs no acting user): --url and
     * --token-file.
     */
    static final class ApiTarget {
        @Option(names = "--url", paramLabel = "URL", defaultValue = ConsoleClient.DEFAULT_URL,
                description = "The Driftwatch API (default: ${DEFAULT-VALUE}).")
        String url;
        @Option(names = "--token-file", paramLabel = "FILE",
                description = "A file holding the bearer token, when the API asks for one.")
        java.nio.file.Path tokenFile;

        ConsoleClient.Options options() {
            ConsoleClient.Options options = new ConsoleClient.Options();
            options.url = url;
            options.tokenFile = tokenFile;
            options.user = null;
            return options;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ConsoleClient client = new ConsoleClient(api.options());
        Map<String, List<String>> params = parameters(Instant.now());
        boolean first = true;
        int shown = 0;
        while (true) {
            JsonNode page = client.get("/api/v1/trail", params);
            List<JsonNode> events = new ArrayList<>();
            page.path("events").forEach(events::add);
            if (json) {
                for (JsonNode event : events) {
                    out.println(ConsoleClient.TERMINAL_JSON.writeValueAsString(event));
                }
            } else {
                printTable(out, events, first);
            }
            shown += events.size();
            first = false;
            JsonNode next = page.get("next");
            if (next == null || next.isNull()) {
                break;
            }
            if (!all) {
                out.flush();
                spec.commandLine().getErr().println("More events: add --all, or --cursor " + next.asText());
                break;
            }
            params.put("cursor", List.of(next.asText()));
        }
        if (!json && shown == 0) {
            spec.commandLine().getErr().println("No events match.");
        }
        out.flush();
        return 0;
    }

    /** The options as the API's parameters (TrailQuery.PARAMETERS). */
    Map<String, List<String>> parameters(Instant now) {
        Map<String, List<String>> p = new LinkedHashMap<>();
        put(p, "from", ConsoleClient.time(from, now));
        put(p, "to", ConsoleClient.time(to, now));
        put(p, "containerId", containerId);
        put(p, "pod", pod);
        put(p, "namespace", namespace);
        put(p, "node", node);
        put(p, "image", image);
        put(p, "user", user);
        put(p, "session", session);
        put(p, "process", process);
        put(p, "cmdline", cmdline);
        put(p, "path", path);
        put(p, "pathPrefix", pathPrefix);
        if (!types.isEmpty()) {
            p.put("type", types.stream().map(String::trim).filter(t -> !t.isEmpty()).toList());
        }
        if (modeChange) {
            p.put("modeChange", List.of("true"));
        }
        put(p, "ruleId", ruleId);
        put(p, "alertId", alertId);
        put(p, "limit", limit == null ? null : limit.toString());
        put(p, "cursor", cursor);
        return p;
    }

    private static void put(Map<String, List<String>> p, String name, String value) {
        if (value != null && !value.isEmpty()) {
            p.put(name, new ArrayList<>(List.of(value)));
        }
    }

    private static final String[] HEADERS = {"TIME (UTC)", "CONTAINER", "POD", "USER", "PROCESS", "TYPE", "PATH",
            "ALERTS", "CMDLINE"};
    private static final int[] CAPS = {23, 12, 40, 24, 20, 10, 80, 40, 120};

    /** One line an event, columns as wide as this page needs up to a cap; the command line last. */
    static void printTable(PrintWriter out, List<JsonNode> events, boolean header) {
        List<String[]> rows = new ArrayList<>();
        for (JsonNode entry : events) {
            JsonNode e = entry.path("event");
            JsonNode c = entry.path("container");
            String pod = c.isMissingNode() || c.isNull() ? "" : text(c.get("namespace"), "?") + "/"
                    + text(c.get("podName"), text(c.get("containerName"), "?"));
            List<String> users = strings(entry.path("users"));
            String path = text(e.get("path"), "") + (e.hasNonNull("newPath") ? " -> " + e.get("newPath").asText() : "");
            String containerId = text(e.get("containerId"), "");
            rows.add(new String[] {ConsoleClient.formatTime(e.get("timestamp")),
                    containerId.length() > 12 ? containerId.substring(0, 12) : containerId, pod,
                    users.isEmpty() ? "workload" : String.join(",", users), text(e.get("processName"), ""),
                    text(e.get("type"), ""), path, String.join(",", strings(entry.path("alertIds"))),
                    text(e.get("cmdline"), "")});
        }
        int[] widths = new int[HEADERS.length];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = HEADERS[i].length();
        }
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = fit(ConsoleClient.safe(row[i]), CAPS[i]);
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        if (header) {
            out.println(line(HEADERS, widths));
        }
        rows.forEach(row -> out.println(line(row, widths)));
    }

    private static String line(String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            line.append(cells[i]);
            if (i < cells.length - 1) {
                line.append(" ".repeat(widths[i] - cells[i].length() + 2));
            }
        }
        return line.toString().stripTrailing();
    }

    /** At most {@code cap} characters, the cut marked with an ellipsis (the full value is in --json). */
    static String fit(String text, int cap) {
        return text.length() <= cap ? text : io.driftwatch.schemas.text.FieldText.cap(text, cap - 1) + "…";
    }

    static String text(JsonNode node, String fallback) {
        return node == null || node.isNull() || node.isMissingNode() ? fallback : node.asText();
    }

    static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
