package io.driftwatch.agent.respond.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.respond.k8s.KubernetesActions.Outcome;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@EnableKubernetesMockClient(crud = true, https = false)
class NoKubernetesTest {

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir
  Path home;

  @Test
  void everyActionIsRefusedWithWhatAPlainRuntimeAllows() {
    try (KubernetesActions none = new NoKubernetes("no Kubernetes API on this node")) {
      Outcome isolate = none.isolate(null, null, "c1", false);
      Outcome dryIsolate = none.isolate("shop", "web", "c1", true);
      Outcome label = none.label("shop", "web", Map.of("a", "b"), "c1", false);
      Outcome release = none.release("shop", "web");

      assertFalse(isolate.done());
      assertTrue(isolate.detail().startsWith("cannot isolate the container: no Kubernetes API on this node; "),
          isolate.detail());
      assertTrue(isolate.detail().contains("/proc/<initPid>/ns/net"), isolate.detail());
      assertTrue(isolate.detail().contains("PAUSE_CONTAINER"), isolate.detail());
      assertFalse(dryIsolate.done(), "a dry run cannot promise what the node cannot do");
      assertFalse(label.done());
      assertTrue(label.detail().startsWith("cannot label pod shop/web: no Kubernetes API on this node"), label.detail());
      assertFalse(release.done());
      assertEquals("no Kubernetes API on this node", none.unavailableReason());
    }
  }

  @Test
  void withoutServiceHostOrKubeconfigDetectGivesNoKubernetes() {
    try (KubernetesActions actions = KubernetesActions.detect(Map.of(), home)) {
      NoKubernetes none = assertInstanceOf(NoKubernetes.class, actions);
      assertTrue(none.unavailableReason().contains("KUBERNETES_SERVICE_HOST unset"), none.unavailableReason());
      assertTrue(none.isolate("shop", "web", "c1", false).detail().contains("no Kubernetes API configured"));
    }
  }

  @Test
  void aKubeconfigGivesFabric8ThatTalksToItsServer() throws IOException {
    createPod();
    Path kubeconfig = writeKubeconfig(home.resolve("elsewhere.yaml"));

    try (KubernetesActions actions =
        KubernetesActions.detect(Map.of("KUBECONFIG", home.resolve("missing") + ":" + kubeconfig), home)) {
      Fabric8KubernetesActions fabric8 = assertInstanceOf(Fabric8KubernetesActions.class, actions);
      assertNull(fabric8.unavailableReason());
      assertEquals("kubeconfig " + kubeconfig, fabric8.source());
      Outcome outcome = fabric8.label("shop", "web", Map.of("quarantine", "true"), "c1", false);
      assertTrue(outcome.done(), outcome.detail());
    }
    assertEquals("true", client.pods().inNamespace("shop").withName("web").get().getMetadata().getLabels()
        .get("quarantine"));
  }

  @Test
  void theDefaultKubeconfigInHomeIsFound() throws IOException {
    Files.createDirectories(home.resolve(".kube"));
    writeKubeconfig(home.resolve(".kube/config"));

    try (KubernetesActions actions = KubernetesActions.detect(Map.of(), home)) {
      assertInstanceOf(Fabric8KubernetesActions.class, actions);
    }
  }

  @Test
  void anUnreadableKubeconfigGivesNoKubernetesWithTheReason() throws IOException {
    Files.createDirectories(home.resolve(".kube"));
    Files.writeString(home.resolve(".kube/config"), "clusters: [this is: not: yaml");

    try (KubernetesActions actions = KubernetesActions.detect(Map.of(), home)) {
      NoKubernetes none = assertInstanceOf(NoKubernetes.class, actions);
      assertTrue(none.unavailableReason().startsWith("the Kubernetes configuration could not be loaded"),
          none.unavailableReason());
    }
  }

  private void createPod() {
    client.pods().inNamespace("shop").resource(new PodBuilder()
        .withNewMetadata().withName("web").withNamespace("shop").addToLabels("app", "web").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
        .build()).create();
  }

  private Path writeKubeconfig(Path file) throws IOException {
    String url = client.getMasterUrl().toString();
    Files.writeString(file, String.join("\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: mock",
        "  cluster:",
        "    server: " + url,
        "contexts:",
        "- name: mock",
        "  context:",
        "    cluster: mock",
        "    user: responder",
        "    namespace: shop",
        "current-context: mock",
        "users:",
        "- name: responder",
        "  user:",
        "    token: not-checked-by-the-mock",
        ""));
    return file;
  }
}
