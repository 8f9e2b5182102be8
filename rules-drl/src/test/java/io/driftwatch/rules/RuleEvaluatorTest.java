package io.driftwatch.rules;

import static io.driftwatch.rules.TestEvents.CONTAINER_ID;
import static io.driftwatch.rules.TestEvents.T0;
import static io.driftwatch.rules.TestEvents.container;
import static io.driftwatch.rules.TestEvents.enriched;
import static io.driftwatch.rules.TestEvents.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.Severity;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The evaluator with the built-in pack: explicit event times, a pseudo clock, no sleeps. */
class RuleEvaluatorTest {
  private static final long MINUTE = 60_000L;

  private RuleEvaluator evaluator;

  @BeforeEach
  void open() {
    evaluator = new RuleEvaluator(RuleSet.builtIn());
  }

  @AfterEach
  void close() {
    evaluator.close();
  }

  /** cp /tmp/malware /usr/bin/dpkg from an exec session, as in the seed scenario. */
  private static EnrichedEvent seedOverwrite(String eventId, long timestamp) {
    return enriched(event(eventId, timestamp, EventType.OPEN_WRITE, "/usr/bin/dpkg", "cp", "/bin/cp")
        .setCmdline("cp /tmp/malware /usr/bin/dpkg").setParentProcessName("bash"), "JohnDoe");
  }

  @Test
  void anOverwrittenBinaryRaisesAHighAlertWithEverythingFilledIn() {
    Outputs outputs = evaluator.evaluate(seedOverwrite("e-1", T0));

    assertEquals(1, outputs.alerts().size(), outputs.alerts().toString());
    Alert alert = outputs.alerts().get(0);
    assertEquals("DW-FIM-001", alert.getRuleId());
    assertEquals("System binary or library modified", alert.getRuleName());
    assertEquals(RuleSet.builtIn().version(), alert.getRuleVersion());
    assertEquals(Severity.HIGH, alert.getSeverity());
    assertEquals(List.of("T1554", "T1036.005"), alert.getMitre());
    assertTrue(alert.getTags().containsAll(List.of("tampering", "maturity:stable")), alert.getTags().toString());
    assertTrue(alert.getAlertId().matches("[0-9a-f]{32}"), alert.getAlertId());
    assertEquals(T0, alert.getTimestamp());
    assertEquals(List.of("e-1"), alert.getEventIds());
    assertEquals(CONTAINER_ID, alert.getContainerId());
    assertEquals("ledger", alert.getContainerName());
    assertEquals("registry.example/ledger:1.4.2", alert.getImage());
    assertEquals("ledger-7d9f8-abcde", alert.getPodName());
    assertEquals("payments", alert.getNamespace());
    assertEquals("node-a", alert.getNode());
    assertEquals(List.of("JohnDoe"), alert.getUsers());
    assertEquals("cp", alert.getProcessName());
    assertEquals("/usr/bin/dpkg", alert.getPath());
    assertEquals("System binary /usr/bin/dpkg written by cp", alert.getMessage());
    assertEquals("cp /tmp/malware /usr/bin/dpkg", alert.getEvidence().get("cmdline"));
    assertEquals("/bin/cp", alert.getEvidence().get("exe"));
    assertEquals("0", alert.getEvidence().get("uid"));
    assertEquals("OPEN_WRITE", alert.getEvidence().get("eventType"));
    assertEquals(1, alert.getCount());
  }

  @Test
  void theSameInputGivesTheSameIdsAndRecords() {
    List<EnrichedEvent> input = List.of(
        seedOverwrite("e-1", T0),
        enriched(event("e-2", T0 + 1000, EventType.DELETE, "/root/.bash_history", "rm", "/bin/rm"), "JohnDoe"),
        enriched(event("e-3", T0 + 2000, EventType.CREATE, "/tmp/x", "curl", "/usr/bin/curl")),
        enriched(event("e-4", T0 + 3000, EventType.EXEC, "/tmp/x", "x", "/tmp/x")));

    List<Object> first = runAll(input);
    List<Object> second = runAll(input);

    assertEquals(first, second);
    // three alerts; PAUSE and NOTIFY for the first, the others fall in the same container's window
    assertEquals(6, first.size(), first.toString());
  }

