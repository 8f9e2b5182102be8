package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every scenario folder held to its expected.json: the repository's scenarios/ always, and the
 * team's shared folder (../../shared/scenarios from the module, outside the repository) too when
 * it exists, so new shared scenarios are exercised before they are copied in. The streams-app
 * tests run the same folders through replay, with the real enrichment and attribution.
 */
class ScenarioTest {
  private static final Path REPOSITORY = Path.of("..", "scenarios");
  private static final Path SHARED = Path.of("..", "..", "shared", "scenarios");

  @TestFactory
  Stream<DynamicTest> scenariosHoldToExpected() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path dir : folders(copied())) {
      tests.add(scenarioTest("copy/" + dir.getFileName(), dir));
    }
    if (Files.isDirectory(SHARED)) {
      for (Path dir : folders(SHARED)) {
        tests.add(scenarioTest("shared/" + dir.getFileName(), dir));
      }
    }
    return tests.stream();
  }

  @Test
  void theCopiedScenariosAreThere() throws IOException {
    List<String> names = folders(copied()).stream().map(p -> p.getFileName().toString()).toList();
    assertTrue(names.containsAll(List.of("seed-malware-copy", "drop-and-execute")), names.toString());
  }

  @Test
  void theCopyMatchesTheSharedFolderWhenPresent() throws IOException {
    if (!Files.isDirectory(SHARED)) {
      return;
    }
    for (Path dir : folders(copied())) {
      Path shared = SHARED.resolve(dir.getFileName().toString());
      if (!Files.isDirectory(shared)) {
        continue;
      }
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.toList()) {
          assertEquals(Files.readString(shared.resolve(file.getFileName().toString())), Files.readString(file),
              "copy of " + shared.resolve(file.getFileName().toString()) + " is stale");
        }
      }
    }
  }

  private static DynamicTest scenarioTest(String name, Path dir) {
    return DynamicTest.dynamicTest(name, () -> {
      Scenario scenario = new Scenario(name, dir);
      Scenario.Result result = scenario.run(RuleSet.builtIn());
      List<String> failures = scenario.check(result);
      assertTrue(failures.isEmpty(), String.join("\n", failures));
    });
  }

  private static Path copied() {
    return REPOSITORY;
  }

  private static List<Path> folders(Path root) throws IOException {
    try (Stream<Path> children = Files.list(root)) {
      return children.filter(p -> Files.isRegularFile(p.resolve("expected.json"))).sorted().toList();
    }
  }
}
