package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Runs every per-rule fixture case in a fresh evaluator: firing cases fire, near misses stay quiet. */
class RuleFixturesTest {

  @TestFactory
  Stream<DynamicTest> everyFixtureCase() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (RuleFixtures.Fixture fixture : RuleFixtures.all()) {
      Stream.concat(fixture.fires().stream(), fixture.quiet().stream())
          .forEach(c -> tests.add(DynamicTest.dynamicTest(c.toString(), () -> run(c))));
    }
    return tests.stream();
  }

  private static void run(RuleFixtures.Case fixtureCase) {
    List<Alert> alerts = new ArrayList<>();
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      fixtureCase.events().forEach(e -> alerts.addAll(evaluator.evaluate(e).alerts()));
      alerts.addAll(evaluator.advanceTo(fixtureCase.last().getTimestamp() + 60 * 60_000L).alerts());
    }
    List<Alert> ofRule = alerts.stream().filter(a -> a.getRuleId().equals(fixtureCase.ruleId())).toList();
    if (fixtureCase.fires()) {
      String lastId = fixtureCase.last().getEventId();
      assertTrue(ofRule.stream().anyMatch(a -> a.getEventIds().contains(lastId)),
          "expected " + fixtureCase.ruleId() + " to name " + lastId + "; alerts: " + describe(alerts));
    } else {
      assertTrue(ofRule.isEmpty(), "expected no " + fixtureCase.ruleId() + "; got " + describe(ofRule));
    }
  }

  private static List<String> describe(List<Alert> alerts) {
    return alerts.stream().map(a -> a.getRuleId() + " " + a.getEventIds() + " " + a.getMessage()).toList();
  }
}
