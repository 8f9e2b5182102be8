package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.rules.testing.BenignCorpus;
import io.driftwatch.rules.testing.RuleTestSuite;
import io.driftwatch.rules.testing.RuleTests;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The benign-workload corpus (src/main/resources/io/driftwatch/rules/benign/*.jsonl, fixture-style
 * events, see {@link BenignCorpus}) raises nothing: applications writing logs and temporary files,
 * package managers installing, log rotation, shells keeping their history, services starting.
 * Runs through the same runner as {@code rules test}.
 */
class BenignWorkloadTest {

  @TestFactory
  Stream<DynamicTest> benignWorkloadRaisesNothing() {
    RuleTestSuite suite = RuleTestSuite.builtIn();
    assertTrue(suite.problems().isEmpty(),
        suite.problems().stream().map(Object::toString).collect(Collectors.joining("\n")));
    List<BenignCorpus> corpora = suite.corpora();
    assertTrue(corpora.size() >= 4, corpora.stream().map(BenignCorpus::source).toList().toString());
    return corpora.stream().map(corpus -> DynamicTest.dynamicTest(corpus.source().substring(corpus.source().lastIndexOf('/') + 1), () -> {
      assertTrue(corpus.events().size() >= 10, "a corpus worth the name: " + corpus.source());
      RuleTests.CorpusResult result = RuleTests.run(RuleSet.builtIn(), corpus);
      assertTrue(result.passed() && result.commands().isEmpty(), () -> result.failures().stream()
          .map(Object::toString).collect(Collectors.joining("\n")) + "\ncommands: " + result.commands());
    }));
  }
}