  private static List<Object> runAll(List<EnrichedEvent> input) {
    List<Object> out = new ArrayList<>();
    try (RuleEvaluator fresh = new RuleEvaluator(RuleSet.builtIn())) {
      for (EnrichedEvent event : input) {
        Outputs outputs = fresh.evaluate(event);
        out.addAll(outputs.alerts());
        out.addAll(outputs.commands());
      }
    }
    return out;
  }

  @Test
  void dropThenExecuteFiresWithinTheWindow() {
    evaluator.evaluate(enriched(event("w", T0, EventType.CREATE, "/tmp/payload", "curl", "/usr/bin/curl"), "mallory"));
    evaluator.advanceTo(T0 + 9 * MINUTE);
    Outputs outputs = evaluator.evaluate(enriched(
        event("x", T0 + 10 * MINUTE - 1, EventType.EXEC, "/tmp/payload", "payload", "/tmp/payload").setPid(1).setPpid(0)));

    Alert alert = single(outputs.alerts(), "DW-EXE-001");
    assertEquals(List.of("w", "x"), alert.getEventIds());
    assertEquals("payload", alert.getProcessName());
    assertEquals(T0 + 10 * MINUTE - 1, alert.getTimestamp());
    assertEquals(List.of("mallory"), alert.getUsers(), "users of every matched event");
    assertEquals("curl", alert.getEvidence().get("prior1.processName"));
  }

  @Test
  void dropThenExecuteDoesNotFireAfterTheWindow() {
    evaluator.evaluate(enriched(event("w", T0, EventType.CREATE, "/tmp/payload", "curl", "/usr/bin/curl")));
    Outputs outputs = evaluator.evaluate(enriched(
        event("x", T0 + 10 * MINUTE + 1, EventType.EXEC, "/tmp/payload", "payload", "/tmp/payload")));

    assertTrue(outputs.alerts().isEmpty(), outputs.alerts().toString());
  }

  @Test
  void dropThenExecuteIsPerContainer() {
    evaluator.evaluate(enriched(event("w", T0, EventType.CREATE, "/tmp/payload", "curl", "/usr/bin/curl")));
    Outputs outputs = evaluator.evaluate(enriched(
        event("x", T0 + 1000, EventType.EXEC, "/tmp/payload", "payload", "/tmp/payload").setContainerId("other").build(),
        container("other", "payments")));

    assertTrue(outputs.alerts().isEmpty(), outputs.alerts().toString());
  }

  @Test
  void aHighTamperingAlertPausesTheContainerAndNotifies() {
    Outputs outputs = evaluator.evaluate(seedOverwrite("e-1", T0));

    Alert alert = outputs.alerts().get(0);
    assertEquals(List.of(ResponseAction.SNAPSHOT_EVIDENCE, ResponseAction.PAUSE_CONTAINER, ResponseAction.NOTIFY),
        outputs.commands().stream().map(ResponseCommand::getAction).toList(), "evidence first, then pause");
    ResponseCommand pause = outputs.commands().get(1);
    assertTrue(pause.getCommandId().matches("[0-9a-f]{32}"));
    assertNotEquals(pause.getCommandId(), outputs.commands().get(0).getCommandId());
    assertEquals(alert.getAlertId(), pause.getAlertId());
    assertEquals("node-a", pause.getNode());
    assertEquals(CONTAINER_ID, pause.getContainerId());
    assertEquals("ledger-7d9f8-abcde", pause.getPodName());
    assertEquals("payments", pause.getNamespace());
    assertEquals(T0, pause.getIssuedAt());
    assertEquals(T0 + 10 * MINUTE, pause.getExpiresAt());
    assertEquals("DW-FIM-001", pause.getParameters().get("reason"));
    assertEquals("DW-RSP-011", pause.getParameters().get("policy"));
    assertNull(pause.getSignature());
  }

