package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.rules.image.ImageBaselines;
import io.driftwatch.rules.image.ImageIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The image drift rules in an evaluator: what they cost, and what the response policy makes of them. */
class ImageDriftEvaluationTest {
  private static final RuleSet RULES = RuleSet.builtIn();
  private static final String DIGEST = io.driftwatch.rules.image.ImageIndexTest.DIGEST;

  private static ContainerMetadata container(String digest) {
    ContainerMetadata container = TestEvents.container();
    container.setImageDigest(digest);
    return container;
  }

  private record Run(List<Alert> alerts, List<ResponseCommand> commands) {
    Set<String> ruleIds() {
      return new java.util.TreeSet<>(alerts.stream().map(Alert::getRuleId).toList());
    }
  }

  private static Run run(ImageBaselines images, ContainerMetadata container, io.driftwatch.model.FileEvent... events) {
    List<Alert> alerts = new ArrayList<>();
    List<ResponseCommand> commands = new ArrayList<>();
    try (RuleEvaluator evaluator = new RuleEvaluator(RULES)) {
      evaluator.useImages(images);
      long last = 0;
      for (var event : events) {
        Outputs out = evaluator.evaluate(TestEvents.enriched(event, container));
        alerts.addAll(out.alerts());
        commands.addAll(out.commands());
        last = event.getTimestamp();
      }
      Outputs end = evaluator.advanceTo(last + 3_600_000);
      alerts.addAll(end.alerts());
      commands.addAll(end.commands());
    }
    return new Run(alerts, commands);
  }

  @Test
  void onlyEventsADriftRuleLooksAtLookTheImageUp() {
    AtomicInteger lookups = new AtomicInteger();
    ImageIndex index = ImageIndex.of(io.driftwatch.rules.image.ImageIndexTest.image());
    ImageBaselines counting = digest -> {
      lookups.incrementAndGet();
      return DIGEST.equals(digest) ? index : null;
    };
    long t = TestEvents.T0;
    run(counting, container(DIGEST),
        TestEvents.event("r1", t, EventType.OPEN_READ, "/etc/hosts", "cat", "/usr/bin/busybox").build(),
        TestEvents.event("w1", t + 1, EventType.OPEN_WRITE, "/app/log.txt", "app", "/app/app").build(),
        TestEvents.event("d1", t + 2, EventType.DELETE, "/tmp/x", "rm", "/usr/bin/busybox").build());
    assertEquals(0, lookups.get(), "reads, writes and deletes never reach a drift rule's image condition");
    run(counting, container(DIGEST),
        TestEvents.event("e1", t, EventType.EXEC, "/usr/bin/busybox", "busybox", "/usr/bin/busybox").build());
    assertEquals(1, lookups.get(), "an EXEC looks its image up once, however many drift rules ask");
  }

  @Test
  void driftIsNotifiedAndSnapshottedWithoutPausingAndReplacedImageFilesArePausedToo() {
    ImageBaselines images = ImageBaselines.of(List.of(io.driftwatch.rules.image.ImageIndexTest.image()));
    long t = TestEvents.T0;
    Run dropped = run(images, container(DIGEST),
        TestEvents.event("e1", t, EventType.EXEC, "/tmp/xmrig", "xmrig", "/tmp/xmrig").build());
    assertEquals(Set.of("DW-FIM-100"), dropped.ruleIds());
    assertEquals(Set.of(ResponseAction.NOTIFY, ResponseAction.SNAPSHOT_EVIDENCE),
        new java.util.HashSet<>(dropped.commands().stream().map(ResponseCommand::getAction).toList()));
    assertTrue(dropped.alerts().get(0).getTags().contains("response:snapshot"), dropped.alerts().get(0).getTags()::toString);

    Run replaced = run(images, container(DIGEST),
        TestEvents.event("e2", t, EventType.EXEC, "/bin/sh", "sh", "/bin/sh").setSha256("cd".repeat(32)).build());
    assertEquals(Set.of("DW-FIM-101"), replaced.ruleIds());
    assertEquals(Set.of(ResponseAction.NOTIFY, ResponseAction.SNAPSHOT_EVIDENCE, ResponseAction.PAUSE_CONTAINER),
        new java.util.HashSet<>(replaced.commands().stream().map(ResponseCommand::getAction).toList()));
    assertEquals(1, replaced.commands().stream().filter(c -> c.getAction() == ResponseAction.SNAPSHOT_EVIDENCE).count(),
        "one snapshot, though both the tampering and the snapshot hint ask for one");
  }

  @Test
  void theImagesOwnProgramsAndContainersWithoutBaselineRaiseNothing() {
    ImageBaselines images = ImageBaselines.of(List.of(io.driftwatch.rules.image.ImageIndexTest.image()));
    long t = TestEvents.T0;
    Run own = run(images, container(DIGEST),
        TestEvents.event("e1", t, EventType.EXEC, "/bin/sh", "sh", "/bin/sh").setSha256(
            io.driftwatch.rules.image.ImageIndexTest.BUSYBOX).build(),
        TestEvents.event("e2", t + 1, EventType.EXEC, "/usr/bin/ln2", "ln2", "/usr/bin/ln2").build());
    assertEquals(List.of(), own.alerts());
    Run unknown = run(images, container("sha256:" + "9".repeat(64)),
        TestEvents.event("e3", t, EventType.EXEC, "/tmp/xmrig", "xmrig", "/tmp/xmrig").build());
    assertEquals(List.of(), unknown.alerts());
    Run noDigest = run(images, container(null),
        TestEvents.event("e4", t, EventType.EXEC, "/tmp/xmrig", "xmrig", "/tmp/xmrig").build());
    assertEquals(List.of(), noDigest.alerts());
  }

  @Test
  void anExceptionInATuningFileSilencesDrift() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("drift-tuning");
    try {
      java.nio.file.Files.writeString(dir.resolve("tuning.yaml"), String.join("\n",
          "roles:",
          "  drift-allowed:",
          "    directories: [/opt/tools/]",
          ""));
      RuleSet tuned = RuleSet.load(dir);
      ImageBaselines images = ImageBaselines.of(List.of(io.driftwatch.rules.image.ImageIndexTest.image()));
      try (RuleEvaluator evaluator = new RuleEvaluator(tuned)) {
        evaluator.useImages(images);
        var event = TestEvents.event("e1", TestEvents.T0, EventType.EXEC, "/opt/tools/jq", "jq", "/opt/tools/jq").build();
        assertEquals(List.of(), evaluator.evaluate(TestEvents.enriched(event, container(DIGEST))).alerts());
        var other = TestEvents.event("e2", TestEvents.T0 + 1, EventType.EXEC, "/opt/other/jq", "jq", "/opt/other/jq")
            .build();
        assertEquals(List.of("DW-FIM-100"), evaluator.evaluate(TestEvents.enriched(other, container(DIGEST))).alerts()
            .stream().map(Alert::getRuleId).toList());
      }
    } finally {
      try (var files = java.nio.file.Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
