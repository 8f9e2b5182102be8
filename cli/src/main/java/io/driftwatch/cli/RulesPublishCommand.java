package io.driftwatch.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.rules.RuleBundleTopic;
import io.driftwatch.app.rules.RulesSettings;
import io.driftwatch.model.RuleBundle;
import io.driftwatch.rules.RuleBundles;
import io.driftwatch.rules.RuleCompilationException;
import io.driftwatch.rules.RuleSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ./driftwatch rules publish DIR}: every running instance swaps to the directory's rules. */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = {"Compile a directory of your rules (.drl, .yaml, .yml) with the built-in pack and, when it compiles,",
                "publish it to the rules topic: every running instance following the topic swaps to it without a restart.",
                "A directory that does not compile is refused with file:line problems and nothing is published."})
final class RulesPublishCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "Directory of your rule files (searched recursively).")
    Path rulesDir;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Rule-set name, the record key in the rules topic (default: driftwatch.rules.name, else \"default\").")
    String name;

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SortedMap<String, String> files;
        RuleSet rules;
        try {
            files = RuleBundles.read(rulesDir);
            rules = RuleBundles.compile(files);
        } catch (RuleCompilationException e) {
            err.println("error: rules refused, nothing published:\n" + e.getMessage());
            err.flush();
            return 1;
        }
        DriftwatchConfig config = options.load();
        config.require(DriftwatchConfig.BOOTSTRAP_SERVERS);
        config.require(DriftwatchConfig.SCHEMA_REGISTRY_URL);
        if (name != null) {
            config = config.withOverrides(Map.of(RulesSettings.NAME, name));
        }
        RulesSettings settings = RulesSettings.from(config);
        try (RuleBundleTopic topic = new RuleBundleTopic(config, settings.topic())) {
            if (!topic.exists()) {
                err.println("error: rules topic " + topic.name() + " does not exist; create it with ./driftwatch topics create");
                err.flush();
                return 1;
            }
            RuleBundle bundle = RuleBundleTopic.bundle(settings.name(), rules.version(), files, System.currentTimeMillis());
            RecordMetadata written = topic.publish(bundle);
            out.printf("published rule set '%s' version %s: %d files, %d rules, to %s (partition %d, offset %d)%n",
                    settings.name(), rules.version(), files.size(), rules.rules().size(), topic.name(), written.partition(),
                    written.offset());
            out.flush();
            return 0;
        }
    }
}
