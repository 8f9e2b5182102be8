package io.driftwatch.rules;

import static io.driftwatch.rules.TestEvents.T0;
import static io.driftwatch.rules.TestEvents.enriched;
import static io.driftwatch.rules.TestEvents.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EventType;
import io.driftwatch.model.Severity;
import io.driftwatch.rules.RuleCompilationException.Problem;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleSetTest {

  @Test
  void theBuiltInPackListsEveryRuleWithItsMetadata() {
    RuleSet rules = RuleSet.builtIn();
    Map<String, RuleInfo> byId = rules.rules().stream().collect(Collectors.toMap(RuleInfo::id, Function.identity()));

    RuleInfo overwrite = byId.get("DW-FIM-001");
    assertEquals("System binary or library modified", overwrite.name());
    assertEquals("io/driftwatch/rules/detect/binary_dirs.drl", overwrite.file());
    assertEquals(Severity.HIGH, overwrite.severity());
    assertEquals(List.of("T1554", "T1036.005"), overwrite.mitre());
    assertEquals(List.of("fim", "tampering", "binary"), overwrite.tags());
    assertEquals("stable", overwrite.maturity());
    assertTrue(overwrite.description().startsWith("An existing file in a system binary"));
    assertTrue(overwrite.falsePositives().startsWith("Package managers"));
    assertNull(overwrite.response());

    RuleInfo pause = byId.get("DW-RSP-010");
    assertNull(pause.severity(), "response rules have no severity of their own");
    assertTrue(byId.containsKey("DW-CLS-001"));
    assertTrue(byId.containsKey("DW-EXE-001"));
    assertSame(rules, RuleSet.builtIn(), "compiled once");
  }

  @Test
  void theVersionIsADigestOfTheFiles() throws RuleCompilationException {
    String version = RuleSet.builtIn().version();
    assertTrue(version.matches("[0-9a-f]{12}"), version);

    List<DrlFile> files = RuleSources.builtIn();
    assertEquals(version, RuleSet.compile(files, List.of()).version(), "the same files give the same version");

    DrlFile first = files.get(0);
    List<DrlFile> changed = new ArrayList<>(files);
    changed.set(0, new DrlFile(first.path(), first.content() + "\n// a comment changes the version\n"));
    assertNotEquals(version, RuleSet.compile(changed, List.of()).version());
  }

  @Test
  void aUserDirectoryAddsItsRulesAndAllowLists() throws RuleCompilationException {
    RuleSet rules = RuleSet.load(resource("user-rules/valid"));

    RuleInfo web = rules.rules().stream().filter(r -> r.id().equals("ACME-WEB-001")).findFirst().orElseThrow();
    assertEquals("acme/web/defacement.drl", web.file());
    assertEquals(Severity.MEDIUM, web.severity());
    assertTrue(rules.rules().stream().anyMatch(r -> r.id().equals("ACME-CLS-001")));
    assertEquals(RuleSet.builtIn().rules().size() + 2, rules.rules().size());
    assertNotEquals(RuleSet.builtIn().version(), rules.version());

    try (RuleEvaluator evaluator = new RuleEvaluator(rules)) {
      List<Alert> deface = evaluator.evaluate(enriched(
          event("w", T0, EventType.MODIFY, "/var/www/html/index.html", "sh", "/bin/sh"))).alerts();
      assertEquals(List.of("ACME-WEB-001"), deface.stream().map(Alert::getRuleId).toList());

      List<Alert> update = evaluator.evaluate(enriched(
          event("u", T0 + 1000, EventType.OPEN_WRITE, "/usr/local/bin/acme-agent", "acme-updater", "/usr/local/bin/acme-updater"))).alerts();
      assertEquals(List.of(), update, "the user's allow-list extends the shipped package-manager list");
    }
  }

  @Test
  void aBrokenUserFileIsRefusedWithFileLineAndMessage() {
    RuleCompilationException refused = assertThrows(RuleCompilationException.class,
        () -> RuleSet.load(resource("user-rules/broken")));

    Problem syntax = problemIn(refused, "broken.drl");
    assertTrue(syntax.line() >= 7 && syntax.line() <= 9, "near the unfinished constraint: " + refused.getMessage());
    assertTrue(refused.getMessage().contains("broken.drl:" + syntax.line() + ": "), refused.getMessage());

    Problem unknownField = problemIn(refused, "sub/unknown_field.drl");
    assertEquals(10, unknownField.line(), refused.getMessage());
    assertTrue(unknownField.message().contains("nosuchfield"), unknownField.message());
    assertTrue(refused.problems().stream().noneMatch(p -> p.message().startsWith("Parser returned a null Package")));
    assertTrue(refused.problems().stream().allMatch(p -> p.file().equals("broken.drl") || p.file().equals("sub/unknown_field.drl")),
        "only the user's files are blamed: " + refused.getMessage());
  }

  @Test
  void aDetectionRuleWithoutMetadataIsRefused(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("thin.drl"), """
        package acme.detect;

        import io.driftwatch.model.FileEvent;

        rule "No metadata"
            @id( "ACME-001" )
        when
            FileEvent( path == "/x" )
        then
        end

        rule "Bad values"
            @id( "ACME-002" ) @severity( "SEVERE" ) @mitre( "T1,T1070.003" ) @tags( "" ) @maturity( "beta" )
            @description( "d" ) @falsePositives( "f" )
        when
            FileEvent( path == "/y" )
        then
        end
        """);

    RuleCompilationException refused = assertThrows(RuleCompilationException.class, () -> RuleSet.load(dir));

    List<String> messages = refused.problems().stream().map(Problem::toString).toList();
    for (String missing : List.of("@severity", "@mitre", "@tags", "@maturity", "@description", "@falsePositives")) {
      assertTrue(messages.stream().anyMatch(m -> m.startsWith("thin.drl:5: rule \"No metadata\": missing " + missing)), missing + " in " + messages);
    }
    assertTrue(messages.stream().anyMatch(m -> m.startsWith("thin.drl:12:") && m.contains("SEVERE")), messages.toString());
    assertTrue(messages.stream().anyMatch(m -> m.contains("\"T1\" is not an ATT&CK technique id")), messages.toString());
    assertTrue(messages.stream().anyMatch(m -> m.contains("@maturity(\"beta\")")), messages.toString());
    assertTrue(messages.stream().noneMatch(m -> m.contains("@tags") && m.contains("Bad values")), "@tags(\"\") is allowed: " + messages);
  }

  @Test
  void aSinglePatternRuleMustOptOutOfTheLeakingAlphaTerminal(@TempDir Path dir) throws Exception {
    String rule = """
        package acme.detect;

        import io.driftwatch.model.FileEvent;
        import io.driftwatch.model.EventType;

        global io.driftwatch.rules.Detections detections;

        rule "Any deletion under /srv"
            @id( "ACME-SRV-001" ) @severity( "LOW" ) @mitre( "T1485" ) @tags( "fim" ) @maturity( "sandbox" )
            @description( "d" ) @falsePositives( "f" ) %s
        when
            $event : FileEvent( type == EventType.DELETE, path str[startsWith] "/srv/" )
        then
            detections.alert( drools, "deleted", $event );
        end
        """;
    Files.writeString(dir.resolve("srv.drl"), rule.formatted(""));

    RuleCompilationException refused = assertThrows(RuleCompilationException.class, () -> RuleSet.load(dir));
    assertEquals(List.of("srv.drl:8"), refused.problems().stream().map(p -> p.file() + ":" + p.line()).toList());
    assertTrue(refused.getMessage().contains("@Propagation( EAGER )"), refused.getMessage());

    Files.writeString(dir.resolve("srv.drl"), rule.formatted("@Propagation( EAGER )"));
    RuleSet rules = RuleSet.load(dir);
    try (RuleEvaluator evaluator = new RuleEvaluator(rules)) {
      List<Alert> alerts = evaluator.evaluate(enriched(event("d", T0, EventType.DELETE, "/srv/data/x", "rm", "/bin/rm"))).alerts();
      assertEquals(List.of("ACME-SRV-001"), alerts.stream().map(Alert::getRuleId).toList());
    }
  }

  @Test
  void aRuleJoiningTwoFileEventsIsRefused() {
    RuleCompilationException refused = assertThrows(RuleCompilationException.class,
        () -> RuleSet.load(resource("user-rules/joins")));
    assertEquals(1, refused.problems().size(), refused.getMessage());
    Problem problem = refused.problems().get(0);
    assertEquals("acme/two_events.drl", problem.file());
    assertEquals(9, problem.line());
    assertTrue(problem.message().contains("joins 2 file events"), problem.message());
  }

  @Test
  void aDuplicateIdIsRefused(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("dup.drl"), """
        package acme.classify;

        rule "Reuses a shipped id"
            @id( "DW-FIM-001" ) @maturity( "stable" ) @description( "d" )
        when
        then
        end
        """);

    RuleCompilationException refused = assertThrows(RuleCompilationException.class, () -> RuleSet.load(dir));

    assertEquals(1, refused.problems().size(), refused.getMessage());
    Problem duplicate = refused.problems().get(0);
    assertTrue(duplicate.message().contains("duplicate @id(\"DW-FIM-001\")"), duplicate.message());
    assertEquals("dup.drl", duplicate.file());
    assertTrue(duplicate.message().contains("io/driftwatch/rules/detect/binary_dirs.drl"), duplicate.message());
  }

  @Test
  void aUserFileCannotShadowABuiltInFile(@TempDir Path dir) throws IOException {
    Path shadow = dir.resolve("io/driftwatch/rules/detect/binary_dirs.drl");
    Files.createDirectories(shadow.getParent());
    Files.writeString(shadow, "package io.driftwatch.rules.detect;\n");

    RuleCompilationException refused = assertThrows(RuleCompilationException.class, () -> RuleSet.load(dir));

    assertEquals("io/driftwatch/rules/detect/binary_dirs.drl", refused.problems().get(0).file());
  }

  @Test
  void aMissingDirectoryIsRefused(@TempDir Path dir) {
    RuleCompilationException refused = assertThrows(RuleCompilationException.class, () -> RuleSet.load(dir.resolve("absent")));
    assertTrue(refused.getMessage().contains("not a directory"), refused.getMessage());
  }

  @Test
  void anEmptyDirectoryGivesTheBuiltInPack(@TempDir Path dir) throws RuleCompilationException {
    RuleSet rules = RuleSet.load(dir);
    assertEquals(RuleSet.builtIn().version(), rules.version());
    assertEquals(RuleSet.builtIn().rules(), rules.rules());
  }

  private static Problem problemIn(RuleCompilationException refused, String file) {
    return refused.problems().stream().filter(p -> p.file().equals(file)).findFirst()
        .orElseThrow(() -> new AssertionError("no problem in " + file + ": " + refused.getMessage()));
  }

  private static Path resource(String name) {
    try {
      return Path.of(RuleSetTest.class.getResource("/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
