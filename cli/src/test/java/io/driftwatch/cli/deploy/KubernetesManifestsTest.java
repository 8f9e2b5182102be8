package io.driftwatch.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s: every object it builds is valid against the Kubernetes API's schemas (offline), every manifest file
 * is part of a kustomization, and the objects say what src/operations.md and the agent's privileges promise.
 */
class KubernetesManifestsTest {
    private static List<JsonNode> all;
    private static List<JsonNode> base;
    private static List<JsonNode> perNode;

    @BeforeAll
    static void render() throws Exception {
        all = KubernetesManifests.kustomize(KubernetesManifests.k8sDir());
        base = KubernetesManifests.kustomize(KubernetesManifests.k8sDir().resolve("base"));
        perNode = KubernetesManifests.kustomize(KubernetesManifests.k8sDir().resolve("per-node-credentials"));
    }

    @Test
    void everyObjectIsValidAgainstTheKubernetesSchemas() {
        Map<String, List<String>> problems = new LinkedHashMap<>();
        List<JsonNode> everything = new ArrayList<>(all);
        everything.addAll(perNode);
        for (JsonNode obj : everything) {
            List<String> p = KubernetesManifests.validate(obj);
            if (!p.isEmpty()) {
                problems.put(KubernetesManifests.name(obj), p);
            }
        }
        assertTrue(problems.isEmpty(), "invalid objects: " + problems);
        Set<String> kinds = new TreeSet<>();
        all.forEach(o -> kinds.add(o.path("kind").asText()));
        assertEquals(new TreeSet<>(List.of("ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet", "Namespace",
                "NetworkPolicy", "PodDisruptionBudget", "PrometheusRule", "Service", "ServiceAccount", "ServiceMonitor",
                "StatefulSet")), kinds);
    }

    @Test
    void theValidatorRefusesUnknownMissingAndMistypedFields() throws IOException {
        ObjectNode sts = (ObjectNode) find(all, "StatefulSet", "driftwatch-app").deepCopy();
        ((ObjectNode) sts.path("spec")).put("replica", 3);
        assertTrue(String.join(" ", KubernetesManifests.validate(sts)).contains("replica"), "a misspelt field is refused");

        ObjectNode noName = (ObjectNode) find(all, "DaemonSet", "driftwatch-agent").deepCopy();
        ((ObjectNode) noName.path("spec").path("template").path("spec").path("containers").get(0)).remove("name");
        assertTrue(String.join(" ", KubernetesManifests.validate(noName)).contains("name"), "a container without a name is refused");

        ObjectNode wrongType = (ObjectNode) find(all, "StatefulSet", "driftwatch-app").deepCopy();
        ((ObjectNode) wrongType.path("spec").path("template").path("spec").path("containers").get(0)).put("args", "run");
        assertTrue(String.join(" ", KubernetesManifests.validate(wrongType)).contains("args"), "a string where a list belongs is refused");

        ObjectNode wrongGroup = (ObjectNode) find(all, "DaemonSet", "driftwatch-agent").deepCopy();
        wrongGroup.put("apiVersion", "v1");
        assertFalse(KubernetesManifests.validate(wrongGroup).isEmpty(), "a kind in the wrong API group is refused");

        ObjectNode monitor = (ObjectNode) find(all, "ServiceMonitor", "driftwatch-app").deepCopy();
        ((ObjectNode) monitor.path("spec").path("endpoints").get(0)).put("intervall", "15s");
        assertTrue(String.join(" ", KubernetesManifests.validate(monitor)).contains("intervall"),
                "an unknown field in a ServiceMonitor endpoint is refused");

        JsonNode bogus = KubernetesManifests.YAML.readTree("apiVersion: v1\nkind: Podd\nmetadata: {name: x}\n");
        assertFalse(KubernetesManifests.validate(bogus).isEmpty(), "an unknown kind is refused");
    }

