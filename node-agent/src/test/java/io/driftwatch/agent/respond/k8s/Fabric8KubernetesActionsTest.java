package io.driftwatch.agent.respond.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.respond.k8s.KubernetesActions.Outcome;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes actions against fabric8's mock API server in CRUD mode (it stores what is created, patched and deleted,
 * like an API server without admission, RBAC or a network plugin). Not a real cluster: whether the NetworkPolicy
 * really cuts traffic is up to the cluster's network plugin and is not tested here.
 */
@EnableKubernetesMockClient(crud = true)
class Fabric8KubernetesActionsTest {

  private static final String NS = "shop";
  private static final String POD = "web-7d9f";
  private static final String COMMAND = "3f2a9c0b1d4e5f60718293a4b5c6d7e8";
  private static final String SHORT = "3f2a9c0b1d4e";

  // Set by the fabric8 JUnit 5 extension: a fresh CRUD mock server and a client of it for each test.
  KubernetesMockServer server;
  KubernetesClient client;

  private Fabric8KubernetesActions actions;

  @BeforeEach
  void setUp() {
    actions = new Fabric8KubernetesActions(client, "mock API server",
        Clock.fixed(Instant.parse("2026-11-22T08:00:00Z"), ZoneOffset.UTC));
    createPod(NS, POD, Map.of("app", "web", "tier", "front"));
  }

