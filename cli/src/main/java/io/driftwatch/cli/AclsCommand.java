package io.driftwatch.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.notify.NotifyService;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AclBinding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "acls", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the Kafka ACLs each Driftwatch component needs (least privilege), as a table and as"
                + " kafka-acls.sh command lines; with --apply, create them through the Admin API.",
                "",
                "One principal per component: the streams app (run), the node agent and its responder (agent, respond),"
                        + " the notifier (notify) and the operator's CLI (topics create, produce, ingest, rules publish)."
                        + " Node-bound principals hold {node} and are expanded for every --node: a node's credentials may"
                        + " write its events and read only its own commands topic <response-commands>.<node>, never"
                        + " write <prefix>response-commands nor read another node's commands. That needs the app and the"
                        + " responders to run with driftwatch.response.commands.per.node=true.",
                "",
                "Topic names come from deploy/topics.tsv with --topic-prefix / driftwatch.topic.* as for `topics create`;"
                        + " the app's internal topics, consumer group and transactional ids follow application.id and"
                        + " processing.guarantee from the configuration. The schema registry is not covered by Kafka ACLs."
                        + " See src/security.md.",
                ""},
        footer = {"", "Examples:",
                "  ./driftwatch acls --node worker-1 --node worker-2",
                "  ./driftwatch acls --config admin.properties --node worker-1 --apply",
                "  ./driftwatch acls --format kafka-acls --command-config admin.properties > acls.sh"})