  @Test
  void aMediumAlertOnlyNotifies() {
    Outputs outputs = evaluator.evaluate(enriched(event("h", T0, EventType.DELETE, "/root/.bash_history", "rm", "/bin/rm")));

    assertEquals(Severity.MEDIUM, single(outputs.alerts(), "DW-FIM-010").getSeverity());
    assertEquals(List.of(ResponseAction.NOTIFY), outputs.commands().stream().map(ResponseCommand::getAction).toList());
  }

  @Test
  void aResponseHintAsksForContainmentWithoutTheTamperingTag() {
    Outputs outputs = evaluator.evaluate(enriched(
        event("esc", T0, EventType.OPEN_WRITE, "/sys/fs/cgroup/rdma/release_agent", "sh", "/bin/sh")));

    Alert alert = single(outputs.alerts(), "DW-FIM-050");
    assertEquals(Severity.CRITICAL, alert.getSeverity());
    assertTrue(alert.getTags().contains("response:pause"), alert.getTags().toString());
    assertEquals(List.of(ResponseAction.SNAPSHOT_EVIDENCE, ResponseAction.PAUSE_CONTAINER, ResponseAction.NOTIFY),
        outputs.commands().stream().map(ResponseCommand::getAction).toList());
  }

  @Test
  void kubeSystemIsNeverPaused() {
    Outputs outputs = evaluator.evaluate(enriched(
        event("k", T0, EventType.OPEN_WRITE, "/usr/bin/kube-proxy", "cp", "/bin/cp").build(),
        container(CONTAINER_ID, "kube-system")));

    assertEquals(Severity.HIGH, single(outputs.alerts(), "DW-FIM-001").getSeverity());
    assertEquals(List.of(ResponseAction.NOTIFY), outputs.commands().stream().map(ResponseCommand::getAction).toList());
  }

  @Test
  void theNodeItselfIsOnlyNotifiedAbout() {
    // The same tampering that pauses a container (DW-FIM-050, response:pause, CRITICAL) on the node itself: host FIM.
    ContainerMetadata node = ContainerMetadata.newBuilder().setContainerId("host").setNode("node-a").setRuntime("host")
        .setContainerName("node-a").build();
    Outputs outputs = evaluator.evaluate(enriched(
        event("esc-host", T0, EventType.OPEN_WRITE, "/sys/fs/cgroup/rdma/release_agent", "sh", "/bin/sh")
            .setContainerId("host").setSource("fanotify-host").build(), node));

    Alert alert = single(outputs.alerts(), "DW-FIM-050");
    assertEquals("host", alert.getContainerId());
    assertEquals(List.of(ResponseAction.NOTIFY), outputs.commands().stream().map(ResponseCommand::getAction).toList());
    // and a host change of the account files still alerts, as in a container (the path rules apply to the node)
    Outputs passwd = evaluator.evaluate(enriched(event("pw-host", T0 + 1000, EventType.OPEN_WRITE, "/etc/shadow", "vi",
        "/usr/bin/vi").setContainerId("host").build(), node));
    single(passwd.alerts(), "DW-FIM-021");
    assertTrue(passwd.commands().stream().allMatch(c -> c.getAction() == ResponseAction.NOTIFY), passwd.commands().toString());
  }

  @Test
  void noResponsePackageCanPauseTheNode() throws Exception {
    // A custom response package that pauses on every alert: it works for a container, and the engine drops it for the node.
    String pauseAll = """
        package acme.respond;

        import io.driftwatch.model.Alert;
        import io.driftwatch.model.ResponseAction;

        global io.driftwatch.rules.Responses responses;

        rule "Pause on every alert"
            @id( "ACME-RSP-001" )
            @maturity( "stable" )
            @description( "Pauses whatever raised an alert, the node included if the engine let it." )
            @Propagation( EAGER )
        when
            $alert : Alert( )
        then
            responses.command( drools, $alert, ResponseAction.PAUSE_CONTAINER );
            responses.command( drools, $alert, ResponseAction.ISOLATE_NETWORK );
        end
        """;
    try (RuleEvaluator custom = new RuleEvaluator(RuleSet.compile(RuleSources.builtIn(),
        List.of(new DrlFile("acme/respond/pause_all.drl", pauseAll))))) {
      Outputs inContainer = custom.evaluate(enriched(
          event("c-1", T0, EventType.DELETE, "/root/.bash_history", "rm", "/bin/rm").build(), container()));
      assertTrue(inContainer.commands().stream().anyMatch(c -> c.getAction() == ResponseAction.PAUSE_CONTAINER),
          inContainer.commands().toString());
      ContainerMetadata node = ContainerMetadata.newBuilder().setContainerId("host").setNode("node-a").setRuntime("host")
          .setContainerName("node-a").build();
      Outputs onNode = custom.evaluate(enriched(event("h-1", T0 + 1000, EventType.DELETE, "/root/.bash_history", "rm",
          "/bin/rm").setContainerId("host").build(), node));
      single(onNode.alerts(), "DW-FIM-010");
      assertEquals(List.of(ResponseAction.NOTIFY), onNode.commands().stream().map(ResponseCommand::getAction).toList());
    }
  }