  @Test
  void isolateLabelsThePodKeepsItsOtherLabelsAndCreatesADenyAllPolicy() {
    Outcome outcome = actions.isolate(NS, POD, COMMAND, false);

    assertTrue(outcome.done(), outcome.detail());
    assertTrue(outcome.detail().contains("driftwatch-isolate-" + POD), outcome.detail());
    assertEquals(Map.of("app", "web", "tier", "front", KubernetesActions.ISOLATED_LABEL, SHORT), podLabels(NS, POD));

    List<NetworkPolicy> policies = policies(NS);
    assertEquals(1, policies.size());
    NetworkPolicy policy = policies.get(0);
    assertEquals("driftwatch-isolate-" + POD, policy.getMetadata().getName());
    assertEquals("driftwatch", policy.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
    assertEquals(COMMAND, policy.getMetadata().getAnnotations().get("driftwatch.io/command-id"));
    assertEquals("2026-11-22T08:00:00Z", policy.getMetadata().getAnnotations().get("driftwatch.io/isolated-at"));
    NetworkPolicySpec spec = policy.getSpec();
    assertEquals(Map.of(KubernetesActions.ISOLATED_LABEL, SHORT), spec.getPodSelector().getMatchLabels());
    assertTrue(spec.getPodSelector().getMatchExpressions() == null
        || spec.getPodSelector().getMatchExpressions().isEmpty());
    assertEquals(List.of("Ingress", "Egress"), spec.getPolicyTypes());
    assertTrue(spec.getIngress() == null || spec.getIngress().isEmpty(), "no ingress rule: " + spec.getIngress());
    assertTrue(spec.getEgress() == null || spec.getEgress().isEmpty(), "no egress rule: " + spec.getEgress());
  }

  @Test
  void isolateTwiceLeavesOnePolicyAndTheSameLabel() {
    assertTrue(actions.isolate(NS, POD, COMMAND, false).done());
    Outcome again = actions.isolate(NS, POD, COMMAND, false);

    assertTrue(again.done(), again.detail());
    assertEquals(1, policies(NS).size());
    assertEquals(SHORT, podLabels(NS, POD).get(KubernetesActions.ISOLATED_LABEL));
    assertEquals(3, podLabels(NS, POD).size());
  }

  @Test
  void dryRunsTouchNothing() {
    int requestsBefore = server.getRequestCount();

    Outcome isolate = actions.isolate(NS, POD, COMMAND, true);
    Outcome label = actions.label(NS, POD, Map.of("quarantine", "true"), COMMAND, true);

    assertTrue(isolate.done(), isolate.detail());
    assertTrue(isolate.detail().startsWith("would label pod shop/web-7d9f driftwatch.io/isolated=" + SHORT),
        isolate.detail());
    assertTrue(label.done(), label.detail());
    assertTrue(label.detail().startsWith("would label pod shop/web-7d9f with {quarantine=true}"), label.detail());
    assertEquals(requestsBefore, server.getRequestCount(), "a dry run sends no request to the API server");
    assertEquals(Map.of("app", "web", "tier", "front"), podLabels(NS, POD));
    assertTrue(policies(NS).isEmpty());
  }

  @Test
  void labelMergesIntoThePodsLabels() {
    Outcome outcome = actions.label(NS, POD, Map.of("quarantine", "true", "tier", "suspect"), COMMAND, false);

    assertTrue(outcome.done(), outcome.detail());
    assertEquals(Map.of("app", "web", "tier", "suspect", "quarantine", "true"), podLabels(NS, POD));
  }

  @Test
  void labelRefusesWhatTheApiServerWouldReject() {
    Outcome badValue = actions.label(NS, POD, Map.of("quarantine", "yes please"), COMMAND, false);
    Outcome badKey = actions.label(NS, POD, Map.of("-bad", "x"), COMMAND, false);
    Outcome none = actions.label(NS, POD, Map.of(), COMMAND, false);

    assertFalse(badValue.done());
    assertTrue(badValue.detail().contains("'yes please'"), badValue.detail());
    assertFalse(badKey.done());
    assertTrue(badKey.detail().contains("'-bad'"), badKey.detail());
    assertFalse(none.done());
    assertEquals(Map.of("app", "web", "tier", "front"), podLabels(NS, POD));
  }

  @Test
  void releaseDeletesThePolicyAndRemovesTheLabel() {
    assertTrue(actions.isolate(NS, POD, COMMAND, false).done());

    Outcome released = actions.release(NS, POD);

    assertTrue(released.done(), released.detail());
    assertTrue(released.detail().contains("NetworkPolicy shop/driftwatch-isolate-web-7d9f deleted"), released.detail());
    assertTrue(policies(NS).isEmpty());
    assertEquals(Map.of("app", "web", "tier", "front"), podLabels(NS, POD));

    Outcome again = actions.release(NS, POD);
    assertTrue(again.done(), again.detail());
    assertTrue(again.detail().contains("no NetworkPolicy shop/driftwatch-isolate-web-7d9f to delete"), again.detail());
  }

  @Test
  void releaseOfAPodThatIsGoneStillDeletesThePolicy() {
    assertTrue(actions.isolate(NS, POD, COMMAND, false).done());
    client.pods().inNamespace(NS).withName(POD).delete();

    Outcome released = actions.release(NS, POD);

    assertTrue(released.done(), released.detail());
    assertTrue(released.detail().contains("not found, so no label to remove"), released.detail());
    assertTrue(policies(NS).isEmpty());
  }

  @Test
  void aMissingPodIsNotDoneAndSaysSo() {
    Outcome isolate = actions.isolate(NS, "gone-1", COMMAND, false);
    Outcome label = actions.label(NS, "gone-1", Map.of("quarantine", "true"), COMMAND, false);

    assertFalse(isolate.done());
    assertTrue(isolate.detail().startsWith("pod shop/gone-1 not found"), isolate.detail());
    assertFalse(label.done());
    assertTrue(label.detail().startsWith("pod shop/gone-1 not found"), label.detail());
    assertTrue(policies(NS).isEmpty(), "no policy for a pod that does not exist");
  }

  @Test
  void aCommandWithoutAPodIsRefused() {
    Outcome outcome = actions.isolate(null, null, COMMAND, false);

    assertFalse(outcome.done());
    assertTrue(outcome.detail().contains("names no pod"), outcome.detail());
  }

  @Test
  void aVeryLongPodNameGetsAValidPolicyName() {
    String longPod = "payments-api-" + "x".repeat(200) + ".v2";
    createPod(NS, longPod, Map.of("app", "payments"));

    Outcome outcome = actions.isolate(NS, longPod, COMMAND, false);

    assertTrue(outcome.done(), outcome.detail());
    List<NetworkPolicy> policies = policies(NS);
    assertEquals(1, policies.size());
    String name = policies.get(0).getMetadata().getName();
    assertTrue(name.length() <= 63, name);
    assertTrue(K8sNames.isDns1123Label(name), name);
    assertTrue(name.startsWith("driftwatch-isolate-payments-api-"), name);
    assertEquals(longPod, policies.get(0).getMetadata().getAnnotations().get("driftwatch.io/pod"));
    assertTrue(actions.release(NS, longPod).done());
    assertTrue(policies(NS).isEmpty());
  }

  @Test
  void aHostNetworkPodIsReportedAsNotIsolated() {
    client.pods().inNamespace(NS).resource(new PodBuilder()
        .withNewMetadata().withName("node-exporter").withNamespace(NS).endMetadata()
        .withNewSpec().withHostNetwork(true).addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
        .build()).create();

    Outcome outcome = actions.isolate(NS, "node-exporter", COMMAND, false);

    assertFalse(outcome.done());
    assertTrue(outcome.detail().contains("hostNetwork: true"), outcome.detail());
  }

  @Test
  void anotherPolicyThatAllowsTrafficToThePodIsNamedAsAWarning() {
    client.network().v1().networkPolicies().inNamespace(NS).resource(new NetworkPolicyBuilder()
        .withNewMetadata().withName("allow-web-from-lb").withNamespace(NS).endMetadata()
        .withNewSpec()
          .withNewPodSelector().addToMatchLabels("app", "web").endPodSelector()
          .addNewIngress().addNewFrom().withNewPodSelector().addToMatchLabels("app", "lb").endPodSelector().endFrom()
          .endIngress()
          .withPolicyTypes("Ingress")
        .endSpec()
        .build()).create();

    Outcome outcome = actions.isolate(NS, POD, COMMAND, false);

    assertTrue(outcome.done(), outcome.detail());
    assertTrue(outcome.detail().contains("WARNING: NetworkPolicies [allow-web-from-lb]"), outcome.detail());
  }

  @Test
  void everyRequestIsOneThatTheRbacManifestAllows() throws InterruptedException {
    assertTrue(actions.label(NS, POD, Map.of("quarantine", "true"), COMMAND, false).done());
    assertTrue(actions.isolate(NS, POD, COMMAND, false).done());
    assertTrue(actions.isolate(NS, POD, COMMAND, false).done());
    assertTrue(actions.release(NS, POD).done());

    // The verbs of deploy/k8s/base/responder-rbac.yaml (ResponderRbacTest checks the file says the same).
    Set<String> allowed = Set.of("pods:get", "pods:list", "pods:patch", "networkpolicies:get", "networkpolicies:list",
        "networkpolicies:create", "networkpolicies:update", "networkpolicies:delete");
    Set<String> used = new TreeSet<>();
    int count = server.getRequestCount();
    for (int i = 0; i < count; i++) {
      RecordedRequest r = server.takeRequest();
      String[] path = r.getPath().replaceAll("\\?.*", "").split("/");
      int at = List.of(path).indexOf("namespaces");
      String resource = path[at + 2];
      boolean item = path.length > at + 3;
      String verb = switch (r.getMethod()) {
        case "GET" -> item ? "get" : "list";
        case "POST" -> "create";
        case "PUT" -> "update";
        case "PATCH" -> "patch";
        case "DELETE" -> "delete";
        default -> r.getMethod();
      };
      used.add(resource + ":" + verb);
    }
    // The first requests are this test's own setup (create the pod): leave them out.
    used.remove("pods:create");
    assertTrue(allowed.containsAll(used), "used " + used + ", allowed " + allowed);
    assertTrue(used.containsAll(Set.of("pods:get", "pods:patch", "networkpolicies:create", "networkpolicies:update",
        "networkpolicies:list", "networkpolicies:delete")), "used " + used);
  }

  private void createPod(String ns, String name, Map<String, String> labels) {
    client.pods().inNamespace(ns).resource(new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
        .build()).create();
  }

  private Map<String, String> podLabels(String ns, String name) {
    Pod pod = client.pods().inNamespace(ns).withName(name).get();
    assertNotNull(pod, "pod " + ns + "/" + name);
    return pod.getMetadata().getLabels();
  }

  private List<NetworkPolicy> policies(String ns) {
    return client.network().v1().networkPolicies().inNamespace(ns).list().getItems();
  }

  @Test
  void selectorSemantics() {
    Map<String, String> labels = Map.of("app", "web", "tier", "front");
    assertTrue(Fabric8KubernetesActions.selects(null, labels));
    assertTrue(Fabric8KubernetesActions.selects(new io.fabric8.kubernetes.api.model.LabelSelector(), labels));
    assertTrue(Fabric8KubernetesActions.selects(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
        .addToMatchLabels("app", "web").addNewMatchExpression().withKey("tier").withOperator("In")
        .withValues("front", "back").endMatchExpression().build(), labels));
    assertFalse(Fabric8KubernetesActions.selects(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
        .addNewMatchExpression().withKey("app").withOperator("DoesNotExist").endMatchExpression().build(), labels));
    assertNull(K8sNames.labelProblem("driftwatch.io/isolated", "3f2a9c0b1d4e"));
  }
}
