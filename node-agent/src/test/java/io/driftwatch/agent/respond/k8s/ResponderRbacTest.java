package io.driftwatch.agent.respond.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** deploy/k8s/base/responder-rbac.yaml parses and grants what Fabric8KubernetesActions uses, and no more. */
@EnableKubernetesMockClient(crud = true)
class ResponderRbacTest {

  KubernetesClient client;

  @Test
  void theClusterRoleGrantsExactlyWhatTheActionsUse() throws IOException {
    Path file = Path.of(System.getProperty("user.dir")).resolve("../deploy/k8s/base/responder-rbac.yaml").normalize();
    List<HasMetadata> items;
    try (InputStream in = Files.newInputStream(file)) {
      items = client.load(in).items();
    }
    assertEquals(List.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding"),
        items.stream().map(HasMetadata::getKind).toList());
    ClusterRole role = (ClusterRole) items.get(1);
    assertEquals(2, role.getRules().size());
    assertRule(role.getRules().get(0), "", "pods", Set.of("get", "list", "patch"));
    assertRule(role.getRules().get(1), "networking.k8s.io", "networkpolicies",
        Set.of("get", "list", "create", "update", "delete"));
  }

  private static void assertRule(PolicyRule rule, String group, String resource, Set<String> verbs) {
    assertEquals(List.of(group), rule.getApiGroups());
    assertEquals(List.of(resource), rule.getResources());
    assertEquals(new TreeSet<>(verbs), new TreeSet<>(rule.getVerbs()));
    assertTrue(rule.getResourceNames() == null || rule.getResourceNames().isEmpty());
  }
}
