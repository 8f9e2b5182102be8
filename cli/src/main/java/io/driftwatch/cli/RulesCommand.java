package io.driftwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.topology.PipelineSettings;
import io.driftwatch.rules.RuleCompilationException;
import io.driftwatch.rules.RuleCompilationException.Problem;
import io.driftwatch.rules.RuleInfo;
import io.driftwatch.rules.RuleSet;
import io.driftwatch.rules.testing.RuleTestSuite;
import io.driftwatch.rules.testing.RuleTests;
import io.driftwatch.rules.testing.RuleValidator;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code driftwatch rules}: the rule author's toolkit (list, validate, test). */
@Command(name = "rules", mixinStandardHelpOptions = true,
        description = {"The rule author's toolkit: the rule catalogue, and checking and testing a directory of your "
                + "DRL rules against the built-in pack.",
                "",
                "Your directory holds *.drl files (any folders), fixtures/<RULE-ID>.json for each detection rule "
                + "(cases that must fire it, near misses that must not) and optionally benign/*.jsonl (workloads "
                + "that must raise nothing); see rules-drl/README.md, \"Rule author's toolkit\"."},
        subcommands = {RulesCommand.ListRules.class, RulesCommand.ValidateRules.class, RulesCommand.TestRules.class, RulesPublishCommand.class})
