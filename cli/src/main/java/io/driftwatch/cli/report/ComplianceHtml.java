package io.driftwatch.cli.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;

/**
 * The compliance report as one self-contained HTML file: a summary per framework, charts (Apache ECharts, inlined
 * from its WebJar, so the file works offline), a table per control, the incidents and the drills. Drawn from the
 * report's JSON alone. Every value that came from events (titles, pod names, rule names of custom rules, drill names)
 * is HTML-escaped; the charts read the data from a JSON script block (not executable), and a Content-Security-Policy
 * lets only the two inline scripts of this file run (by their SHA-256) and load nothing from the network.
 */
public final class ComplianceHtml {
    private static final String ECHARTS_POM = "/META-INF/maven/org.webjars.npm/echarts/pom.properties";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static volatile String echarts;

    private ComplianceHtml() {
    }

    /** The page for {@code report} (from {@link ComplianceReport#build}). */
    public static String render(JsonNode report) {
        String library = echarts();
        String charts = CHARTS_SCRIPT;
        StringBuilder html = new StringBuilder(library.length() + 200_000);
        JsonNode period = report.path("period");
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src ")
                .append(hash(library)).append(' ').append(hash(charts))
                .append("; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Driftwatch compliance report ").append(esc(period.path("from").asText())).append(" to ")
                .append(esc(period.path("to").asText())).append("</title>\n<style>").append(STYLE).append("</style>\n")
                .append("</head>\n<body>\n");
        html.append("<h1>Compliance report</h1>\n<p class=\"meta\">Period <b>").append(esc(period.path("from").asText()))
                .append("</b> to <b>").append(esc(period.path("to").asText())).append("</b> (UTC, end exclusive). Generated ")
                .append(esc(report.path("generatedAt").asText())).append(". Rule set ")
                .append(esc(report.path("ruleSet").path("version").asText())).append(" (")
                .append(report.path("ruleSet").path("rules").asInt()).append(" rules, ")
                .append(report.path("ruleSet").path("customRules").asInt()).append(" custom")
                .append(report.path("ruleSet").path("rulesDir").isNull() ? ""
                        : " from " + esc(report.path("ruleSet").path("rulesDir").asText()))
                .append(").</p>\n");

        JsonNode totals = report.path("totals");
        html.append("<section id=\"totals\"><div class=\"tiles\">")
                .append(tile("alerts", totals.path("alerts").asText()))
                .append(tile("incidents", totals.path("incidents").asText()))
                .append(tile("median time to acknowledge", duration(totals.path("acknowledge").path("medianMs"))))
                .append(tile("not acknowledged", totals.path("acknowledge").path("notAcknowledged").asText()))
                .append(tile("median time to close", duration(totals.path("close").path("medianMs"))))
                .append(tile("drills passed", totals.path("drills").path("passed").asText() + " of "
                        + totals.path("drills").path("run").asText()))
                .append("</div>");
        if (!totals.path("unknownRuleIds").isEmpty()) {
            html.append("<p class=\"warn\">Alerts or incidents of rules this rule set does not know (pass their "
                    + "directory with --rules to map them to controls): ").append(esc(join(totals.path("unknownRuleIds"))))
                    .append("</p>");
        }
        html.append("</section>\n");

        html.append("<h2>Frameworks</h2>\n<table id=\"frameworks\"><thead><tr><th>framework</th><th>controls</th>")
                .append("<th>claimed by rules</th><th>alerts of those rules</th><th>their incidents</th><th>their drills (passed/run)</th>")
                .append("</tr></thead><tbody>");
        for (JsonNode framework : report.path("frameworks")) {
            html.append("<tr><td>").append(esc(framework.path("framework").asText())).append("</td><td>")
                    .append(esc(join(framework.path("controls")))).append("</td><td class=\"n\">")
                    .append(framework.path("controlsClaimedByRules").asInt()).append(" of ")
                    .append(framework.path("controls").size()).append("</td><td class=\"n\">")
                    .append(framework.path("alerts").asInt()).append("</td><td class=\"n\">")
                    .append(framework.path("incidents").asInt()).append("</td><td class=\"n\">")
                    .append(framework.path("drills").path("passed").asInt()).append('/')
                    .append(framework.path("drills").path("run").asInt()).append("</td></tr>");
        }
        html.append("</tbody></table>\n");

        html.append("<h2>Charts</h2>\n<div class=\"charts\">")
                .append(chart("chart-alerts", "Alerts per day of the rules claiming each framework's controls"))
                .append(chart("chart-controls", "Alerts per control"))
                .append(chart("chart-acknowledge", "Time to acknowledge"))
                .append(chart("chart-drills", "Drills per day: passed and failed"))
                .append("</div>\n");

        html.append("<h2>Controls</h2>\n");
        for (JsonNode control : report.path("controls")) {
            control(html, control);
        }

        html.append("<h2>Incidents first seen in the period</h2>\n");
        html.append("<table id=\"incidents\"><thead><tr><th>incident</th><th>first seen</th><th>severity</th>")
                .append("<th>status</th><th>where</th><th>title</th><th>rules</th><th>acknowledged</th>")
                .append("<th>closed</th><th>escalations</th></tr></thead><tbody>");
        for (JsonNode incident : report.path("incidents")) {
            String where = (incident.path("namespace").isNull() ? "" : incident.path("namespace").asText() + "/")
                    + (incident.path("podName").isNull() ? incident.path("containerName").asText("") : incident.path("podName").asText());
            html.append("<tr><td class=\"id\">").append(esc(incident.path("incidentId").asText())).append("</td><td>")
                    .append(esc(incident.path("firstSeen").asText())).append("</td><td>")
                    .append(esc(incident.path("severity").asText())).append("</td><td>")
                    .append(esc(incident.path("status").asText())).append("</td><td class=\"where\">")
                    .append(esc(where)).append("</td><td class=\"title\">")
                    .append(esc(incident.path("title").asText(""))).append("</td><td>")
                    .append(esc(join(incident.path("ruleIds")))).append("</td><td>")
                    .append(incident.path("acknowledgeMs").isNull() ? "not yet"
                            : "after " + duration(incident.path("acknowledgeMs")) + " by "
                            + esc(incident.path("acknowledgedBy").asText("?")))
                    .append("</td><td>").append(incident.path("closeMs").isNull() ? "open"
                            : "after " + duration(incident.path("closeMs")))
                    .append("</td><td class=\"n\">").append(incident.path("escalationsFired").asInt()).append("</td></tr>");
        }
        html.append("</tbody></table>\n");

        html.append("<h2>Drills run in the period</h2>\n<table id=\"drills\"><thead><tr><th>started</th><th>drill</th>")
                .append("<th>attack</th><th>mode</th><th>result</th><th>detect</th><th>contain</th><th>acknowledge</th>")
                .append("<th>class</th></tr></thead><tbody>");
        for (JsonNode drill : report.path("drills")) {
            html.append("<tr><td>").append(esc(drill.path("startedAt").asText())).append("</td><td>")
                    .append(esc(drill.path("drill").asText())).append("</td><td>")
                    .append(esc(drill.path("attack").asText())).append("</td><td>")
                    .append(esc(drill.path("mode").asText())).append("</td><td class=\"")
                    .append(drill.path("passed").asBoolean() ? "pass\">passed" : "fail\">failed")
                    .append(drill.path("error").isNull() ? "" : ": " + esc(drill.path("error").asText()))
                    .append("</td><td>").append(duration(drill.path("timeToDetectMs"))).append("</td><td>")
                    .append(duration(drill.path("timeToContainMs"))).append("</td><td>")
                    .append(duration(drill.path("timeToAcknowledgeMs"))).append("</td><td>")
                    .append(esc(drill.path("className").asText(""))).append("</td></tr>");
        }
        html.append("</tbody></table>\n");
        html.append("<p class=\"meta\">The JSON form of this report (--format json) carries the same figures; "
                + "src/compliance-report.md documents both.</p>\n");

        html.append("<script type=\"application/json\" id=\"report-data\">").append(scriptSafeJson(report))
                .append("</script>\n");
        html.append("<script>").append(library).append("</script>\n");
        html.append("<script>").append(charts).append("</script>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void control(StringBuilder html, JsonNode control) {
        String id = control.path("id").asText();
        JsonNode incidents = control.path("incidents");
        html.append("<section class=\"control\" id=\"control-").append(esc(anchor(id))).append("\">\n<h3>")
                .append(esc(id)).append(" <span class=\"framework\">").append(esc(control.path("framework").asText()))
                .append("</span> ").append(esc(control.path("title").asText())).append("</h3>\n<p class=\"asks\">")
                .append(esc(control.path("asks").asText())).append("</p>\n");
        if (!control.path("servedByProduct").isNull()) {
            html.append("<p class=\"product\"><b>Served by Driftwatch itself:</b> ")
                    .append(esc(control.path("servedByProduct").asText()))
                    .append(control.path("evidence").asText().equals("all")
                            ? " Every alert and incident of the period is evidence of this control." : "")
                    .append("</p>\n");
        }
        html.append("<table class=\"figures\"><tbody>")
                .append(row("alerts", control.path("alerts").asText()))
                .append(row("incidents", incidents.path("count").asText()
                        + (incidents.path("withPlan").asInt() > 0 ? " (" + incidents.path("withPlan").asInt() + " with a response plan)" : "")))
                .append(row("time to acknowledge", timing(incidents.path("acknowledge"), "notAcknowledged", "not acknowledged")))
                .append(row("time to close", timing(incidents.path("close"), "notClosed", "still open")))
                .append(row("escalations", incidents.path("escalations").path("fired").asInt() + " fired, "
                        + incidents.path("escalations").path("stopped").asInt() + " stopped by acknowledgement or closing, "
                        + incidents.path("escalations").path("waiting").asInt() + " waiting"))
                .append(row("obligations", incidents.path("obligations").path("met").asInt() + " met, "
                        + incidents.path("obligations").path("overdue").asInt() + " overdue, "
                        + incidents.path("obligations").path("open").asInt() + " open, "
                        + incidents.path("obligations").path("waived").asInt() + " waived"))
                .append(row("drills", control.path("drills").path("run").asInt() + " run, "
                        + control.path("drills").path("passed").asInt() + " passed, "
                        + control.path("drills").path("failed").asInt() + " failed"))
                .append("</tbody></table>\n");
        JsonNode rules = control.path("rules");
        if (rules.isEmpty()) {
            html.append("<p class=\"norules\">No rule claims this control.</p>\n");
        } else {
            html.append("<table class=\"rules\"><thead><tr><th>rule</th><th>name</th><th>severity</th><th>maturity</th>")
                    .append("<th>alerts</th></tr></thead><tbody>");
            for (JsonNode rule : rules) {
                html.append("<tr><td class=\"id\">").append(esc(rule.path("id").asText()))
                        .append(rule.path("builtIn").asBoolean() ? "" : " <span class=\"custom\">custom</span>")
                        .append("</td><td>").append(esc(rule.path("name").asText())).append("</td><td>")
                        .append(esc(rule.path("severity").asText("-"))).append("</td><td>")
                        .append(esc(rule.path("maturity").asText(""))).append("</td><td class=\"n\">")
                        .append(rule.path("alerts").asInt()).append("</td></tr>");
            }
            html.append("</tbody></table>\n");
        }
        html.append("</section>\n");
    }

    private static String timing(JsonNode timing, String openField, String openLabel) {
        if (timing.path("count").asInt() == 0) {
            return "none yet; " + timing.path(openField).asInt() + " " + openLabel;
        }
        return "median " + duration(timing.path("medianMs")) + ", p90 " + duration(timing.path("p90Ms")) + ", max "
                + duration(timing.path("maxMs")) + " over " + timing.path("count").asInt() + "; "
                + timing.path(openField).asInt() + " " + openLabel;
    }

    private static String row(String label, String value) {
        return "<tr><th>" + esc(label) + "</th><td>" + esc(value) + "</td></tr>";
    }

    private static String tile(String label, String value) {
        return "<div class=\"tile\"><div class=\"value\">" + esc(value) + "</div><div class=\"label\">" + esc(label)
                + "</div></div>";
    }

    private static String chart(String id, String title) {
        return "<figure><figcaption>" + esc(title) + "</figcaption><div class=\"chart\" id=\"" + id + "\"></div></figure>";
    }

    /** A duration for people: 850ms, 42s, 4m 10s, 2h 5m, 3d 4h; "-" for none. */
    static String duration(JsonNode millis) {
        if (millis == null || millis.isNull() || millis.isMissingNode()) {
            return "-";
        }
        long ms = millis.asLong();
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m" + (s % 60 == 0 ? "" : " " + s % 60 + "s");
        }
        if (s < 86_400) {
            return s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : " " + s % 3600 / 60 + "m");
        }
        return s / 86_400 + "d" + (s % 86_400 / 3600 == 0 ? "" : " " + s % 86_400 / 3600 + "h");
    }

    private static String join(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return String.join(", ", values);
    }

    private static String anchor(String id) {
        return id.replaceAll("[^A-Za-z0-9.-]", "_");
    }

    /** Text for HTML element content and double- or single-quoted attribute values. */
    public static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * JSON that can sit inside a script element: '<', '>' and '&' (only ever inside strings) written as unicode
     * escapes, so no value can close the element or open a comment.
     */
    static String scriptSafeJson(JsonNode report) {
        try {
            return MAPPER.writeValueAsString(report).replace("<", "\\u003c").replace(">", "\\u003e")
                    .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hash(String script) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(script.getBytes(StandardCharsets.UTF_8));
            return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ECharts' minified build (the common charts) from its WebJar on the classpath. */
    static String echarts() {
        String cached = echarts;
        if (cached != null) {
            return cached;
        }
        Properties pom = new Properties();
        try (InputStream in = ComplianceHtml.class.getResourceAsStream(ECHARTS_POM)) {
            if (in == null) {
                throw new IllegalStateException("the ECharts WebJar (org.webjars.npm:echarts) is not on the classpath");
            }
            pom.load(in);
            String path = "/META-INF/resources/webjars/echarts/" + pom.getProperty("version") + "/dist/echarts.common.min.js";
            try (InputStream js = ComplianceHtml.class.getResourceAsStream(path)) {
                if (js == null) {
                    throw new IllegalStateException(path + " is missing from the ECharts WebJar");
                }
                String text = new String(js.readAllBytes(), StandardCharsets.UTF_8);
                if (text.toLowerCase(java.util.Locale.ROOT).contains("</script") || text.contains("<!--")) {
                    throw new IllegalStateException(path + " cannot be inlined: it holds </script or <!--");
                }
                echarts = text;
                return text;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1200px;\
            color:#1d2733;padding:0 16px}
            h1{margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #d5dbe1;padding-bottom:4px}
            .meta{color:#566371}.warn{background:#fff4d6;padding:8px;border-radius:4px}
            .tiles{display:flex;flex-wrap:wrap;gap:12px}.tile{background:#f1f4f7;border-radius:6px;padding:10px 16px;\
            min-width:140px}.tile .value{font-size:22px;font-weight:600}.tile .label{color:#566371;font-size:13px}
            table{border-collapse:collapse;margin:8px 0;font-size:14px}th,td{border:1px solid #d5dbe1;padding:4px 8px;\
            text-align:left;vertical-align:top}thead th{background:#f1f4f7}.n{text-align:right}
            td.title,td.where{max-width:360px;overflow-wrap:anywhere}
            .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
            figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}.chart{height:300px;width:100%}
            .control{border:1px solid #d5dbe1;border-radius:6px;padding:8px 16px;margin:12px 0}
            .control h3{margin:6px 0}.framework{font-weight:400;color:#566371;font-size:14px}
            .asks{margin:4px 0}.product{background:#eef6ee;padding:6px 8px;border-radius:4px}
            .custom{font-size:11px;background:#e3ecfa;border-radius:3px;padding:0 4px}
            .pass{color:#1b7a2f}.fail{color:#b3261e;font-weight:600}.norules{color:#566371}
            """;

    /** Draws the charts from the JSON block; no data is written into this script, so its hash never changes. */
    private static final String CHARTS_SCRIPT = """
            (function () {
              'use strict';
              var data = JSON.parse(document.getElementById('report-data').textContent);
              function draw(id, option) {
                var element = document.getElementById(id);
                option.animation = false;
                echarts.init(element, null, {renderer: 'canvas'}).setOption(option);
                element.setAttribute('data-rendered', 'true');
              }
              var integer = {type: 'value', minInterval: 1};
              draw('chart-alerts', {
                tooltip: {trigger: 'axis'}, legend: {top: 0}, grid: {top: 40, left: 40, right: 16, bottom: 30},
                xAxis: {type: 'category', data: data.days}, yAxis: integer,
                series: data.frameworks.map(function (f) {
                  return {name: f.framework, type: 'line', data: f.alertsPerDay};
                })
              });
              draw('chart-controls', {
                tooltip: {trigger: 'axis'}, grid: {top: 10, left: 130, right: 16, bottom: 30},
                yAxis: {type: 'category', inverse: true, data: data.controls.map(function (c) { return c.id; })},
                xAxis: integer,
                series: [{name: 'alerts', type: 'bar', data: data.controls.map(function (c) { return c.alerts; })}]
              });
              var buckets = data.totals.acknowledgeDistribution;
              draw('chart-acknowledge', {
                tooltip: {trigger: 'axis'}, grid: {top: 10, left: 40, right: 16, bottom: 30},
                xAxis: {type: 'category', axisLabel: {interval: 0},
                        data: buckets.map(function (b) { return b.bucket; })}, yAxis: integer,
                series: [{name: 'incidents', type: 'bar', data: buckets.map(function (b) { return b.count; })}]
              });
              function drills(passed) {
                return data.days.map(function (day) {
                  return data.drills.filter(function (d) { return d.day === day && d.passed === passed; }).length;
                });
              }
              draw('chart-drills', {
                tooltip: {trigger: 'axis'}, legend: {top: 0}, grid: {top: 40, left: 40, right: 16, bottom: 30},
                color: ['#2e9d4a', '#c62828'],
                xAxis: {type: 'category', data: data.days}, yAxis: integer,
                series: [{name: 'passed', type: 'bar', stack: 'drills', data: drills(true)},
                         {name: 'failed', type: 'bar', stack: 'drills', data: drills(false)}]
              });
            })();
            """;
}
