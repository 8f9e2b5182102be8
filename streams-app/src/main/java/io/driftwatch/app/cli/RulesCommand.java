package io.driftwatch.app.cli;

import io.driftwatch.rules.RuleCompilationException;
import io.driftwatch.rules.RuleInfo;
import io.driftwatch.rules.RuleSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "rules", mixinStandardHelpOptions = true,
        description = "List the rules, or check a directory of your DRL files against the built-in pack.",
        subcommands = {RulesCommand.ListRules.class, RulesCommand.CheckRules.class})
final class RulesCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print every rule: id, severity, MITRE, maturity, name.")
    static final class ListRules implements Callable<Integer> {
        @Option(names = "--rules", paramLabel = "DIR", description = "Your DRL rules, added to the built-in pack.")
        Path rulesDir;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            RuleSet rules;
            try {
                rules = rulesDir == null ? RuleSet.builtIn() : RuleSet.load(rulesDir);
            } catch (RuleCompilationException e) {
                spec.commandLine().getErr().println("error: rules refused:\n" + e.getMessage());
                return 1;
            }
            out.printf("%-12s %-9s %-22s %-11s %s%n", "ID", "SEVERITY", "MITRE", "MATURITY", "NAME (FILE)");
            for (RuleInfo rule : rules.rules()) {
                out.printf("%-12s %-9s %-22s %-11s %s (%s)%n", rule.id(), rule.severity() == null ? "-" : rule.severity(),
                        rule.mitre().isEmpty() ? "-" : String.join(",", rule.mitre()), rule.maturity(), rule.name(), rule.file());
            }
            out.printf("%d rules, rule set version %s%n", rules.rules().size(), rules.version());
            out.flush();
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Compile your DRL files with the built-in pack; report every problem with file, line and message.")
    static final class CheckRules implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "Directory of your .drl files (searched recursively).")
        Path rulesDir;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                RuleSet rules = RuleSet.load(rulesDir);
                spec.commandLine().getOut().printf("ok: %d rules compile together (rule set version %s)%n",
                        rules.rules().size(), rules.version());
                spec.commandLine().getOut().flush();
                return 0;
            } catch (RuleCompilationException e) {
                spec.commandLine().getErr().println("error: rules refused:\n" + e.getMessage());
                return 1;
            }
        }
    }
}