final class RulesCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            header = "Print the rule catalogue: id, severity, MITRE, maturity, enabled, compliance controls.",
            description = {"Print the rule catalogue: id, severity, MITRE techniques, maturity, whether the rule is "
                    + "enabled, name and file, then the compliance controls each rule claims (@controls; "
                    + "src/compliance-report.md).",
                    "A rule is enabled when its maturity is among --maturity (as driftwatch.rules.maturity in the app)."})
    static final class ListRules implements Callable<Integer> {
        @Option(names = "--rules", paramLabel = "DIR", description = "Your DRL rules, added to the built-in pack.")
        Path rulesDir;
        @Option(names = "--maturity", paramLabel = "TIERS", defaultValue = "stable",
                description = "Enabled maturity tiers, comma-separated: stable (default), incubating, sandbox, or all.")
        String maturity;
        @Option(names = "--json", description = "Print a JSON array of the rules, with all their metadata.")
        boolean json;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Set<String> enabled;
            try {
                enabled = PipelineSettings.from(DriftwatchConfig.of(Map.of(PipelineSettings.RULE_MATURITY, maturity)))
                        .ruleMaturities();
            } catch (IllegalArgumentException e) {
                err.println("error: --maturity: " + e.getMessage());
                return 2;
            }
            RuleSet rules;
            try {
                rules = rulesDir == null ? RuleSet.builtIn() : RuleSet.load(rulesDir);
            } catch (RuleCompilationException e) {
                err.println("error: rules refused (details: driftwatch rules validate " + rulesDir + "):");
                e.problems().forEach(p -> err.println(display(rulesDir, p)));
                return 1;
            }
            Set<String> detection = rules.detectionRuleIds();
            if (json) {
                ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                ArrayNode array = mapper.createArrayNode();
                for (RuleInfo rule : rules.rules()) {
                    ObjectNode node = array.addObject();
                    node.put("id", rule.id());
                    node.put("name", rule.name());
                    node.put("severity", rule.severity() == null ? null : rule.severity().name());
                    ArrayNode mitre = node.putArray("mitre");
                    rule.mitre().forEach(mitre::add);
                    ArrayNode tags = node.putArray("tags");
                    rule.tags().forEach(tags::add);
                    node.put("maturity", rule.maturity());
                    node.put("enabled", enabled.contains(rule.maturity()));
                    node.put("detection", detection.contains(rule.id()));
                    node.put("file", rule.file());
                    node.put("description", rule.description());
                    node.put("falsePositives", rule.falsePositives());
                    node.put("response", rule.response());
                    node.put("lane", lane(rules, rule.id()));
                    ArrayNode controls = node.putArray("controls");
                    rule.controls().forEach(controls::add);
                }
                out.println(mapper.writeValueAsString(array));
                out.flush();
                return 0;
            }
            out.printf("%-12s %-9s %-22s %-11s %-8s %-10s %s%n", "ID", "SEVERITY", "MITRE", "MATURITY", "ENABLED", "LANE",
                    "NAME (FILE)");
            for (RuleInfo rule : rules.rules()) {
                out.printf("%-12s %-9s %-22s %-11s %-8s %-10s %s (%s)%n", rule.id(),
                        rule.severity() == null ? "-" : rule.severity(),
                        rule.mitre().isEmpty() ? "-" : String.join(",", rule.mitre()), rule.maturity(),
                        enabled.contains(rule.maturity()) ? "yes" : "no", lane(rules, rule.id()), rule.name(), rule.file());
                if (!rule.controls().isEmpty()) {
                    out.printf("%-12s controls: %s%n", "", String.join(", ", rule.controls()));
                }
            }
            long on = rules.rules().stream().filter(r -> enabled.contains(r.maturity())).count();
            out.printf("%d rules (%d enabled: maturity %s), rule set version %s%n", rules.rules().size(), on,
                    String.join(",", enabled.stream().sorted().toList()), rules.version());
            out.flush();
            return 0;
        }
    }

    @Command(name = "validate", aliases = "check", mixinStandardHelpOptions = true,
            header = "Check a directory of your rules, listing every problem with its file and line.",
            description = {"Check a directory of your rules and report every problem as file:line: message: "
                    + "compilation errors (compiled together with the built-in pack), duplicate ids, missing or invalid "
                    + "metadata (severity, MITRE ids, maturity, ...), detection rules without fixtures "
                    + "(DIR/fixtures/<RULE-ID>.json), and fixture or benign files that do not read.",
                    "Exits 1 on any error. 'check' is an alias."})
    static final class ValidateRules implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "Directory of your rules: *.drl (searched recursively), fixtures/, benign/.")
        Path rulesDir;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            RuleValidator.Report report = RuleValidator.validate(rulesDir);
            report.errors().forEach(p -> out.println(display(rulesDir, p)));
            report.warnings().forEach(p -> out.println(display(rulesDir, new Problem(p.file(), p.line(), "warning: " + p.message()))));
            if (!report.passed()) {
                out.printf("%s: %s%n", rulesDir, count(report.errors().size(), "error"));
                out.flush();
                return 1;
            }
            long detection = report.userRules().stream().filter(report.detectionRules()::contains).count();
            out.printf("ok: %s: %s of yours (%s, each with fixtures) compile with the %s%n", rulesDir,
                    count(report.userRules().size(), "rule"), count(detection, "detection rule"),
                    count(report.rules().size() - report.userRules().size(), "built-in rule"));
            out.flush();
            return 0;
        }
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
            header = "Run the fixtures and benign corpora of the built-in pack and of your rules.",
            description = {"Run every rule's fixtures and the benign corpora: the built-in pack's, and DIR's "
                    + "(DIR/fixtures/<RULE-ID>.json, DIR/benign/*.jsonl) with DIR's rules added. Every rule fires, "
                    + "whatever its maturity. Reports each failing rule with what was expected and what happened, then "
                    + "a summary line. Without DIR, tests the built-in pack.",
                    "Exits 1 on any failure."})
    static final class TestRules implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", arity = "0..1", description = "Directory of your rules, fixtures and benign corpora.")
        Path rulesDir;
        @Option(names = {"-q", "--quiet"}, description = "Print only failures and the summary.")
        boolean quiet;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            RuleSet rules;
            try {
                rules = rulesDir == null ? RuleSet.builtIn() : RuleSet.load(rulesDir);
            } catch (RuleCompilationException e) {
                e.problems().forEach(p -> out.println(display(rulesDir, p)));
                out.printf("FAILED: the rules are refused (%s; see driftwatch rules validate %s); nothing was tested%n",
                        count(e.problems().size(), "problem"), rulesDir);
                out.flush();
                return 1;
            }
            RuleTestSuite suite = RuleTestSuite.builtIn();
            if (rulesDir != null) {
                suite = suite.plus(RuleTestSuite.directory(rulesDir));
            }
            int cases = suite.fixtures().stream().mapToInt(f -> f.cases().size()).sum();
            out.printf("testing rule set %s (%s): %s (%s), %s%n", rules.version(),
                    rulesDir == null ? "built-in pack" : "built-in pack + " + rulesDir, count(suite.fixtures().size(), "fixture file"),
                    count(cases, "case"), count(suite.corpora().size(), "benign corpus", "benign corpora"));
            out.flush();
            RuleTests.Report report = RuleTests.run(rules, suite);

            report.casesByRule().forEach((ruleId, results) -> {
                List<RuleTests.CaseResult> failed = results.stream().filter(r -> !r.passed()).toList();
                if (failed.isEmpty()) {
                    if (!quiet) {
                        out.printf("PASS %s (%s)%n", ruleId, count(results.size(), "case"));
                    }
                    return;
                }
                out.printf("FAIL %s (%d of %s failed)%n", ruleId, failed.size(), count(results.size(), "case"));
                failed.forEach(r -> out.println("  " + display(rulesDir, r.failure())));
            });
            for (RuleTests.CorpusResult corpus : report.corpora()) {
                String name = displayPath(rulesDir, corpus.corpus().source());
                if (corpus.passed()) {
                    if (!quiet) {
                        out.printf("PASS benign %s (%s)%n", name, count(corpus.corpus().events().size(), "event"));
                    }
                    continue;
                }
                out.printf("FAIL benign %s (%s, %s)%n", name, count(corpus.corpus().events().size(), "event"),
                        count(corpus.alerts().size(), "alert"));
                corpus.failures().forEach(f -> out.println("  " + display(rulesDir, f)));
            }
            if (!report.problems().isEmpty()) {
                out.println("FAIL fixture files that cannot be used:");
                report.problems().forEach(p -> out.println("  " + display(rulesDir, p)));
            }
            Set<String> builtIn = RuleSet.builtIn().rules().stream().map(RuleInfo::id).collect(Collectors.toSet());
            List<String> untested = report.untested().stream().sorted().toList();
            if (!untested.isEmpty()) {
                out.printf("warning: no fixtures for %s%s%n", String.join(", ", untested),
                        untested.stream().anyMatch(id -> !builtIn.contains(id)) ? " (rules validate requires them)" : "");
            }
            out.println(report.summary());
            out.flush();
            return report.passed() ? 0 : 1;
        }
    }

    static String count(long n, String one) {
        return count(n, one, one + "s");
    }

    static String count(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** {@code file:line: message}, with a file of the user's directory named as the user can open it. */
    static String display(Path dir, Problem problem) {
        return displayPath(dir, problem.file()) + ":" + problem.line() + ": " + problem.message();
    }

    static String display(Path dir, RuleTests.Failure failure) {
        return displayPath(dir, failure.source()) + ":" + failure.line() + ": " + failure.message();
    }

    static String displayPath(Path dir, String file) {
        if (dir != null && !file.isEmpty() && !file.equals("?")) {
            try {
                Path inDir = dir.resolve(file);
                if (Files.exists(inDir)) {
                    return inDir.toString();
                }
            } catch (java.nio.file.InvalidPathException e) {
                return file;
            }
        }
        return file;
    }

    /** A rule's lane as the list shows it: immediate (single-event), ordered (stateful) or both. */
    static String lane(io.driftwatch.rules.RuleSet rules, String id) {
        io.driftwatch.rules.Lane lane = rules.laneOf(id);
        return lane == null ? "-" : switch (lane) {
            case IMMEDIATE -> "immediate";
            case ORDERED -> "ordered";
            case ALL -> "both";
        };
    }
}
