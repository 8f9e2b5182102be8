package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleBundlesTest {
  private static final String RULE = """
      package acme.opt;

      import io.driftwatch.model.FileEvent;
      global io.driftwatch.rules.Detections detections;

      rule "Acme tool changed"
          @id( "ACME-OPT-001" ) @severity( "LOW" ) @mitre( "T1565" ) @tags( "acme" ) @maturity( "stable" )
          @description( "A file under /opt/acme changed." ) @falsePositives( "Deploys." )
          @Propagation( EAGER )
      when
          $e : FileEvent( path str[startsWith] "/opt/acme/" )
      then
          detections.alert( drools, "acme file changed", $e );
      end
      """;

  @TempDir
  Path dir;

  @Test
  void readsRuleAndTuningFilesSkippingHiddenPathsFixturesAndBenign() throws Exception {
    write("acme/opt.drl", RULE);
    write("acme/tuning.yaml", "allow: []\n");
    write("other.yml", "x: 1\n");
    write("notes.txt", "not a rule file");
    write(".hidden.drl", "ignored");
    write("..data/acme/opt.drl", "ignored: ConfigMap mirror");
    write("fixtures/case.drl", "ignored");
    write("benign/case.yaml", "ignored");

    Map<String, String> files = RuleBundles.read(dir);

    assertEquals(List.of("acme/opt.drl", "acme/tuning.yaml", "other.yml"), List.copyOf(files.keySet()));
    assertEquals(RULE, files.get("acme/opt.drl"));
  }

  @Test
  void compilesToTheSameVersionAsLoadingTheDirectory() throws Exception {
    write("acme/opt.drl", RULE);
    RuleSet fromBundle = RuleBundles.compile(RuleBundles.read(dir));
    RuleSet fromDirectory = RuleSet.load(dir);
    assertEquals(fromDirectory.version(), fromBundle.version());
    assertTrue(fromBundle.rules().stream().anyMatch(r -> r.id().equals("ACME-OPT-001")));
    assertEquals(RuleSet.builtIn().version(), RuleBundles.compile(Map.of()).version());
  }

  @Test
  void tuningFilesArePartOfTheSet() throws Exception {
    write("acme/opt.drl", RULE);
    String withoutTuning = RuleBundles.compile(RuleBundles.read(dir)).version();
    write("acme/tuning.yaml", "roles:\n  binary-dir:\n    directories: [/opt/acme/bin/]\n");
    RuleSet withTuning = RuleBundles.compile(RuleBundles.read(dir));
    assertNotEquals(withoutTuning, withTuning.version());
    assertEquals(RuleSet.load(dir).version(), withTuning.version());

    write("acme/tuning.yaml", "roles: [\n");
    RuleCompilationException refused = assertThrows(RuleCompilationException.class,
        () -> RuleBundles.compile(RuleBundles.read(dir)));
    assertTrue(refused.problems().stream().anyMatch(p -> p.file().equals("acme/tuning.yaml")), refused.getMessage());
  }

  @Test
  void refusesABrokenFileWithFileAndLine() {
    Map<String, String> files = Map.of("acme/broken.drl", "package acme;\n\nrule \"broken\"\nwhen\n  FileEvent( path == )\nthen\nend\n");
    RuleCompilationException refused = assertThrows(RuleCompilationException.class, () -> RuleBundles.compile(files));
    assertTrue(refused.problems().stream().anyMatch(p -> p.file().equals("acme/broken.drl") && p.line() == 5),
        refused.getMessage());
  }

  @Test
  void refusesPathsThatAreNotPlainRelativeRuleFiles() {
    for (String path : List.of("/etc/passwd.drl", "../up.drl", "a//b.drl", "a/./b.drl", "notes.txt")) {
      RuleCompilationException refused = assertThrows(RuleCompilationException.class,
          () -> RuleBundles.compile(Map.of(path, RULE)), path);
      assertEquals(path, refused.problems().get(0).file());
    }
    String builtIn = RuleSources.builtIn().get(0).path();
    RuleCompilationException shadowing = assertThrows(RuleCompilationException.class,
        () -> RuleBundles.compile(Map.of(builtIn, RULE)));
    assertTrue(shadowing.getMessage().contains("built-in"), shadowing.getMessage());
  }

  @Test
  void digestIgnoresMapOrderAndSeesEveryByte() {
    Map<String, String> a = new TreeMap<>(Map.of("a.drl", "x", "b.yaml", "y"));
    Map<String, String> b = new java.util.LinkedHashMap<>();
    b.put("b.yaml", "y");
    b.put("a.drl", "x");
    assertEquals(RuleBundles.sha256(a), RuleBundles.sha256(b));
    assertEquals(64, RuleBundles.sha256(a).length());
    assertNotEquals(RuleBundles.sha256(a), RuleBundles.sha256(Map.of("a.drl", "x", "b.yaml", "y ")));
    assertNotEquals(RuleBundles.sha256(Map.of("ab.drl", "")), RuleBundles.sha256(Map.of("a.drl", "b")));
  }

  @Test
  void aMissingDirectoryIsAProblemNotACrash() {
    RuleCompilationException refused = assertThrows(RuleCompilationException.class,
        () -> RuleBundles.read(dir.resolve("missing")));
    assertTrue(refused.getMessage().contains("not a directory"), refused.getMessage());
  }

  private void write(String relative, String content) throws Exception {
    Path file = dir.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }
}
