package io.driftwatch.rules.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Enrichment;
import io.driftwatch.rules.RuleCompilationException.Problem;
import io.driftwatch.rules.RuleSet;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading fixtures (problems at their line) and what the runner says when a case fails. */
class FixtureTest {

  @Test
  void aFixtureReadsWithDefaultsAndOptionalContainer() {
    Fixture.Read read = Fixture.read("fixtures/ACME-1.json", """
        {"rule": "ACME-1",
         "fires": [{"name": "written", "events": [{"type": "OPEN_WRITE", "path": "/etc/x", "t": 5, "users": ["alice"]}]}],
         "quiet": [{"events": [{"type": "OPEN_READ", "path": "/etc/x"}], "container": null}]}
        """);
    assertTrue(read.problems().isEmpty(), read.problems().toString());
    Fixture fixture = read.fixture();
    assertEquals("ACME-1", fixture.ruleId());
    Fixture.Case fires = fixture.fires().get(0);
    assertEquals("ACME-1 case 'written'", fires.toString());
    assertEquals(FixtureEvents.T0 + 5, fires.last().getTimestamp());
    assertEquals(List.of("alice"), fires.events().get(0).getUsers());
    assertEquals("payments", fires.events().get(0).getContainer().getNamespace());
    Fixture.Case quiet = fixture.quiet().get(0);
    assertEquals("ACME-1 near miss 'case 1'", quiet.toString());
    assertNull(quiet.events().get(0).getContainer());
    assertEquals(Enrichment.METADATA_MISSING, quiet.events().get(0).getEnrichment());
  }

