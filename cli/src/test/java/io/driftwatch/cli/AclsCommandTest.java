package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** What `acls` grants: least privilege per component, and never a node the others' commands. */
class AclsCommandTest {
    private static final AclPlan.Principals PRINCIPALS = new AclPlan.Principals("User:app", "User:agent-{node}",
            "User:agent-{node}", "User:notifier", "User:operator");

    private static List<AclPlan.Grant> plan(Map<String, String> config, List<String> nodes) {
        return AclPlan.of(DriftwatchConfig.of(config), PRINCIPALS, "driftwatch-notify").grants(nodes);
    }

    /** Whether the grants let {@code principal} do {@code op} on topic {@code topic}, by Kafka's matching rules. */
    private static boolean allows(List<AclPlan.Grant> grants, String principal, AclOperation op, String topic) {
        return grants.stream().anyMatch(g -> g.principal().equals(principal) && g.type() == ResourceType.TOPIC
                && (g.operation() == op || g.operation() == AclOperation.ALL
                        || op == AclOperation.DESCRIBE && List.of(AclOperation.READ, AclOperation.WRITE).contains(g.operation()))
                && (g.pattern() == PatternType.LITERAL ? g.name().equals(topic) : topic.startsWith(g.name())));
    }

    @Test
    void aNodeWritesItsEventsAndReadsOnlyItsOwnCommands() {
        List<AclPlan.Grant> grants = plan(Map.of("driftwatch.response.commands.per.node", "true"), List.of("n1", "n2"));
        String n1 = "User:agent-n1";
        assertTrue(allows(grants, n1, AclOperation.WRITE, "driftwatch.file-events"));
        assertTrue(allows(grants, n1, AclOperation.WRITE, "driftwatch.container-metadata"));
        assertTrue(allows(grants, n1, AclOperation.READ, "driftwatch.response-commands.n1"));
        assertFalse(allows(grants, n1, AclOperation.READ, "driftwatch.response-commands.n2"), "another node's commands");
        assertFalse(allows(grants, n1, AclOperation.DESCRIBE, "driftwatch.response-commands.n2"));
        assertFalse(allows(grants, n1, AclOperation.READ, "driftwatch.response-commands"), "every node's commands");
        for (String topic : List.of("driftwatch.response-commands", "driftwatch.response-commands.n1",
                "driftwatch.response-commands.n2", "driftwatch.rules", "driftwatch.exec-sessions")) {
            assertFalse(allows(grants, n1, AclOperation.WRITE, topic), "a node never writes " + topic);
            assertFalse(allows(grants, n1, AclOperation.CREATE, topic), "a node never creates " + topic);
        }
        assertTrue(grants.stream().noneMatch(g -> g.principal().equals(n1) && g.pattern() != PatternType.LITERAL),
                "a node has literal grants only");
    }

    @Test
    void theAppWritesCommandsAndCreatesNodeTopicsWithItsInternalTopicsAndTransactions() {
        List<AclPlan.Grant> grants = plan(Map.of("driftwatch.topic.prefix", "prod.", "application.id", "dw-prod"), List.of());
        assertTrue(allows(grants, "User:app", AclOperation.WRITE, "prod.response-commands"));
        assertTrue(allows(grants, "User:app", AclOperation.CREATE, "prod.response-commands.any-node"));
        assertTrue(allows(grants, "User:app", AclOperation.READ, "dw-prod-held-events-changelog"));
        assertFalse(allows(grants, "User:app", AclOperation.READ, "driftwatch.file-events"), "the prefix is honoured");
        assertTrue(grants.stream().anyMatch(g -> g.principal().equals("User:app") && g.type() == ResourceType.TRANSACTIONAL_ID
                && g.name().equals("dw-prod") && g.pattern() == PatternType.PREFIXED), "exactly-once by default");
        assertTrue(plan(Map.of("processing.guarantee", "at_least_once"), List.of()).stream()
                .noneMatch(g -> g.type() == ResourceType.TRANSACTIONAL_ID), "no transactions, no transactional ids");
        assertTrue(grants.stream().anyMatch(g -> g.principal().equals("User:notifier") && g.type() == ResourceType.GROUP
                && g.name().equals("driftwatch-notify")));
    }

    @Test
    void printsATableAndKafkaAclsLinesAndWarnsWithoutPerNodeTopics() {
        CliHelpTest.Run run = CliHelpTest.run("acls", "--node", "worker-1", "--bootstrap-server", "kafka:9093");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("COMPONENT") && run.out().contains("driftwatch.response-commands.worker-1"), run.out());
        assertTrue(run.out().contains("kafka-acls.sh --bootstrap-server kafka:9093 --command-config admin.properties --add"
                + " --allow-principal 'User:driftwatch-agent-worker-1' --operation Read --topic"
                + " 'driftwatch.response-commands.worker-1' --resource-pattern-type literal"), run.out());
        assertTrue(run.out().contains("schema registry is outside Kafka's ACLs"), run.out());
        assertTrue(run.err().contains("driftwatch.response.commands.per.node is not true"), run.err());
    }

    @Test
    void aNodeNameThatCannotBeATopicIsRefused() {
        CliHelpTest.Run run = CliHelpTest.run("acls", "--node", "../x");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("--node ../x"), run.err());
    }

    @Test
    void helpExplainsTheModel() {
        CliHelpTest.Run help = CliHelpTest.run("acls", "--help");
        assertEquals(0, help.exitCode());
        String joined = help.out().replaceAll("\\s+", ""); // picocli wraps long words at their dots
        for (String word : List.of("--apply", "--node", "--app-principal", "--agent-principal", "{node}",
                "driftwatch.response.commands.per.node", "schemaregistry")) {
            assertTrue(joined.contains(word), word + " in " + help.out());
        }
    }
}
