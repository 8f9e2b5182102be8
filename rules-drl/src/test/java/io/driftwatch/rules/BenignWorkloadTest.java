package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.driftwatch.model.Alert;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseCommand;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The benign-workload corpus (src/main/resources/io/driftwatch/rules/benign/*.jsonl, fixture-style events) raises
 * nothing: applications writing logs and temporary files, package managers installing, log
 * rotation, shells keeping their history, services starting.
 */
class BenignWorkloadTest {

  @TestFactory
  Stream<DynamicTest> benignWorkloadRaisesNothing() throws IOException, URISyntaxException {
    Path dir = Path.of(BenignWorkloadTest.class.getResource("/io/driftwatch/rules/benign").toURI());
    List<Path> corpora;
    try (Stream<Path> files = Files.list(dir)) {
      corpora = files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
    }
    assertTrue(corpora.size() >= 4, corpora.toString());
    return corpora.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> run(file)));
  }

  private static void run(Path file) {
    List<JsonNode> lines = Records.jsonLines(file);
    List<Alert> alerts = new ArrayList<>();
    List<ResponseCommand> commands = new ArrayList<>();
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      long last = 0;
      for (int i = 0; i < lines.size(); i++) {
        FileEvent event = TestEvents.fixtureEvent(lines.get(i), file.getFileName() + "-" + (i + 1), (i + 1) * 1000L);
        Outputs outputs = evaluator.evaluate(TestEvents.enriched(event, TestEvents.container()));
        alerts.addAll(outputs.alerts());
        commands.addAll(outputs.commands());
        last = Math.max(last, event.getTimestamp());
      }
      alerts.addAll(evaluator.advanceTo(last + 60 * 60_000L).alerts());
    }
    assertTrue(lines.size() >= 10, "a corpus worth the name: " + file);
    assertTrue(alerts.isEmpty() && commands.isEmpty(), file.getFileName() + " raised "
        + alerts.stream().map(a -> a.getRuleId() + " " + a.getEventIds() + " " + a.getMessage()).toList());
  }
}