  @Test
  void everyProblemIsReportedAtItsLine() {
    Fixture.Read read = Fixture.read("fixtures/ACME-2.json", """
        {"rule": "ACME-3",
         "fires": [
           {"name": "a", "events": [
             {"type": "OPEN_WRITE", "path": "/x", "proccessName": "vi"}]},
           {"name": "b", "events": []},
           {"name": "c", "events": [{"type": "OPEN_WRITE", "path": "/x", "mode": "0644"}]}
         ]}
        """);
    assertNull(read.fixture());
    List<String> problems = read.problems().stream().map(Problem::toString).toList();
    assertTrue(problems.contains("fixtures/ACME-2.json:1: has the fixtures of rule ACME-3: call the file ACME-3.json"), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("fixtures/ACME-2.json:4: unknown field \"proccessName\"")), problems.toString());
    assertTrue(problems.contains("fixtures/ACME-2.json:5: case 'b' needs \"events\": a non-empty array of events"), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("fixtures/ACME-2.json:6: case 'c', event 1: field 'mode'")), problems.toString());

    Fixture.Read broken = Fixture.read("fixtures/X.json", "{\n  \"rule\": \"X\",\n  \"fires\": [\n}\n");
    assertEquals(4, broken.problems().get(0).line(), broken.problems().toString());
    assertTrue(broken.problems().get(0).message().startsWith("not valid JSON"), broken.problems().toString());
  }

  @Test
  void aCaseMayGiveItsContainersImageWithDefaultsAndBadEntriesAreProblemsAtTheirLine() {
    Fixture.Read read = Fixture.read("fixtures/ACME-4.json", """
        {"rule": "ACME-4",
         "fires": [{"name": "with image", "image": [{"path": "/usr/bin", "kind": "DIR"}, {"path": "/usr/bin/env"},
                                                      {"path": "/bin", "kind": "SYMLINK", "linkTarget": "usr/bin"}],
                    "events": [{"type": "EXEC", "path": "/usr/bin/env"}]},
                   {"name": "digest of its own", "container": {"imageDigest": "sha256:abc"}, "image": [],
                    "events": [{"type": "EXEC", "path": "/x"}]}],
         "quiet": [{"name": "without", "events": [{"type": "EXEC", "path": "/x"}]}]}
        """);
    assertTrue(read.problems().isEmpty(), read.problems().toString());
    Fixture.Case with = read.fixture().fires().get(0);
    assertEquals(1, with.images().size());
    var image = with.images().get(0);
    assertEquals(FixtureEvents.IMAGE_DIGEST, image.getImageDigest());
    assertEquals(FixtureEvents.IMAGE_DIGEST, with.events().get(0).getContainer().getImageDigest(),
        "the case's container runs the image");
    assertEquals(List.of(0755, 0755, 0777), image.getFiles().stream().map(f -> f.getMode()).toList());
    assertEquals("FILE", image.getFiles().get(1).getKind().name());
    assertEquals("sha256:abc", read.fixture().fires().get(1).images().get(0).getImageDigest());
    assertEquals(List.of(), read.fixture().quiet().get(0).images());
    assertNull(read.fixture().quiet().get(0).events().get(0).getContainer().getImageDigest());

    Fixture.Read bad = Fixture.read("fixtures/ACME-5.json", """
        {"rule": "ACME-5",
         "fires": [{"name": "a", "image": [{"path": "/x", "kind": "SOCKET"}], "events": [{"type": "EXEC", "path": "/x"}]},
                   {"name": "b", "image": {"path": "/x"}, "events": [{"type": "EXEC", "path": "/x"}]},
                   {"name": "c", "image": [{"path": "/x"}, {"path": "/x"}], "events": [{"type": "EXEC", "path": "/x"}]},
                   {"name": "d", "container": null, "image": [], "events": [{"type": "EXEC", "path": "/x"}]}]}
        """);
    List<String> problems = bad.problems().stream().map(Problem::toString).toList();
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("fixtures/ACME-5.json:2: case 'a': image file 1: field 'kind'")),
        problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("fixtures/ACME-5.json:3: case 'b': image \"image\" is an array")),
        problems.toString());
    assertTrue(problems.contains("fixtures/ACME-5.json:4: case 'c': image file 2: path '/x' given twice"), problems.toString());
    assertTrue(problems.contains("fixtures/ACME-5.json:5: case 'd': \"image\" needs a container (its imageDigest names the"
        + " image)"), problems.toString());
  }

  @Test
  void aFailingCaseSaysWhatItExpectedAndWhatItGot() {
    Fixture fixture = Fixture.read("fixtures/DW-FIM-001.json", """
        {"rule": "DW-FIM-001",
         "fires": [{"name": "only a read", "events": [{"type": "OPEN_READ", "path": "/usr/bin/dpkg", "processName": "cp"}]}],
         "quiet": [{"name": "cp overwrites dpkg", "events": [{"type": "OPEN_WRITE", "path": "/usr/bin/dpkg", "processName": "cp", "exe": "/bin/cp"}]}]}
        """).fixture();
    assertNotNull(fixture);
    RuleTests.Report report = RuleTests.run(RuleSet.builtIn(), new RuleTestSuite(List.of(fixture), List.of(), List.of()));
    List<String> failures = report.failures().stream().map(RuleTests.Failure::toString).toList();
    assertEquals(List.of(
        "fixtures/DW-FIM-001.json:2: DW-FIM-001 case 'only a read': expected an alert, got none",
        "fixtures/DW-FIM-001.json:3: DW-FIM-001 near miss 'cp overwrites dpkg': expected no alert, got DW-FIM-001 (HIGH)"
            + " on event 1 (OPEN_WRITE /usr/bin/dpkg by cp)"), failures);
    assertEquals("FAILED: 2 of 2 cases, 0 of 0 benign corpora; failing rules: DW-FIM-001", report.summary());
  }

  @Test
  void validationReportsEveryCompileErrorOfADirectory() throws Exception {
    Path broken = Path.of(FixtureTest.class.getResource("/user-rules/broken").toURI());
    RuleValidator.Report report = RuleValidator.validate(broken);
    List<String> files = report.errors().stream().map(Problem::file).toList();
    assertTrue(files.contains("broken.drl") && files.contains("sub/unknown_field.drl"), report.errors().toString());
  }
}
