package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.rules.testing.Fixture;
import io.driftwatch.rules.testing.RuleTestSuite;
import io.driftwatch.rules.testing.RuleTests;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every per-rule fixture case of the shipped pack (io/driftwatch/rules/fixtures/&lt;id&gt;.json,
 * see {@link Fixture}) through the same runner as {@code rules test}, in a fresh evaluator per
 * case: firing cases fire, near misses stay quiet. One test per rule and case.
 */
class RuleFixturesTest {

  @Test
  void everyFixtureFileReads() {
    RuleTestSuite suite = RuleTestSuite.builtIn();
    assertTrue(suite.problems().isEmpty(),
        suite.problems().stream().map(Object::toString).collect(Collectors.joining("\n")));
    assertFalse(suite.fixtures().isEmpty(), "the built-in fixtures are on the classpath");
  }

  @TestFactory
  Stream<DynamicContainer> everyFixtureCase() {
    return RuleTestSuite.builtIn().fixtures().stream().map(fixture -> DynamicContainer.dynamicContainer(fixture.ruleId(),
        fixture.cases().stream().map(c -> org.junit.jupiter.api.DynamicTest.dynamicTest(c.toString(), () -> {
          RuleTests.CaseResult result = RuleTests.run(RuleSet.builtIn(), c);
          assertTrue(result.passed(), () -> String.valueOf(result.failure()));
        }))));
  }
}
