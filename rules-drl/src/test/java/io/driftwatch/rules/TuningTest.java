package io.driftwatch.rules;

import static io.driftwatch.rules.TestEvents.T0;
import static io.driftwatch.rules.TestEvents.container;
import static io.driftwatch.rules.TestEvents.enriched;
import static io.driftwatch.rules.TestEvents.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.RuleCompilationException.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tuning files: what they change in a running evaluator, and how a bad one is refused. */
class TuningTest {
  @TempDir
  Path dir;

  private RuleSet load(String yaml) throws IOException, RuleCompilationException {
    Files.writeString(dir.resolve("tuning.yaml"), yaml);
    return RuleSet.load(dir);
  }

  private static List<String> ruleIds(Outputs outputs) {
    return outputs.alerts().stream().map(Alert::getRuleId).toList();
  }

  private static List<ResponseAction> actions(Outputs outputs) {
    return outputs.commands().stream().map(ResponseCommand::getAction).toList();
  }

  @Test
  void anExceptionForAnActorAndATargetSilencesOnlyThatCombination() throws Exception {
    RuleSet rules = load("""
        exceptions:
          - rule: DW-FIM-001
            process: acme-updater
            path: /usr/local/bin/acme
            reason: the updater replaces its own binary
        """);
    try (RuleEvaluator evaluator = new RuleEvaluator(rules)) {
      Outputs excepted = evaluator.evaluate(enriched(event("a", T0, EventType.OPEN_WRITE, "/usr/local/bin/acme",
          "acme-updater", "/usr/local/bin/acme-updater")));
      assertEquals(List.of(), ruleIds(excepted));
      assertEquals(1, evaluator.suppressedAlerts());

      Outputs otherTarget = evaluator.evaluate(enriched(event("b", T0 + 1, EventType.OPEN_WRITE, "/usr/local/bin/kubectl",
          "acme-updater", "/usr/local/bin/acme-updater")));
      assertEquals(List.of("DW-FIM-001"), ruleIds(otherTarget));

      Outputs otherActor = evaluator.evaluate(enriched(event("c", T0 + 2, EventType.OPEN_WRITE, "/usr/local/bin/acme",
          "cp", "/bin/cp")));
      assertEquals(List.of("DW-FIM-001"), ruleIds(otherActor));
    }
  }

  @Test
  void exceptionsByImageNamespaceAndUser() throws Exception {
    RuleSet rules = load("""
        exceptions:
          - image: "registry.example/ledger:*"
            rule: "DW-FIM-00*"
          - namespace: ci
          - user: build-bot
            path: /etc/
        """);
    try (RuleEvaluator evaluator = new RuleEvaluator(rules)) {
      assertEquals(List.of(), ruleIds(evaluator.evaluate(enriched(
          event("i", T0, EventType.OPEN_WRITE, "/usr/bin/dpkg", "cp", "/bin/cp")))), "image prefix and rule prefix");
      assertEquals(List.of(), ruleIds(evaluator.evaluate(enriched(
          event("n", T0 + 1, EventType.OPEN_WRITE, "/usr/bin/dpkg", "cp", "/bin/cp").setContainerId("c2").build(),
          otherImage(container("c2", "ci"))))),
          "namespace");
      assertEquals(List.of(), ruleIds(evaluator.evaluate(enriched(
          event("u", T0 + 2, EventType.OPEN_WRITE, "/etc/passwd", "vi", "/usr/bin/vi").setContainerId("c3").build(),
          otherImage(container("c3", "payments")), "build-bot"))), "user and path");
      assertEquals(1, ruleIds(evaluator.evaluate(enriched(
          event("u2", T0 + 3, EventType.OPEN_WRITE, "/etc/passwd", "vi", "/usr/bin/vi").setContainerId("c3").build(),
          otherImage(container("c3", "payments")), "alice"))).size(), "another user is not excepted");
    }
  }

  private static io.driftwatch.model.ContainerMetadata otherImage(io.driftwatch.model.ContainerMetadata container) {
    container.setImage("registry.example/other:2");
    return container;
  }

  @Test
  void rolesExtendTheClassificationLists() throws Exception {
    RuleSet rules = load("""
        roles:
          package-manager:
            processes: [acme-updater]
          binary-dir:
            directories: [/opt/acme/bin]
        """);
    try (RuleEvaluator evaluator = new RuleEvaluator(rules)) {
      assertEquals(List.of(), ruleIds(evaluator.evaluate(enriched(event("p", T0, EventType.OPEN_WRITE, "/usr/bin/acme",
          "acme-updater", "/usr/bin/acme-updater")))), "a package manager now");
      assertEquals(List.of("DW-FIM-001"), ruleIds(evaluator.evaluate(enriched(event("d", T0 + 1, EventType.OPEN_WRITE,
          "/opt/acme/bin/agent", "cp", "/bin/cp")))), "a binary directory now");
    }
  }

