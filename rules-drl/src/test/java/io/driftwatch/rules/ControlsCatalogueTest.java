package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.rules.RuleCompilationException.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compliance controls of the rule metadata (src/compliance-report.md): the catalogue, the shipped pack's claims,
 * and {@code @controls} in a user's rule, read and checked like the other annotations.
 */
class ControlsCatalogueTest {
  private static final String USER_RULE = """
      package acme.detect;

      import io.driftwatch.model.FileEvent;
      import io.driftwatch.model.EventType;

      global io.driftwatch.rules.Detections detections;

      rule "Patient records deleted"
          @id( "ACME-PHI-001" ) @severity( "HIGH" ) @mitre( "T1485" ) @tags( "fim,phi" ) @maturity( "stable" )
          @controls( "%s" )
          @description( "d" ) @falsePositives( "f" ) @Propagation( EAGER )
      when
          $event : FileEvent( type == EventType.DELETE, path str[startsWith] "/srv/phi/" )
      then
          detections.alert( drools, "deleted", $event );
      end
      """;

  @Test
  void theCatalogueHoldsTheControlsOfEachFramework() {
    Controls controls = Controls.builtIn();
    Set<String> ids = controls.all().stream().map(Controls.Control::id).collect(Collectors.toSet());
    for (String id : List.of("PCI-DSS-10.2", "PCI-DSS-10.3", "PCI-DSS-10.7", "PCI-DSS-11.5", "NIST-SI-7", "NIST-SI-4",
        "NIST-AU-6", "SOC2-CC7.2", "SOC2-CC7.3", "HIPAA-164.312(b)", "HIPAA-164.312(c)(1)")) {
      assertTrue(ids.contains(id), id + " in " + ids);
    }
    assertEquals(List.of("PCI DSS v4.0", "NIST SP 800-53 Rev. 5", "SOC 2 (2017 TSC)", "HIPAA Security Rule"),
        controls.frameworks());
    Controls.Control fim = controls.find("PCI-DSS-11.5");
    assertTrue(fim.asks().contains("11.5.2"), fim.asks());
    assertEquals(Controls.EVIDENCE_RULES, fim.evidence());
    assertTrue(!fim.servedByProduct());
    assertTrue(controls.find("SOC2-CC7.3").servedByProduct());
    assertTrue(controls.find("SOC2-CC7.3").everyAlertIsEvidence());
  }

  @Test
  void aMalformedCatalogueLineFailsLoudly() {
    IllegalStateException bad = assertThrows(IllegalStateException.class, () -> Controls.parse(List.of(
        "# comment", "X-1\tF\tT\tA\trules\t-", "X-1\tF\tT\tA\trules\t-", "X-2\tF\tT", "X-3\tF\tT\tA\tsome\t-")));
    assertTrue(bad.getMessage().contains(":3: empty, duplicate"), bad.getMessage());
    assertTrue(bad.getMessage().contains(":4: expected 6 tab-separated columns"), bad.getMessage());
    assertTrue(bad.getMessage().contains(":5: evidence must be rules or all"), bad.getMessage());
  }

  /**
   * Every shipped detection rule claims at least one known control; every control of the catalogue is claimed by a
   * shipped rule or says what in the product serves it. All offenders at once.
   */
  @Test
  void everyDetectionRuleClaimsAControlAndEveryControlIsServed() {
    RuleSet pack = RuleSet.builtIn();
    Controls controls = Controls.builtIn();
    List<String> offenders = new ArrayList<>();
    Set<String> claimed = new TreeSet<>();
    for (RuleInfo rule : pack.rules()) {
      boolean detection = pack.detectionRuleIds().contains(rule.id());
      if (detection && rule.controls().isEmpty()) {
        offenders.add(rule.file() + " " + rule.id() + ": claims no control (@controls)");
      }
      for (String control : rule.controls()) {
        if (!controls.contains(control)) {
          offenders.add(rule.file() + " " + rule.id() + ": unknown control " + control);
        }
        claimed.add(control);
      }
    }
    for (Controls.Control control : controls.all()) {
      if (!claimed.contains(control.id()) && !control.servedByProduct()) {
        offenders.add(Controls.RESOURCE + " " + control.id() + ": claimed by no shipped rule and not served by the product");
      }
    }
    assertTrue(offenders.isEmpty(), offenders.size() + " offenders:\n" + String.join("\n", offenders));
    assertEquals(61, pack.detectionRuleIds().size(), "every detection rule was looked at");
    assertTrue(claimed.containsAll(List.of("PCI-DSS-11.5", "PCI-DSS-10.3", "NIST-SI-7", "NIST-SI-4", "NIST-AU-9",
        "SOC2-CC7.2", "HIPAA-164.312(b)", "HIPAA-164.312(c)(1)")), claimed.toString());
  }

  @Test
  void theShippedRulesClaimWhatTheyServe() {
    Map<String, RuleInfo> byId = RuleSet.builtIn().rules().stream()
        .collect(Collectors.toMap(RuleInfo::id, Function.identity()));
    assertEquals(List.of("PCI-DSS-11.5", "NIST-SI-7", "SOC2-CC7.2"), byId.get("DW-FIM-001").controls(),
        "binary FIM");
    assertTrue(byId.get("DW-FIM-041").controls().containsAll(List.of("PCI-DSS-10.3", "NIST-AU-9", "HIPAA-164.312(b)")),
        "log tampering: " + byId.get("DW-FIM-041").controls());
    assertTrue(byId.get("DW-FIM-090").controls().contains("HIPAA-164.312(c)(1)"), "mass deletion destroys data");
    assertEquals(List.of(), byId.get("DW-CLS-001").controls(), "classification rules claim nothing");
  }

  @Test
  void aCustomRuleClaimsAControl(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("phi.drl"), USER_RULE.formatted(" HIPAA-164.312(c)(1) , NIST-SI-4 "));
    RuleInfo rule = RuleSet.load(dir).rules().stream().filter(r -> r.id().equals("ACME-PHI-001")).findFirst()
        .orElseThrow();
    assertEquals(List.of("HIPAA-164.312(c)(1)", "NIST-SI-4"), rule.controls());
  }

  @Test
  void anUnknownControlIsRefusedWithFileAndLine(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("acme"));
    Files.writeString(dir.resolve("acme/phi.drl"), USER_RULE.formatted("PCI-DSS-11.5,ISO-27001-A.12"));

    RuleCompilationException refused = assertThrows(RuleCompilationException.class, () -> RuleSet.load(dir));
    assertEquals(1, refused.problems().size(), refused.getMessage());
    Problem problem = refused.problems().get(0);
    assertEquals("acme/phi.drl", problem.file());
    assertEquals(8, problem.line(), "the rule's line");
    assertTrue(problem.message().startsWith("rule \"Patient records deleted\": @controls: \"ISO-27001-A.12\" is not a"
        + " known control id"), problem.message());
    assertTrue(refused.getMessage().contains("acme/phi.drl:8: "), refused.getMessage());

    RuleSet.Inspection inspection = RuleSet.inspect(dir);
    assertEquals(List.of(problem), inspection.problems(), "rules validate reports it the same way");
  }
}
