package io.driftwatch.rules;

import static io.driftwatch.rules.TestEvents.T0;
import static io.driftwatch.rules.TestEvents.enriched;
import static io.driftwatch.rules.TestEvents.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EventType;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Stable rules run by default in the app; incubating and sandbox rules are opt-in. */
class MaturityTest {
  private static final RuleSet RULES = RuleSet.builtIn();

  private static List<String> ruleIds(Set<String> maturities) {
    try (RuleEvaluator evaluator = new RuleEvaluator(RULES, maturities)) {
      // cp /dev/null ~/.bash_history: DW-FIM-012 (incubating) only
      List<Alert> alerts = evaluator.evaluate(enriched(event("overwrite", T0, EventType.OPEN_WRITE,
          "/root/.bash_history", "cp", "/bin/cp"))).alerts();
      List<Alert> more = evaluator.evaluate(enriched(event("tamper", T0 + 1000, EventType.OPEN_WRITE,
          "/usr/bin/dpkg", "cp", "/bin/cp"))).alerts();
      return java.util.stream.Stream.concat(alerts.stream(), more.stream()).map(Alert::getRuleId).toList();
    }
  }

  @Test
  void incubatingRulesFireOnlyWhenChosen() {
    assertEquals("incubating", RULES.rules().stream().filter(r -> r.id().equals("DW-FIM-012")).findFirst()
        .orElseThrow().maturity());
    List<String> stableOnly = ruleIds(Set.of("stable"));
    assertTrue(stableOnly.contains("DW-FIM-001"), stableOnly.toString());
    assertTrue(!stableOnly.contains("DW-FIM-012"), stableOnly.toString());

    List<String> withIncubating = ruleIds(Set.of("stable", "incubating"));
    assertTrue(withIncubating.contains("DW-FIM-012") && withIncubating.contains("DW-FIM-001"), withIncubating.toString());

    List<String> all = ruleIds(Set.of());
    assertTrue(all.contains("DW-FIM-012"), all.toString());
  }
}