  @Test
  void commandsAreDedupedPerContainerAndActionWithinTenMinutes() {
    List<ResponseCommand> commands = new ArrayList<>();
    commands.addAll(evaluator.evaluate(seedOverwrite("e-1", T0)).commands());
    commands.addAll(evaluator.evaluate(seedOverwrite("e-2", T0 + 5 * MINUTE)).commands());
    assertEquals(3, commands.size(), "a second alert within ten minutes adds no command: " + commands);

    Outputs otherContainer = evaluator.evaluate(enriched(
        event("e-3", T0 + 6 * MINUTE, EventType.OPEN_WRITE, "/usr/bin/dpkg", "cp", "/bin/cp").setContainerId("other").build(),
        container("other", "payments")));
    assertEquals(3, otherContainer.commands().size(), "another container has its own window");

    Outputs later = evaluator.evaluate(seedOverwrite("e-4", T0 + 11 * MINUTE));
    assertEquals(List.of(ResponseAction.SNAPSHOT_EVIDENCE, ResponseAction.PAUSE_CONTAINER, ResponseAction.NOTIFY),
        later.commands().stream().map(ResponseCommand::getAction).toList());
  }

  @Test
  void theClockNeverRunsBackwards() {
    evaluator.evaluate(enriched(event("now", T0 + 30 * MINUTE, EventType.OPEN_READ, "/etc/hosts", "java", "/usr/lib/jvm/bin/java")));
    assertEquals(T0 + 30 * MINUTE, evaluator.currentTime());

    Outputs late = evaluator.evaluate(seedOverwrite("late", T0));
    assertEquals(T0 + 30 * MINUTE, evaluator.currentTime(), "an older event does not move the clock back");
    Alert alert = single(late.alerts(), "DW-FIM-001");
    assertEquals(T0, alert.getTimestamp(), "the alert keeps the event's own time");

    evaluator.advanceTo(T0);
    assertEquals(T0 + 30 * MINUTE, evaluator.currentTime());
  }

  @Test
  void aLateWriteStillCountsForDropThenExecute() {
    evaluator.evaluate(enriched(event("now", T0 + 30 * MINUTE, EventType.OPEN_READ, "/etc/hosts", "java", "/usr/lib/jvm/bin/java")));
    evaluator.evaluate(enriched(event("w", T0, EventType.CREATE, "/tmp/late", "curl", "/usr/bin/curl")));
    Outputs outputs = evaluator.evaluate(enriched(event("x", T0 + 1000, EventType.EXEC, "/tmp/late", "late", "/tmp/late")));

    assertEquals(List.of("w", "x"), single(outputs.alerts(), "DW-EXE-001").getEventIds());
  }

  @Test
  void pathsAreCanonicalisedAndTheOriginalKeptAsEvidence() {
    Outputs outputs = evaluator.evaluate(enriched(
        event("c", T0, EventType.OPEN_WRITE, "/usr//lib/../bin/./dpkg", "cp", "/bin/cp")));

    Alert alert = single(outputs.alerts(), "DW-FIM-001");
    assertEquals("/usr/bin/dpkg", alert.getPath());
    assertEquals("/usr//lib/../bin/./dpkg", alert.getEvidence().get("originalPath"));
  }

