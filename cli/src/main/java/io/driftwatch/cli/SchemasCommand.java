package io.driftwatch.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.app.config.TopicCatalog.TopicSpec;
import io.driftwatch.schemas.Records;
import io.driftwatch.schemas.registry.SchemaRegistryClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "schemas", mixinStandardHelpOptions = true,
        description = "Print the Avro schemas of Driftwatch's records, or register them in a schema registry.",
        subcommands = {SchemasCommand.PrintSchemas.class, SchemasCommand.RegisterSchemas.class})
final class SchemasCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Map<String, Class<? extends SpecificRecord>> recordsByName() {
        return Records.ALL.stream().collect(Collectors.toMap(Class::getSimpleName, Function.identity()));
    }

    @Command(name = "print", mixinStandardHelpOptions = true, description = "Print record schemas as Avro JSON.")
    static final class PrintSchemas implements Callable<Integer> {
        @Parameters(paramLabel = "RECORD", arity = "0..*", description = "Record names (default: all): ${COMPLETION-CANDIDATES}",
                completionCandidates = RecordNames.class)
        List<String> names;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Map<String, Class<? extends SpecificRecord>> records = recordsByName();
            List<String> wanted = names == null || names.isEmpty()
                    ? Records.ALL.stream().map(Class::getSimpleName).toList() : names;
            PrintWriter out = spec.commandLine().getOut();
            for (String name : wanted) {
                Class<? extends SpecificRecord> record = records.get(name);
                if (record == null) {
                    spec.commandLine().getErr().println("error: unknown record '" + name + "'; known: " + records.keySet());
                    return 2;
                }
                out.println(Records.schemaOf(record).toString(true));
            }
            out.flush();
            return 0;
        }
    }

    static final class RecordNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Records.ALL.stream().map(Class::getSimpleName).iterator();
        }
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = "Register every value schema under its topic's subject (<topic>-value), e.g. before running "
                    + "producers with auto.register.schemas=false.")
    static final class RegisterSchemas implements Callable<Integer> {
        @Mixin
        ConfigOptions options;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            DriftwatchConfig config = options.load();
            config.require(DriftwatchConfig.SCHEMA_REGISTRY_URL);
            SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(config.clientProperties());
            TopicCatalog catalog = TopicCatalog.builtIn();
            Map<String, Class<? extends SpecificRecord>> records = recordsByName();
            PrintWriter out = spec.commandLine().getOut();
            for (TopicSpec topic : catalog.all()) {
                Class<? extends SpecificRecord> record = records.get(topic.valueRecord());
                if (record == null) {
                    continue; // raw bytes (dead letters)
                }
                String subject = catalog.name(topic.role(), config) + "-value";
                Schema schema = Records.schemaOf(record);
                out.printf("registered %-40s %-18s id %d%n", subject, record.getSimpleName(), client.register(subject, schema));
                out.flush();
            }
            return 0;
        }
    }
}