    @Test
    void everyManifestFileIsPartOfAKustomization() throws IOException {
        Path dir = KubernetesManifests.k8sDir();
        Set<Path> listed = new HashSet<>();
        collect(dir, listed);
        collect(dir.resolve("per-node-credentials"), listed);
        List<Path> orphans = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().equals("kustomization.yaml"))
                    .map(Path::normalize)
                    .filter(f -> !listed.contains(f))
                    .forEach(orphans::add);
        }
        assertTrue(orphans.isEmpty(), "manifests no kustomization builds (so nothing validates them): " + orphans);
    }

    private static void collect(Path dir, Set<Path> listed) throws IOException {
        JsonNode k = KubernetesManifests.YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        List<JsonNode> entries = new ArrayList<>();
        k.path("resources").forEach(entries::add);
        k.path("bases").forEach(entries::add);
        k.path("patchesStrategicMerge").forEach(entries::add);
        for (JsonNode r : entries) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                collect(p, listed);
            } else {
                listed.add(p);
            }
        }
    }

    @Test
    void theStreamsAppKeepsStateOnAVolumeWithStandbysAndAHeadlessServiceForQueries() {
        JsonNode sts = find(base, "StatefulSet", "driftwatch-app");
        JsonNode headless = find(base, "Service", sts.path("spec").path("serviceName").asText());
        assertEquals("None", headless.path("spec").path("clusterIP").asText(), "the StatefulSet's service is headless");
        assertEquals("state", sts.path("spec").path("volumeClaimTemplates").get(0).path("metadata").path("name").asText());
        JsonNode container = sts.path("spec").path("template").path("spec").path("containers").get(0);
        assertTrue(mountPaths(container).contains("/var/lib/driftwatch"));
        assertEquals("/health/ready", container.path("readinessProbe").path("httpGet").path("path").asText());
        assertEquals("/health/live", container.path("livenessProbe").path("httpGet").path("path").asText());
        assertFalse(container.path("resources").path("requests").isMissingNode());
        assertFalse(container.path("resources").path("limits").path("memory").isMissingNode());
        assertTrue(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean());
        assertTrue(sts.path("spec").path("template").path("spec").path("securityContext").path("runAsNonRoot").asBoolean());

        // The properties the ConfigMap carries: standbys, state on the volume, the advertised address per pod.
        String props = find(base, "ConfigMap", null, "driftwatch-app-config").path("data").path("driftwatch.properties").asText();
        assertTrue(props.contains("num.standby.replicas=1"), props);
        assertTrue(props.contains("state.dir=/var/lib/driftwatch/state"), props);
        // Per-node command topics on both sides (src/security.md): the app writes them, each agent reads its own.
        assertTrue(props.contains("driftwatch.response.commands.per.node=true"), props);
        String agentEnv = find(base, "ConfigMap", null, "driftwatch-agent-config").path("data").toString();
        assertTrue(agentEnv.contains("\"DRIFTWATCH_RESPONSE_COMMANDS_PER_NODE\":\"true\""), agentEnv);
        assertTrue(agentEnv.contains("\"DRIFTWATCH_AGENT_HOST_ROOT\":\"/host\""), "host FIM reads the node at /host: " + agentEnv);
        assertTrue(container.toString().contains("$(POD_NAME).driftwatch-app-headless.driftwatch.svc:8470"));

        JsonNode pdb = find(base, "PodDisruptionBudget", "driftwatch-app");
        assertEquals(sts.path("spec").path("selector").path("matchLabels"), pdb.path("spec").path("selector").path("matchLabels"));
    }

    @Test
    void theAgentHasExactlyThePrivilegesItsCommentExplains() throws IOException {
        JsonNode ds = find(base, "DaemonSet", "driftwatch-agent");
        JsonNode pod = ds.path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        JsonNode sc = container.path("securityContext");
        assertTrue(pod.path("hostPID").asBoolean());
        assertFalse(pod.path("hostNetwork").asBoolean(false), "no host network");
        assertFalse(pod.path("hostIPC").asBoolean(false), "no host IPC");
        assertFalse(sc.path("privileged").asBoolean(false), "not privileged");
        assertEquals("[\"ALL\"]", sc.path("capabilities").path("drop").toString());
        Set<String> caps = new TreeSet<>();
        sc.path("capabilities").path("add").forEach(c -> caps.add(c.asText()));
        assertEquals(new TreeSet<>(List.of("DAC_READ_SEARCH", "KILL", "SYS_ADMIN", "SYS_PTRACE")), caps);
        assertEquals("driftwatch-responder", pod.path("serviceAccountName").asText());

        Set<String> hostPaths = new TreeSet<>();
        pod.path("volumes").forEach(v -> {
            if (v.has("hostPath")) {
                hostPaths.add(v.path("hostPath").path("path").asText());
            }
        });
        assertEquals(new TreeSet<>(List.of("/", "/run/containerd", "/run/runc", "/sys/fs/cgroup", "/var/lib/driftwatch")),
                hostPaths);
        // Host FIM reads the node's root through /host, read-only, and the agent is told so.
        JsonNode hostRoot = null;
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("mountPath").asText().equals("/host")) {
                hostRoot = m;
            }
        }
        assertTrue(hostRoot != null && hostRoot.path("readOnly").asBoolean(), "the node's root at /host, read-only: " + hostRoot);
        assertTrue(container.path("envFrom").toString().contains("driftwatch-agent-config"));

        // Each privilege is documented in the file's comments, next to what it is for.
        StringBuilder text = new StringBuilder();
        for (String line : Files.readAllLines(KubernetesManifests.k8sDir().resolve("base/agent.yaml"))) {
            if (line.startsWith("#")) {
                text.append(line).append('\n');
            }
        }
        for (String documented : List.of("hostPID: true", "CAP_SYS_ADMIN", "CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE", "CAP_KILL",
                "/run/containerd", "/run/runc", "/sys/fs/cgroup", "/var/lib/driftwatch", "/ at /host", "host FIM",
                "driftwatch-responder")) {
            assertTrue(text.toString().contains(documented), "agent.yaml's comments explain " + documented);
        }
        assertEquals("8471", container.path("ports").get(0).path("containerPort").asText());
        assertTrue(container.path("env").toString().contains("spec.nodeName"), "the node's name comes from the pod's node");
    }

    @Test
    void withPerNodeCredentialsEachAgentLogsInWithItsNodesOwnFile() {
        JsonNode pod = find(perNode, "DaemonSet", "driftwatch-agent").path("spec").path("template").path("spec");
        JsonNode env = pod.path("containers").get(0).path("env");
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        env.forEach(e -> byName.put(e.path("name").asText(), e));
        JsonNode jaas = byName.get("KAFKA_SASL_JAAS_CONFIG");
        assertEquals("${file:/etc/driftwatch/node/kafka.properties:sasl.jaas.config}", jaas.path("value").asText());
        assertTrue(jaas.path("valueFrom").isMissingNode(), "not from the shared Secret any more: " + jaas);
        assertEquals("org.apache.kafka.common.config.provider.FileConfigProvider",
                byName.get("KAFKA_CONFIG_PROVIDERS_FILE_CLASS").path("value").asText());
        assertEquals("file", byName.get("KAFKA_CONFIG_PROVIDERS").path("value").asText());
        boolean mounted = false;
        for (JsonNode m : pod.path("containers").get(0).path("volumeMounts")) {
            mounted |= m.path("mountPath").asText().equals("/etc/driftwatch/node") && m.path("readOnly").asBoolean();
        }
        assertTrue(mounted, "the node's credentials directory is mounted read-only");
        // Everything else is the base's: the same privileges.
        assertEquals(find(base, "DaemonSet", "driftwatch-agent").path("spec").path("template").path("spec")
                .path("containers").get(0).path("securityContext"), pod.path("containers").get(0).path("securityContext"));
    }

    @Test
    void theServiceMonitorsScrapeThePortsTheServicesName() {
        for (JsonNode monitor : all) {
            if (!monitor.path("kind").asText().equals("ServiceMonitor")) {
                continue;
            }
            JsonNode labels = monitor.path("spec").path("selector").path("matchLabels");
            String port = monitor.path("spec").path("endpoints").get(0).path("port").asText();
            boolean found = false;
            for (JsonNode svc : all) {
                if (svc.path("kind").asText().equals("Service") && labelsMatch(labels, svc.path("metadata").path("labels"))) {
                    for (JsonNode p : svc.path("spec").path("ports")) {
                        found |= p.path("name").asText().equals(port);
                    }
                }
            }
            assertTrue(found, KubernetesManifests.name(monitor) + " scrapes port " + port + " of a Service that has it");
            assertEquals("/metrics", monitor.path("spec").path("endpoints").get(0).path("path").asText());
        }
    }

    @Test
    void thePrometheusRuleHoldsTheAlertingRulesOfDeployPrometheus() throws IOException {
        JsonNode rule = find(all, "PrometheusRule", "driftwatch");
        JsonNode file = KubernetesManifests.YAML.readTree(
                KubernetesManifests.k8sDir().resolve("../prometheus/driftwatch-alerts.yaml").normalize().toFile());
        assertTrue(file.path("groups").size() > 0);
        assertEquals(file.path("groups"), rule.path("spec").path("groups"),
                "deploy/k8s/monitoring/prometheusrule.yaml and deploy/prometheus/driftwatch-alerts.yaml differ");
    }

    private static boolean labelsMatch(JsonNode selector, JsonNode labels) {
        var it = selector.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    private static Set<String> mountPaths(JsonNode container) {
        Set<String> paths = new HashSet<>();
        container.path("volumeMounts").forEach(m -> paths.add(m.path("mountPath").asText()));
        return paths;
    }

    private static JsonNode find(List<JsonNode> objects, String kind, String name) {
        return find(objects, kind, name, null);
    }

    /** By kind and exact name, or by kind and name prefix (generated ConfigMaps have a hash suffix). */
    private static JsonNode find(List<JsonNode> objects, String kind, String name, String prefix) {
        for (JsonNode o : objects) {
            String n = o.path("metadata").path("name").asText();
            if (o.path("kind").asText().equals(kind) && (name != null ? n.equals(name) : n.startsWith(prefix))) {
                return o;
            }
        }
        throw new AssertionError("no " + kind + " " + (name != null ? name : prefix + "*") + " in deploy/k8s");
    }
}
