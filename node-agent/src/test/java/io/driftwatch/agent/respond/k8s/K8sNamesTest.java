package io.driftwatch.agent.respond.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class K8sNamesTest {

  @Test
  void aShortPodNameIsUsedAsIs() {
    assertEquals("driftwatch-isolate-web-7d9f", K8sNames.policyName("web-7d9f"));
  }

  @Test
  void aLongOrDottedPodNameIsCutAndHashedIntoAValidDnsLabel() {
    String longName = "payments-api-" + "x".repeat(240);
    String sameHead = "payments-api-" + "x".repeat(239) + "y";
    for (String pod : new String[] {longName, sameHead, "web.v2", "a".repeat(44), "a".repeat(45)}) {
      String name = K8sNames.policyName(pod);
      assertTrue(name.length() <= 63, name);
      assertTrue(K8sNames.isDns1123Label(name), name);
      assertTrue(name.startsWith("driftwatch-isolate-"), name);
    }
    assertEquals("driftwatch-isolate-" + "a".repeat(44), K8sNames.policyName("a".repeat(44)));
    assertNotEquals(K8sNames.policyName(longName), K8sNames.policyName(sameHead));
    assertNotEquals(K8sNames.policyName("web.v2"), K8sNames.policyName("web-v2"));
  }

  @Test
  void theShortCommandIdIsAValidLabelValue() {
    assertEquals("3f2a9c0b1d4e", K8sNames.shortCommandId("3f2a9c0b1d4e5f60718293a4b5c6d7e8"));
    assertEquals("abc", K8sNames.shortCommandId("abc"));
    assertEquals("unknown", K8sNames.shortCommandId(null));
    String odd = K8sNames.shortCommandId("cmd/with spaces and more");
    assertNull(K8sNames.labelProblem(KubernetesActions.ISOLATED_LABEL, odd), odd);
    assertEquals(12, odd.length());
  }

  @Test
  void labelSyntax() {
    assertNull(K8sNames.labelProblem("quarantine", "true"));
    assertNull(K8sNames.labelProblem("driftwatch.io/alert", ""));
    assertNotNull(K8sNames.labelProblem("Bad_Prefix.io/x", "v"));
    assertNotNull(K8sNames.labelProblem("x", "v".repeat(64)));
    assertNotNull(K8sNames.labelProblem("x", "-v"));
    assertNotNull(K8sNames.labelProblem("", "v"));
    assertNotNull(K8sNames.labelProblem("x", null));
  }
}