  @Test
  void aThresholdReplacesTheShippedDefault() throws Exception {
    RuleSet rules = load("""
        thresholds:
          mass-change.count: 5
        """);
    try (RuleEvaluator evaluator = new RuleEvaluator(rules)) {
      List<String> fired = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        fired.addAll(ruleIds(evaluator.evaluate(enriched(event("r" + i, T0 + i, EventType.DELETE, "/srv/data/f" + i,
            "python3", "/usr/bin/python3")))));
      }
      assertEquals(List.of("DW-FIM-090"), fired);
    }
  }

  @Test
  void responseModesPerNamespace() throws Exception {
    RuleSet rules = load("""
        responses:
          namespaces:
            payments: kill
            web: isolate
            ci: observe
          protected: [istio-system]
        """);
    try (RuleEvaluator evaluator = new RuleEvaluator(rules)) {
      assertEquals(sorted(List.of(ResponseAction.SNAPSHOT_EVIDENCE, ResponseAction.ISOLATE_NETWORK, ResponseAction.KILL_CONTAINER,
              ResponseAction.NOTIFY)),
          sorted(actions(evaluator.evaluate(enriched(event("k", T0, EventType.OPEN_WRITE, "/proc/sys/kernel/core_pattern",
              "sh", "/bin/sh"))))), "CRITICAL in a kill namespace: evidence, isolation, kill; no pause");
      assertEquals(sorted(List.of(ResponseAction.SNAPSHOT_EVIDENCE, ResponseAction.PAUSE_CONTAINER, ResponseAction.ISOLATE_NETWORK,
              ResponseAction.NOTIFY)),
          sorted(actions(evaluate(evaluator, "w", "web"))), "HIGH in an isolate namespace");
      assertEquals(List.of(ResponseAction.NOTIFY), actions(evaluate(evaluator, "o", "ci")), "observe");
      assertEquals(List.of(ResponseAction.NOTIFY), actions(evaluate(evaluator, "p", "istio-system")), "protected");
      assertEquals(sorted(List.of(ResponseAction.SNAPSHOT_EVIDENCE, ResponseAction.PAUSE_CONTAINER, ResponseAction.NOTIFY)),
          sorted(actions(evaluate(evaluator, "d", "shop"))), "the default mode contains");
    }
  }

  private static Outputs evaluate(RuleEvaluator evaluator, String id, String namespace) {
    String containerId = "c-" + namespace;
    return evaluator.evaluate(enriched(event(id, T0 + 10, EventType.OPEN_WRITE, "/usr/bin/dpkg", "cp", "/bin/cp")
        .setContainerId(containerId).build(), container(containerId, namespace)));
  }

  private static List<String> sorted(List<ResponseAction> actions) {
    return actions.stream().map(Enum::name).sorted().toList();
  }

  @Test
  void aBadTuningFileIsRefusedWithFileLineAndReason() throws Exception {
    Files.writeString(dir.resolve("ok.yaml"), "thresholds:\n  mass-change.count: 10\n");
    Files.createDirectories(dir.resolve("team"));
    Files.writeString(dir.resolve("team/bad.yml"), """
        responses:
          namespaces:
            payments: explode
        """);
    Files.writeString(dir.resolve("typo.yaml"), """
        exceptions:
          - rule: DW-FIM-001
            proces: acme
        """);
    Files.writeString(dir.resolve("empty-exception.yaml"), """
        exceptions:
          - reason: no fields at all
        """);
    Files.writeString(dir.resolve("relative.yaml"), """
        roles:
          binary-dir:
            directories: [opt/acme/bin]
        """);
    RuleCompilationException refused = assertThrows(RuleCompilationException.class, () -> RuleSet.load(dir));
    List<String> problems = refused.problems().stream().map(Problem::toString).toList();
    assertEquals(4, problems.size(), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("team/bad.yml:3: ") && p.contains("observe, contain, isolate or kill")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("typo.yaml:3: ") && p.contains("\"proces\"")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("empty-exception.yaml:") && p.contains("at least one")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("relative.yaml:") && p.contains("absolute")), problems.toString());
  }

  @Test
  void tuningFilesArePartOfTheVersion() throws Exception {
    RuleSet one = load("thresholds:\n  mass-change.count: 10\n");
    RuleSet two = load("thresholds:\n  mass-change.count: 11\n");
    assertTrue(!one.version().equals(two.version()));
  }
}
