package io.driftwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.cli.report.ComplianceHtml;
import io.driftwatch.cli.report.ComplianceReport;
import io.driftwatch.cli.report.TopicReader;
import io.driftwatch.model.Alert;
import io.driftwatch.model.DrillReport;
import io.driftwatch.model.Incident;
import io.driftwatch.rules.Controls;
import io.driftwatch.rules.RuleCompilationException;
import io.driftwatch.rules.RuleInfo;
import io.driftwatch.rules.RuleSet;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code driftwatch report}: reports over what Driftwatch recorded. */
@Command(name = "report", mixinStandardHelpOptions = true,
        header = "Reports over what Driftwatch recorded: compliance.",
        description = "Reports over the alerts, incidents and drills on the topics.",
        subcommands = ReportCommand.Compliance.class)
final class ReportCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "compliance", mixinStandardHelpOptions = true, sortOptions = false,
            header = "Per compliance control: its rules, alerts, incidents, response times and drills in a period.",
            description = {"For each control of the catalogue (PCI DSS, NIST SP 800-53, SOC 2, HIPAA; "
                    + "src/compliance-report.md): the rules that claim it (@controls; built-in and --rules), the alerts "
                    + "of the period by rule, the incidents first seen in it, how fast they were acknowledged and closed "
                    + "(median, p90, max, how many are not yet), escalations and obligations where the response plan "
                    + "ran, and the drills run with their result.",
                    "",
                    "Reads the alerts topic from the period's start (offsetsForTimes, less --slack), and the compacted "
                            + "incidents and drills topics whole (the newest record of each). Times: ISO-8601 "
                            + "(2026-12-01T00:00:00Z), a date (2026-12-01, midnight UTC), epoch milliseconds, 'now' or "
                            + "a time ago (15m, 2h, 30d). Progress goes to stderr.",
                    "",
                    "--format json (the default) prints the documented JSON shape; --format html writes one "
                            + "self-contained page with charts that works offline."},
            footer = {"", "Exit codes: 0 done; 1 the broker, registry or --rules failed (the message says which); "
                    + "2 bad usage."})
    static final class Compliance implements Callable<Integer> {
        @Option(names = "--from", required = true, paramLabel = "TIME", description = "Start of the period (inclusive).")
        String from;
        @Option(names = "--to", paramLabel = "TIME", defaultValue = "now",
                description = "End of the period (exclusive; default now).")
        String to;
        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json",
                description = "json (default) or html.")
        String format;
        @Option(names = "--out", paramLabel = "FILE", description = "Write the report here instead of stdout.")
        Path out;
        @Option(names = "--rules", paramLabel = "DIR",
                description = "Your DRL rules, added to the built-in pack: their @controls count too.")
        Path rulesDir;
        @Option(names = "--slack", paramLabel = "DURATION", defaultValue = "1h",
                description = "How much earlier than --from the alerts topic is read, for alerts written to Kafka "
                        + "out of event-time order (default ${DEFAULT-VALUE}).")
        String slack;
        @Mixin
        ConfigOptions options;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            Instant now = Instant.now();
            long fromMs;
            long toMs;
            Duration slackDuration;
            try {
                fromMs = time(from, now);
                toMs = time(to, now);
                slackDuration = duration(slack);
            } catch (IllegalArgumentException e) {
                err.println("error: " + e.getMessage());
                return 2;
            }
            if (fromMs >= toMs) {
                err.println("error: --from must be before --to");
                return 2;
            }
            String fmt = format.toLowerCase(Locale.ROOT);
            if (!fmt.equals("json") && !fmt.equals("html")) {
                err.println("error: --format must be json or html, not " + format);
                return 2;
            }
            RuleSet rules;
            try {
                rules = rulesDir == null ? RuleSet.builtIn() : RuleSet.load(rulesDir);
            } catch (RuleCompilationException e) {
                err.println("error: rules refused (details: driftwatch rules validate " + rulesDir + "):");
                e.problems().forEach(p -> err.println(rulesDir.resolve(p.file()) + ":" + p.line() + ": " + p.message()));
                return 1;
            }
            Set<String> builtIn = RuleSet.builtIn().rules().stream().map(RuleInfo::id).collect(Collectors.toSet());

            DriftwatchConfig config = options.load();
            TopicCatalog catalog = TopicCatalog.builtIn();
            List<Alert> alerts = new ArrayList<>();
            Map<String, Incident> incidents = new LinkedHashMap<>();
            Map<String, DrillReport> drills = new LinkedHashMap<>();
            try (TopicReader reader = new TopicReader(config, err)) {
                reader.read(catalog.name("alerts", config), fromMs - slackDuration.toMillis(), (key, value) -> {
                    if (value instanceof Alert alert) {
                        alerts.add(alert);
                    }
                });
                reader.read(catalog.name("incidents", config), Long.MIN_VALUE, (key, value) -> {
                    if (value instanceof Incident incident) {
                        incidents.put(incident.getIncidentId(), incident);
                    } else if (value == null && key != null) {
                        incidents.remove(key);
                    }
                });
                reader.read(catalog.name("drills", config), Long.MIN_VALUE, (key, value) -> {
                    if (value instanceof DrillReport drill) {
                        drills.put(drill.getDrillId(), drill);
                    } else if (value == null && key != null) {
                        drills.remove(key);
                    }
                });
                if (reader.skipped() > 0) {
                    err.println("report: " + reader.skipped() + " records skipped (they do not deserialize)");
                }
            }
            ObjectNode report = ComplianceReport.build(new ComplianceReport.Inputs(fromMs, toMs, now.toEpochMilli(),
                    rules.rules(), builtIn, rules.detectionRuleIds(), rules.version(),
                    rulesDir == null ? null : rulesDir.toString(), alerts, incidents.values(), drills.values()),
                    Controls.builtIn());
            String text = fmt.equals("html") ? ComplianceHtml.render(report)
                    : new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report) + "\n";
            if (out == null) {
                PrintWriter stdout = spec.commandLine().getOut();
                stdout.print(text);
                stdout.flush();
            } else {
                Files.writeString(out, text, StandardCharsets.UTF_8);
                err.println("report: " + fmt + " written to " + out);
            }
            err.printf("report: %d alerts, %d incidents, %d drills in the period%n",
                    report.path("totals").path("alerts").asInt(), report.path("totals").path("incidents").asInt(),
                    report.path("totals").path("drills").path("run").asInt());
            err.flush();
            return 0;
        }
    }

    private static final Pattern AGO = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    /** A point in time: now, a time ago (15m, 2h, 30d), epoch ms, an ISO-8601 instant or a date (midnight UTC). */
    static long time(String text, Instant now) {
        String t = text.trim();
        if (t.equalsIgnoreCase("now")) {
            return now.toEpochMilli();
        }
        if (AGO.matcher(t.toLowerCase(Locale.ROOT)).matches()) {
            return now.minus(duration(t)).toEpochMilli();
        }
        if (t.matches("\\d{9,}")) {
            return Long.parseLong(t);
        }
        try {
            return Instant.parse(t).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("not a time: " + text
                        + " (ISO-8601 such as 2026-12-01T00:00:00Z, a date, epoch ms, now, or a time ago such as 7d)");
            }
        }
    }

    static Duration duration(String text) {
        Matcher m = AGO.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: " + text + " (such as 30s, 15m, 2h, 7d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