  @Test
  void theSameEventDeliveredTwiceRaisesOneAlert() {
    Outputs first = evaluator.evaluate(seedOverwrite("dup", T0));
    Outputs second = evaluator.evaluate(seedOverwrite("dup", T0));

    assertEquals(1, first.alerts().size());
    assertTrue(second.isEmpty(), second.toString());
  }

  @Test
  void anEventWithoutContainerMetadataStillAlerts() {
    Outputs outputs = evaluator.evaluate(enriched(
        event("m", T0, EventType.OPEN_WRITE, "/usr/bin/dpkg", "cp", "/bin/cp").setContainerId("unknown").build(), null));

    Alert alert = single(outputs.alerts(), "DW-FIM-001");
    assertNull(alert.getNamespace());
    assertNull(alert.getImage());
    assertEquals("node-a", alert.getNode());
    assertEquals(List.of(), alert.getUsers());
    assertEquals("METADATA_MISSING", alert.getEvidence().get("enrichment"));
  }

  @Test
  void workloadNoiseRaisesNothing() {
    Outputs log = evaluator.evaluate(enriched(event("l", T0, EventType.MODIFY, "/var/log/ledger/app.log", "java", "/usr/lib/jvm/bin/java")));
    Outputs tmp = evaluator.evaluate(enriched(event("t", T0 + 1, EventType.CREATE, "/tmp/ledger-upload-1.tmp", "java", "/usr/lib/jvm/bin/java")));

    assertTrue(log.isEmpty() && tmp.isEmpty());
  }

  @Test
  void anEventLeavesTheSessionAlsoWhenARuleThrows() throws RuleCompilationException {
    // File events have no @expires (each would cost an expiry job): the evaluator must take every
    // one out itself, whatever the rules did.
    String throwing = """
        package acme.detect;

        import io.driftwatch.rules.ClassifiedEvent;

        rule "Throws on a marked path"
            @id( "ACME-THROW-001" )
            @severity( "LOW" )
            @mitre( "T1565.001" )
            @tags( "test" )
            @maturity( "stable" )
            @description( "Throws, to test what the evaluator does then." )
            @falsePositives( "None." )
            @Propagation( EAGER )
        when
            $e : ClassifiedEvent( path == "/tmp/throw-here" )
        then
            throw new IllegalStateException( "rule failed" );
        end
        """;
    try (RuleEvaluator throwingEvaluator = new RuleEvaluator(RuleSet.compile(RuleSources.builtIn(),
        List.of(new DrlFile("acme/detect/throwing.drl", throwing))))) {
      // The container's metadata is a fact of its own: in place before the baseline.
      throwingEvaluator.evaluate(enriched(
          event("first-1", T0, EventType.OPEN_READ, "/etc/hostname", "cat", "/bin/cat").build(), container()));
      long baseline = throwingEvaluator.factCount();
      assertThrows(RuntimeException.class, () -> throwingEvaluator.evaluate(enriched(
          event("throw-1", T0, EventType.OPEN_READ, "/tmp/throw-here", "cat", "/bin/cat").build(), container())));
      assertEquals(baseline, throwingEvaluator.factCount(), "the event that made a rule throw is still in the session");
      Outputs next = throwingEvaluator.evaluate(enriched(
          event("next-1", T0 + 1, EventType.OPEN_WRITE, "/usr/bin/ls", "cp", "/bin/cp").build(), container()));
      assertEquals(1, next.alerts().stream().filter(a -> a.getRuleId().equals("DW-FIM-001")).count(),
          "the next event is evaluated as usual: " + next.alerts());
    }
  }