final class AclsCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--node", paramLabel = "NAME", split = ",",
            description = "A node to grant its agent and responder ACLs for (repeatable or comma-separated). Without any,"
                    + " node-bound rows are printed with {node} and --apply leaves them out.")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--app-principal", paramLabel = "PRINCIPAL", defaultValue = "User:driftwatch-app",
            description = "The streams app's principal (default: ${DEFAULT-VALUE}).")
    String appPrincipal;

    @Option(names = "--agent-principal", paramLabel = "PRINCIPAL", defaultValue = "User:driftwatch-agent-{node}",
            description = "The node agent's principal, {node} standing for the node's name (default: ${DEFAULT-VALUE}).")
    String agentPrincipal;

    @Option(names = "--responder-principal", paramLabel = "PRINCIPAL",
            description = "The responder's principal (default: the agent's, since `agent --respond` runs both with one"
                    + " set of credentials).")
    String responderPrincipal;

    @Option(names = "--notifier-principal", paramLabel = "PRINCIPAL", defaultValue = "User:driftwatch-notifier",
            description = "The notifier's principal (default: ${DEFAULT-VALUE}).")
    String notifierPrincipal;

    @Option(names = {"--operator-principal", "--cli-principal"}, paramLabel = "PRINCIPAL",
            defaultValue = "User:driftwatch-operator",
            description = "The operator's CLI principal (default: ${DEFAULT-VALUE}).")
    String operatorPrincipal;

    @Option(names = "--notify-group", paramLabel = "ID", defaultValue = NotifyService.DEFAULT_GROUP,
            description = "The notifier's consumer group (notify --group; default: ${DEFAULT-VALUE}).")
    String notifyGroup;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "*",
            description = "The host every ACL allows (default: ${DEFAULT-VALUE}, any).")
    String host;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "both",
            description = "table, kafka-acls (one kafka-acls.sh command per principal and resource) or both (default).")
    String format;

    @Option(names = "--command-config", paramLabel = "FILE", defaultValue = "admin.properties",
            description = "The --command-config named in the kafka-acls.sh lines (default: ${DEFAULT-VALUE}).")
    String commandConfig;

    @Option(names = "--apply", description = "Create the ACLs with the Admin API (createAcls), connecting as --config and"
            + " the environment say (needs ALTER on the cluster: a Kafka administrator). Existing ACLs stay.")
    boolean apply;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!List.of("table", "kafka-acls", "both").contains(format)) {
            throw new IllegalArgumentException("--format must be table, kafka-acls or both, not '" + format + "'");
        }
        DriftwatchConfig config = options.load();
        String commands = TopicCatalog.builtIn().name("response-commands", config);
        for (String node : nodes) {
            AclPlan.checkNode(commands, node);
        }
        AclPlan plan = AclPlan.of(config, new AclPlan.Principals(appPrincipal, agentPrincipal,
                responderPrincipal == null ? agentPrincipal : responderPrincipal, notifierPrincipal, operatorPrincipal),
                notifyGroup);
        List<AclPlan.Grant> grants = plan.grants(nodes);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        plan.warnings().forEach(w -> err.println("warning: " + w));
        err.flush();
        if (!format.equals("kafka-acls")) {
            printTable(out, grants);
        }
        if (!format.equals("table")) {
            printCommands(out, grants, config.get(DriftwatchConfig.BOOTSTRAP_SERVERS, "<bootstrap>"));
        }
        if (!format.equals("kafka-acls")) {
            out.println();
            plan.notes().forEach(n -> out.println("note: " + n));
        }
        out.flush();
        if (apply) {
            return apply(config, grants, out, err);
        }
        return 0;
    }

    private void printTable(PrintWriter out, List<AclPlan.Grant> grants) {
        String row = "%-10s %-34s %-16s %-16s %-8s %-48s %s%n";
        out.printf(row, "COMPONENT", "PRINCIPAL", "OPERATION", "RESOURCE", "PATTERN", "NAME", "WHY");
        for (AclPlan.Grant g : grants) {
            out.printf(row, g.component(), g.principal(), g.operation(), g.type(), g.pattern(), g.name(), g.why());
        }
        if (nodes.isEmpty()) {
            out.println("(rows with {node}: once per node; list them with --node)");
        }
    }

    /** One kafka-acls.sh line per principal and resource, with all its operations. */
    private void printCommands(PrintWriter out, List<AclPlan.Grant> grants, String bootstrap) {
        Map<String, List<AclPlan.Grant>> byResource = new LinkedHashMap<>();
        for (AclPlan.Grant g : grants) {
            byResource.computeIfAbsent(g.principal() + " " + g.type() + " " + g.pattern() + " " + g.name(),
                    k -> new ArrayList<>()).add(g);
        }
        out.println();
        out.println("# kafka-acls.sh (Apache Kafka's bin/) lines for the same ACLs:");
        for (List<AclPlan.Grant> same : byResource.values()) {
            AclPlan.Grant g = same.get(0);
            StringBuilder line = new StringBuilder("kafka-acls.sh --bootstrap-server ").append(bootstrap)
                    .append(" --command-config ").append(commandConfig).append(" --add --allow-principal '")
                    .append(g.principal()).append("'");
            if (!host.equals("*")) {
                line.append(" --allow-host ").append(host);
            }
            same.forEach(s -> line.append(" --operation ").append(AclPlan.operationName(s.operation())));
            line.append(' ').append(AclPlan.resourceOption(g)).append(" '").append(g.name()).append("'")
                    .append(" --resource-pattern-type ").append(g.pattern().name().toLowerCase(java.util.Locale.ROOT));
            out.println(line);
        }
    }

    private int apply(DriftwatchConfig config, List<AclPlan.Grant> grants, PrintWriter out, PrintWriter err)
            throws Exception {
        List<AclBinding> bindings = new ArrayList<>();
        int left = 0;
        for (AclPlan.Grant g : grants) {
            if (g.perNode()) {
                left++;
            } else {
                bindings.add(g.binding(host));
            }
        }
        if (left > 0) {
            err.println("warning: " + left + " node-bound ACLs left out: name the nodes with --node");
        }
        Map<String, Object> adminConfig = config.adminProperties();
        adminConfig.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin admin = Admin.create(adminConfig)) {
            admin.createAcls(bindings).all().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("Could not create the ACLs (the principal of --config needs ALTER on the"
                    + " cluster): " + e.getCause().getMessage(), e.getCause());
        }
        out.println("applied " + bindings.size() + " ACLs" + (nodes.isEmpty() ? "" : " (nodes " + nodes + ")"));
        out.flush();
        err.flush();
        return 0;
    }
}
