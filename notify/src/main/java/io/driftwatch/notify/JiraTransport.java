package io.driftwatch.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.PlanNotice;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Jira (REST API v3, Jira Cloud, or v2, Jira Server/Data Center) with the JDK's HTTP client: one issue per incident.
 * The first notification of an incident creates it (project, issue type, summary, description, labels
 * {@code driftwatch} and {@code driftwatch-<incidentId>}, priority by severity); later ones add a comment (and set the
 * priority when the incident's severity now maps to another one), and a
 * STATUS_CHANGED that closes the incident (RESOLVED, FALSE_POSITIVE) also moves the issue by the configured transition.
 * The issue is found again after a restart from the incident's plan notices (a notice of this channel with a
 * reference, the key this notifier reported), else by a JQL search for the label, so a restart never opens a second
 * issue. Text goes as plain text: v3 in Atlassian Document Format text nodes (never interpreted), v2 with Jira wiki
 * markup characters escaped. Plan notifications only.
 */
final class JiraTransport implements Transport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SUMMARY_MAX = 250;
    private static final int TEXT_MAX = 30_000;

    record Settings(String channel, URI base, int apiVersion, String project, String issueType, String authorization,
                    Map<String, String> priorities, List<String> labels, String closeTransition) {
    }

    private final Settings s;
    private final Duration timeout;
    private final HttpClient client;
    /** incidentId to issue key, as learned (bounded). */
    private final Map<String, String> issues = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 10_000;
        }
    };

    /** Issue key to the priority this process last set on it. */
    private final Map<String, String> priorities = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 10_000;
        }
    };

    JiraTransport(Settings settings, Duration timeout) {
        this.s = settings;
        this.timeout = timeout;
        this.client = HttpTransport.client(timeout);
    }

    /** The label that marks an incident's issue: Jira labels take no spaces, so anything else becomes '-'. */
    static String label(String incidentId) {
        return "driftwatch-" + incidentId.replaceAll("[^A-Za-z0-9_.-]", "-");
    }

    @Override
    public Attempt attempt(Item item) throws IOException, InterruptedException {
        if (item.isAlert()) {
            return Attempt.refused("jira takes plan notifications only");
        }
        IncidentNotification n = item.notification();
        String key = issues.get(n.getIncidentId());
        if (key == null) {
            key = fromNotices(n);
        }
        if (key == null) {
            HttpResponse<String> found = send("GET", searchPath(n), null);
            if (found.statusCode() != 200) {
                return failure(found, "searching for the incident's issue");
            }
            JsonNode list = JSON.readTree(found.body()).path("issues");
            if (list.isArray() && !list.isEmpty()) {
                // the key; an issue id serves the same paths (/issue/{idOrKey}) if a search answers ids only
                key = list.get(0).hasNonNull("key") ? list.get(0).get("key").asText() : list.get(0).path("id").asText(null);
            }
        }
        if (key == null) {
            HttpResponse<String> created = send("POST", api("/issue"), createBody(n));
            if (created.statusCode() != 201 && created.statusCode() != 200) {
                return failure(created, "creating the issue");
            }
            key = JSON.readTree(created.body()).path("key").asText(null);
            if (key == null) {
                return Attempt.refused("Jira answered " + created.statusCode() + " without an issue key");
            }
            issues.put(n.getIncidentId(), key);
            priorities.put(key, String.valueOf(priority(n)));
            return Attempt.delivered(key, "created " + key);
        }
        issues.put(n.getIncidentId(), key);
        String path = "/issue/" + URLEncoder.encode(key, StandardCharsets.UTF_8);
        HttpResponse<String> commented = send("POST", api(path + "/comment"), commentBody(n));
        if (commented.statusCode() != 201 && commented.statusCode() != 200) {
            return failure(commented, "commenting on " + key);
        }
        String detail = "commented on " + key;
        String priority = priority(n);
        if (priority != null && !priority.equals(priorities.get(key))) {
            // the incident's severity maps to another priority than the one this process last set (or it does not know)
            ObjectNode update = JsonNodeFactory.instance.objectNode();
            update.putObject("fields").putObject("priority").put("name", priority);
            HttpResponse<String> updated = send("PUT", api(path), update);
            if (updated.statusCode() != 204 && updated.statusCode() != 200) {
                return failure(updated, "setting the priority of " + key);
            }
            priorities.put(key, priority);
            detail += ", priority " + priority;
        }
        if (s.closeTransition() != null && "STATUS_CHANGED".equals(n.getKind()) && IncidentText.closed(n)) {
            HttpResponse<String> options = send("GET", api(path + "/transitions"), null);
            if (options.statusCode() != 200) {
                return failure(options, "listing the transitions of " + key);
            }
            String id = null;
            for (JsonNode t : JSON.readTree(options.body()).path("transitions")) {
                if (s.closeTransition().equalsIgnoreCase(t.path("name").asText())
                        || s.closeTransition().equalsIgnoreCase(t.path("to").path("name").asText())) {
                    id = t.path("id").asText();
                    break;
                }
            }
            if (id == null) {
                detail += "; no transition to \"" + s.closeTransition() + "\" is available from the issue's status";
            } else {
                ObjectNode body = JsonNodeFactory.instance.objectNode();
                body.putObject("transition").put("id", id);
                HttpResponse<String> moved = send("POST", api(path + "/transitions"), body);
                if (moved.statusCode() != 204 && moved.statusCode() != 200) {
                    return failure(moved, "transitioning " + key);
                }
                detail += ", moved to " + s.closeTransition();
            }
        }
        return Attempt.delivered(key, detail);
    }

    /** The key this channel reported earlier for the incident, as the app recorded it on the incident. */
    private String fromNotices(IncidentNotification n) {
        if (n.getIncident().getPlan() == null) {
            return null;
        }
        for (PlanNotice notice : n.getIncident().getPlan().getNotices()) {
            if (s.channel().equals(notice.getChannel()) && "delivered".equals(notice.getOutcome())
                    && notice.getReference() != null && notice.getReference().matches("[A-Z][A-Z0-9_]*-\\d+")) {
                return notice.getReference();
            }
        }
        return null;
    }

    private URI searchPath(IncidentNotification n) {
        String jql = "project = \"" + jqlString(s.project()) + "\" AND labels = \"" + jqlString(label(n.getIncidentId()))
                + "\" ORDER BY created ASC";
        String query = "jql=" + URLEncoder.encode(jql, StandardCharsets.UTF_8) + "&fields=key&maxResults=1";
        // Jira Cloud replaced GET /rest/api/3/search by /rest/api/3/search/jql; Server/Data Center keep /rest/api/2/search.
        return URI.create(api(s.apiVersion() == 3 ? "/search/jql" : "/search") + "?" + query);
    }

    private static String jqlString(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private String api(String path) {
        String base = s.base().toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/rest/api/" + s.apiVersion() + path;
    }

    ObjectNode createBody(IncidentNotification n) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode fields = root.putObject("fields");
        fields.putObject("project").put("key", s.project());
        fields.putObject("issuetype").put("name", s.issueType());
        fields.put("summary", AlertText.truncate(IncidentText.subject(n), SUMMARY_MAX));
        fields.set("description", text(IncidentText.body(n)));
        ArrayNode labels = fields.putArray("labels");
        s.labels().forEach(labels::add);
        if (!s.labels().contains("driftwatch")) {
            labels.add("driftwatch");
        }
        labels.add(label(n.getIncidentId()));
        String priority = priority(n);
        if (priority != null) {
            fields.putObject("priority").put("name", priority);
        }
        return root;
    }

    private String priority(IncidentNotification n) {
        return s.priorities().get(String.valueOf(n.getIncident().getSeverity()));
    }

    ObjectNode commentBody(IncidentNotification n) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("body", text(IncidentText.subject(n) + "\n\n" + IncidentText.body(n)));
        return root;
    }

    /** v3: an ADF document, one paragraph per line of plain text nodes; v2: wiki markup characters escaped. */
    private JsonNode text(String plain) {
        String t = AlertText.truncate(plain, TEXT_MAX);
        if (s.apiVersion() == 2) {
            return JsonNodeFactory.instance.textNode(escapeWiki(t));
        }
        ObjectNode doc = JsonNodeFactory.instance.objectNode().put("type", "doc").put("version", 1);
        ArrayNode content = doc.putArray("content");
        for (String line : t.split("\n", -1)) {
            ObjectNode paragraph = content.addObject().put("type", "paragraph");
            if (!line.isEmpty()) {
                paragraph.putArray("content").addObject().put("type", "text").put("text", line);
            }
        }
        return doc;
    }

    /** Jira wiki markup: every character that starts markup preceded by a backslash. */
    static String escapeWiki(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (char c : text.toCharArray()) {
            if ("\\{}[]*_-+^~?|!#".indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    private HttpResponse<String> send(String method, Object uri, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri instanceof URI u ? u : URI.create((String) uri))
                .timeout(timeout)
                .header("Accept", "application/json")
                .header("Authorization", s.authorization())
                .header("User-Agent", "Driftwatch-notify");
        if (body == null) {
            b.GET();
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Attempt failure(HttpResponse<String> response, String what) {
        Attempt a = HttpTransport.answer(response, s.base().getHost());
        String detail = what + ": " + a.detail();
        return a.retryable() ? Attempt.retry(detail, a.retryAfterMs()) : Attempt.refused(detail);
    }
}