  @Test
  void factCountStaysBoundedOverHoursOfEvents() {
    long baseline = evaluator.factCount();
    long end = T0 + 5 * 60 * MINUTE;
    int events = 100_000;
    long step = (end - T0) / events;
    long maxSeen = 0;
    int alerts = 0;
    for (int i = 0; i < events; i++) {
      long t = T0 + i * step;
      String containerId = "c" + (i % 20);
      EventType type;
      String path;
      switch (i % 10) {
        case 0, 1, 2, 3, 4, 5 -> { type = EventType.OPEN_READ; path = "/usr/lib/libssl.so.3"; }
        case 6, 7 -> { type = EventType.MODIFY; path = "/var/log/app/app.log"; }
        case 8 -> { type = EventType.CREATE; path = "/tmp/upload-" + i + ".tmp"; }
        default -> { type = EventType.EXEC; path = "/usr/bin/sh"; }
      }
      var builder = event("bulk-" + i, t, type, path, "java", "/usr/lib/jvm/bin/java").setContainerId(containerId);
      if (i % 5_000 == 0) {
        builder = event("bulk-" + i, t, EventType.OPEN_WRITE, "/usr/bin/ls", "cp", "/bin/cp").setContainerId(containerId);
      }
      Outputs outputs = evaluator.evaluate(enriched(builder.build(), container(containerId, "payments")));
      alerts += outputs.alerts().size();
      maxSeen = Math.max(maxSeen, evaluator.factCount());
    }
    // 100k events over five hours is 5.6 per second: a minute of events, ten minutes of written
    // temporary files, derived facts, alerts and 20 containers stay in the low thousands.
    assertTrue(maxSeen < 2_000, "facts peaked at " + maxSeen);
    assertEquals(20, alerts);

    evaluator.advanceTo(end + 2 * 60 * MINUTE);
    assertEquals(baseline, evaluator.factCount(), "only the reference facts remain once everything expired");
  }

  @Test
  void expiredEventsAreReleasedFromMemory() {
    List<WeakReference<FileEvent>> firstDay = evaluateMixedBatch(T0);
    evaluator.advanceTo(T0 + 24 * 60 * MINUTE);
    // Drools drops some expired tuples only when their rules next run: the next day's traffic.
    evaluateMixedBatch(T0 + 24 * 60 * MINUTE);

    // Nothing refers to the first day's events any more; a leak (such as Drools 10.1 keeping the
    // fired matches of single-pattern rules) would keep them reachable.
    for (int attempt = 0; attempt < 20 && firstDay.stream().anyMatch(r -> r.get() != null); attempt++) {
      System.gc();
    }
    assertEquals(List.of(), firstDay.stream().map(WeakReference::get).filter(Objects::nonNull)
        .map(e -> e.getEventId() + ":" + e.getType()).toList(), "events still reachable");
  }

  /** Log writes, temporary files executed at once, package-manager writes to /usr/bin. */
  private List<WeakReference<FileEvent>> evaluateMixedBatch(long start) {
    List<WeakReference<FileEvent>> events = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      long t = start + i * 100L;
      String id = start + "-" + i;
      FileEvent event = switch (i % 4) {
        case 0 -> event(id, t, EventType.MODIFY, "/var/log/app/app.log", "java", "/usr/lib/jvm/bin/java").build();
        case 1 -> event(id, t, EventType.CREATE, "/tmp/f-" + i, "java", "/usr/lib/jvm/bin/java").setMode(493).build();
        case 2 -> event(id, t, EventType.EXEC, "/tmp/f-" + (i - 1), "f", "/tmp/f-" + (i - 1)).build();
        default -> event(id, t, EventType.OPEN_WRITE, "/usr/bin/x" + i, "dpkg", "/usr/bin/dpkg").build();
      };
      events.add(new WeakReference<>(event));
      evaluator.evaluate(enriched(event, container()));
    }
    return events;
  }

  @Test
  void evaluatingANullEventIsRefused() {
    assertThrows(NullPointerException.class, () -> evaluator.evaluate(null));
  }

  @Test
  void aSessionStartsWithOnlyTheReferenceFacts() {
    assertTrue(evaluator.factCount() > 50 && evaluator.factCount() < 2_000, "reference facts: " + evaluator.factCount());
    assertTrue(evaluator.advanceTo(T0).isEmpty());
  }

  private static Alert single(List<Alert> alerts, String ruleId) {
    List<Alert> ofRule = alerts.stream().filter(a -> a.getRuleId().equals(ruleId)).toList();
    assertEquals(1, ofRule.size(), "alerts: " + alerts);
    return ofRule.get(0);
  }
}
