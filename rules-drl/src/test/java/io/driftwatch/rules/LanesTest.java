package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EventType;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Which rules run in which lane, found from the rules, and what each lane's session then does. */
class LanesTest {
  private static final String USER = """
      package acme.detect;

      import io.driftwatch.rules.ClassifiedEvent;
      import io.driftwatch.model.EventType;

      global io.driftwatch.rules.Detections detections;

      // State in a plain declared type: not an event, not a CarriedFact, but made by a rule on file events.
      declare Deletions
          containerId : String
          count : int
      end

      rule "Count deletions"
          @id( "ACME-CLS-1" ) @maturity( "stable" ) @description( "d" )
          @severity( "LOW" ) @mitre( "T1485" ) @tags( "t" ) @falsePositives( "f" )
      when
          $event : ClassifiedEvent( type == EventType.DELETE, $c : containerId )
          not Deletions( containerId == $c )
      then
          insert( new Deletions( $c, 1 ) );
      end

      rule "Many deletions"
          @id( "ACME-DET-1" ) @maturity( "stable" ) @description( "d" )
          @severity( "LOW" ) @mitre( "T1485" ) @tags( "t" ) @falsePositives( "f" ) @Propagation( EAGER )
      when
          $d : Deletions( count > 100 )
      then
          detections.alert( drools, "many", new io.driftwatch.model.FileEvent[0] );
      end

      rule "A read declared ordered"
          @id( "ACME-DET-2" ) @maturity( "stable" ) @description( "d" ) @lane( "ordered" )
          @severity( "LOW" ) @mitre( "T1005" ) @tags( "t" ) @falsePositives( "f" ) @Propagation( EAGER )
      when
          $event : ClassifiedEvent( type == EventType.OPEN_READ, path == "/secret" )
      then
          detections.alert( drools, "read", $event );
      end
      """;

  @Test
  void theShippedStatefulRulesAreOrderedAndTheRestImmediate() {
    RuleSet rules = RuleSet.builtIn();
    Set<String> ordered = rules.rules().stream().map(RuleInfo::id).filter(id -> rules.laneOf(id) == Lane.ORDERED)
        .collect(Collectors.toSet());
    assertEquals(Set.of("DW-EXE-001", "DW-FIM-090", "DW-FIM-102", "DW-CLS-050", "DW-CLS-051", "DW-CLS-052", "DW-CLS-054", "DW-CLS-055",
        "DW-CLS-060", "DW-CLS-061", "DW-CLS-063"), ordered);
    assertEquals(Lane.IMMEDIATE, rules.laneOf("DW-FIM-001"));
    assertEquals(Lane.IMMEDIATE, rules.laneOf("DW-FIM-010"));
    // Reference facts and the response policy are in both.
    assertEquals(Lane.ALL, rules.laneOf("DW-RSP-002"));
    assertEquals(Lane.ALL, rules.laneOf("DW-CLS-062"));
    for (String id : rules.detectionRuleIds()) {
      assertTrue(rules.laneOf(id) != Lane.ALL, id + " is a detection rule on events: it belongs to one lane");
    }
  }

  @Test
  void onlyTheTypesTheStatefulRulesMatchEnterTheOrderedLane() {
    assertEquals(EnumSet.of(EventType.CREATE, EventType.OPEN_WRITE, EventType.MODIFY, EventType.TRUNCATE, EventType.DELETE,
        EventType.RENAME, EventType.CHMOD, EventType.RMDIR, EventType.EXEC), RuleSet.builtIn().orderedLaneTypes());
  }

  @Test
  void typeConstraintsAreReadInEveryFormDroolsLeaves() {
    assertEquals(EnumSet.of(EventType.EXEC), Lanes.typesNamed("type == EventType.EXEC"));
    assertEquals(EnumSet.of(EventType.DELETE, EventType.RENAME), Lanes.typesNamed("type == EventType.DELETE || type == EventType.RENAME"));
    assertEquals(EnumSet.of(EventType.DELETE, EventType.RENAME), Lanes.typesNamed("type in ( EventType.DELETE, EventType.RENAME )"));
    assertEquals(null, Lanes.typesNamed("type == EventType.DELETE && path != null"));
    assertEquals(null, Lanes.typesNamed("type != EventType.DELETE"));
    assertEquals(null, Lanes.typesNamed("pathRoles contains \"x\""));
  }

  @Test
  void stateInAPlainTypeAndADeclaredLaneAreFound() throws RuleCompilationException {
    RuleSet rules = RuleSet.compile(RuleSources.builtIn(), List.of(new DrlFile("acme/detect/deletions.drl", USER)));
    assertEquals(Lane.ORDERED, rules.laneOf("ACME-CLS-1"), "it makes state from file events");
    assertEquals(Lane.ORDERED, rules.laneOf("ACME-DET-1"), "it matches that state");
    assertEquals(Lane.ORDERED, rules.laneOf("ACME-DET-2"), "declared");
    assertTrue(rules.orderedLaneTypes().contains(EventType.OPEN_READ), "the declared rule reads OPEN_READ in the ordered lane");
  }

  @Test
  void anUnknownLaneIsRefusedWithItsFile() {
    String bad = USER.replace("@lane( \"ordered\" )", "@lane( \"sideways\" )");
    RuleCompilationException e = assertThrows(RuleCompilationException.class,
        () -> RuleSet.compile(RuleSources.builtIn(), List.of(new DrlFile("acme/detect/deletions.drl", bad))));
    assertTrue(e.getMessage().contains("acme/detect/deletions.drl") && e.getMessage().contains("sideways"), e.getMessage());
  }

  @Test
  void eachLaneFiresOnlyItsOwnRules() {
    RuleSet rules = RuleSet.builtIn();
    var write = TestEvents.enriched(TestEvents.event("w", TestEvents.T0, EventType.CREATE, "/tmp/payload", "curl", "/usr/bin/curl"));
    var exec = TestEvents.enriched(TestEvents.event("x", TestEvents.T0 + 1000, EventType.EXEC, "/tmp/payload", "payload",
        "/tmp/payload"));
    var binary = TestEvents.enriched(TestEvents.event("b", TestEvents.T0 + 2000, EventType.OPEN_WRITE, "/usr/bin/curl", "cp",
        "/bin/cp"));
    try (RuleEvaluator immediate = new RuleEvaluator(rules, Lane.IMMEDIATE, Set.of(), 0);
         RuleEvaluator ordered = new RuleEvaluator(rules, Lane.ORDERED, Set.of(), 0)) {
      Set<String> fromImmediate = ruleIds(immediate, write, exec, binary);
      Set<String> fromOrdered = ruleIds(ordered, write, exec, binary);
      assertTrue(fromImmediate.contains("DW-FIM-001"), fromImmediate.toString());
      assertTrue(!fromImmediate.contains("DW-EXE-001"), fromImmediate.toString());
      assertEquals(Set.of("DW-EXE-001"), fromOrdered);
    }
  }

  private static Set<String> ruleIds(RuleEvaluator evaluator, io.driftwatch.model.EnrichedEvent... events) {
    Set<String> ids = new java.util.TreeSet<>();
    for (var event : events) {
      for (Alert alert : evaluator.evaluate(event).alerts()) {
        ids.add(alert.getRuleId());
      }
    }
    return ids;
  }
}
