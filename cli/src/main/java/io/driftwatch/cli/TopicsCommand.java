package io.driftwatch.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.app.config.TopicCatalog.TopicSpec;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "List or create Driftwatch's topics (deploy/topics.tsv; reasons in deploy/README.md).",
        subcommands = {TopicsCommand.ListTopics.class, TopicsCommand.CreateTopics.class})
final class TopicsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print every topic with its partitions and configs.")
    static final class ListTopics implements java.util.concurrent.Callable<Integer> {
        @Mixin
        ConfigOptions options;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            DriftwatchConfig config = options.load();
            TopicCatalog catalog = TopicCatalog.builtIn();
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-20s %-36s %10s  %-18s %s%n", "ROLE", "TOPIC", "PARTITIONS", "VALUE", "CONFIGS");
            for (TopicSpec topic : catalog.all()) {
                out.printf("%-20s %-36s %10d  %-18s %s%n", topic.role(), catalog.name(topic.role(), config),
                        topic.partitions(), topic.valueRecord(), topic.configs());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create every topic that does not exist yet, then check that the joined inputs are co-partitioned.")
    static final class CreateTopics implements java.util.concurrent.Callable<Integer> {
        @Mixin
        ConfigOptions options;
        @Spec
        CommandSpec spec;

        @Option(names = "--replication-factor", paramLabel = "N",
                description = "Replicas per partition (default: the broker's default.replication.factor).")
        Short replicationFactor;

        @Option(names = "--partitions", paramLabel = "N",
                description = "Override the partition count of every topic except the single-partition rules topic "
                        + "(e.g. 1 for a laptop).")
        Integer partitions;

        @Option(names = "--dry-run", description = "Print what would be created and do nothing.")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            DriftwatchConfig config = options.load();
            TopicCatalog catalog = TopicCatalog.builtIn();
            PrintWriter out = spec.commandLine().getOut();
            List<NewTopic> wanted = new ArrayList<>();
            for (TopicSpec topic : catalog.all()) {
                int count = partitions != null && topic.partitions() > 1 ? partitions : topic.partitions();
                wanted.add(new NewTopic(catalog.name(topic.role(), config), Optional.of(count),
                        Optional.ofNullable(replicationFactor)).configs(topic.configs()));
            }
            if (dryRun) {
                wanted.forEach(t -> out.printf("would create %s: %d partitions, configs %s%n", t.name(),
                        t.numPartitions(), t.configs()));
                out.flush();
                return 0;
            }
            Map<String, Object> adminConfig = config.adminProperties();
            adminConfig.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
            adminConfig.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
            try (Admin admin = Admin.create(adminConfig)) {
                var results = admin.createTopics(wanted).values();
                for (NewTopic topic : wanted) {
                    try {
                        results.get(topic.name()).get(60, TimeUnit.SECONDS);
                        out.printf("created %s (%d partitions)%n", topic.name(), topic.numPartitions());
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw new IllegalStateException("Could not create topic " + topic.name() + ": "
                                    + e.getCause().getMessage(), e.getCause());
                        }
                        out.printf("exists  %s%n", topic.name());
                    }
                    out.flush();
                }
                return checkCoPartitioning(admin, catalog, config, out);
            }
        }

        private int checkCoPartitioning(Admin admin, TopicCatalog catalog, DriftwatchConfig config, PrintWriter out)
                throws Exception {
            List<String> names = TopicCatalog.CO_PARTITIONED.stream().map(role -> catalog.name(role, config)).toList();
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS);
            Map<String, Integer> counts = new TreeMap<>();
            described.forEach((name, description) -> counts.put(name, description.partitions().size()));
            if (counts.values().stream().distinct().count() > 1) {
                spec.commandLine().getErr().println("error: the joined input topics must have the same partition count, "
                        + "but have " + counts + ". Recreate them with equal counts.");
                return 1;
            }
            out.printf("%d topics ready; joined inputs co-partitioned (%d partitions each)%n", catalog.all().size(),
                    counts.values().iterator().next());
            out.flush();
            return 0;
        }
    }
}
