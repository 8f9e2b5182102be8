package io.driftwatch.agent.respond.k8s;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.agent.respond.k8s.KubernetesActions.Outcome;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the API server refuses, and an API server that is not there, end in Outcome(false, ...) with the reason. */
class KubernetesApiErrorsTest {

  private static final String NS = "shop";
  private static final String POD = "web-7d9f";
  private static final String PODS = "/api/v1/namespaces/shop/pods/web-7d9f";
  private static final String POLICIES = "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies";

  // Expectations mode: the mock answers only what is set up below (anything else: 404).
  private KubernetesMockServer server;
  private Fabric8KubernetesActions actions;

  @BeforeEach
  void setUp() {
    server = new KubernetesMockServer(false);
    server.init();
    actions = new Fabric8KubernetesActions(server.createClient(), "mock API server (expectations)");
  }

  @AfterEach
  void tearDown() {
    actions.close();
    server.destroy();
  }

  @Test
  void forbiddenPodReadIsNotDoneWithTheStatus() {
    server.expect().get().withPath(PODS).andReturn(403, forbidden("get", "pods")).always();

    Outcome outcome = actions.isolate(NS, POD, "3f2a9c0b1d4e5f60", false);

    assertFalse(outcome.done());
    assertTrue(outcome.detail().startsWith("could not read pod shop/web-7d9f: HTTP 403 Forbidden: pods \"web-7d9f\" is "
        + "forbidden: User \"system:serviceaccount:driftwatch:responder\" cannot get resource \"pods\""),
        outcome.detail());
    assertTrue(outcome.detail().contains("deploy/k8s/base/responder-rbac.yaml"), outcome.detail());
  }

  @Test
  void forbiddenPolicyCreateSaysThePodIsLabelledAlready() {
    server.expect().get().withPath(PODS).andReturn(200, pod()).always();
    server.expect().patch().withPath(PODS).andReturn(200, pod()).always();
    server.expect().post().withPath(POLICIES).andReturn(403, forbidden("create", "networkpolicies")).always();

    Outcome outcome = actions.isolate(NS, POD, "3f2a9c0b1d4e5f60", false);

    assertFalse(outcome.done());
    assertTrue(outcome.detail().startsWith("could not create NetworkPolicy shop/driftwatch-isolate-web-7d9f (pod "
        + "shop/web-7d9f is labelled driftwatch.io/isolated=3f2a9c0b1d4e already): HTTP 403 Forbidden"),
        outcome.detail());
  }

  @Test
  void forbiddenLabelPatchIsNotDone() {
    // fabric8 reads the pod before it patches it: the GET succeeds, the PATCH is refused.
    server.expect().get().withPath(PODS).andReturn(200, pod()).always();
    server.expect().patch().withPath(PODS).andReturn(403, forbidden("patch", "pods")).always();

    Outcome outcome = actions.label(NS, POD, Map.of("quarantine", "true"), "c1", false);

    assertFalse(outcome.done());
    assertTrue(outcome.detail().startsWith("could not label pod shop/web-7d9f: HTTP 403 Forbidden"), outcome.detail());
  }

  @Test
  void anApiServerThatIsNotThereIsNotDone() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl("http://127.0.0.1:" + port)
        .withRequestRetryBackoffLimit(0)
        .withConnectionTimeout(2_000)
        .build();
    try (Fabric8KubernetesActions refused =
        new Fabric8KubernetesActions(new KubernetesClientBuilder().withConfig(config).build(), "nowhere")) {
      Outcome isolate = refused.isolate(NS, POD, "c1", false);
      Outcome release = refused.release(NS, POD);

      assertFalse(isolate.done());
      assertTrue(isolate.detail().startsWith("could not read pod shop/web-7d9f: Kubernetes API at http://127.0.0.1:"
          + port + "/ unreachable"), isolate.detail());
      assertTrue(isolate.detail().contains("ConnectException"), isolate.detail());
      assertFalse(release.done());
      assertTrue(release.detail().startsWith("could not delete NetworkPolicy shop/driftwatch-isolate-web-7d9f"),
          release.detail());
    }
  }

  private static Status forbidden(String verb, String resource) {
    String name = resource.equals("pods") ? POD : "driftwatch-isolate-" + POD;
    return new StatusBuilder().withKind("Status").withApiVersion("v1").withStatus("Failure").withCode(403)
        .withReason("Forbidden")
        .withMessage(resource + " \"" + name + "\" is forbidden: User \"system:serviceaccount:driftwatch:responder\" "
            + "cannot " + verb + " resource \"" + resource + "\" in API group \"" + (resource.equals("pods") ? "" : "networking.k8s.io")
            + "\" in the namespace \"" + NS + "\"")
        .build();
  }

  private static io.fabric8.kubernetes.api.model.Pod pod() {
    return new PodBuilder().withNewMetadata().withName(POD).withNamespace(NS).addToLabels("app", "web").endMetadata()
        .build();
  }
}
