package io.driftwatch.rules;

import io.driftwatch.rules.RuleCompilationException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/** Finds the DRL files of a rule set: the shipped pack on the classpath and a user directory. */
final class RuleSources {
  /**
   * Lists the shipped DRL files, one classpath resource per line. An index rather than a
   * classpath scan, because directory listing does not work inside every kind of jar; the
   * rule-lint test checks that it names every DRL file under src/main/resources.
   */
  static final String BUILT_IN_INDEX = "io/driftwatch/rules/rule-pack.list";

  private RuleSources() {}

  static List<DrlFile> builtIn() {
    ClassLoader loader = RuleSources.class.getClassLoader();
    List<DrlFile> files = new ArrayList<>();
    for (String path : readResource(loader, BUILT_IN_INDEX).lines().map(String::strip)
        .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList()) {
      files.add(new DrlFile(path, readResource(loader, path)));
    }
    files.sort(Comparator.comparing(DrlFile::path));
    return files;
  }

  /**
   * The user's files of a rule directory, as a bundle carries them ({@link RuleBundles#read}:
   * {@code *.drl} and tuning files, not below {@code fixtures/} or {@code benign/}, names starting
   * with a dot skipped: a Kubernetes ConfigMap mount holds each file twice, once through
   * {@code ..data/}), in path order. A file at the path of a built-in one is refused.
   */
  static List<DrlFile> userFiles(Path dir, Set<String> reservedPaths) throws RuleCompilationException {
    List<DrlFile> files = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    RuleBundles.read(dir).forEach((relative, content) -> {
      if (reservedPaths.contains(relative)) {
        problems.add(new Problem(relative, 0, "has the path of a built-in rule file; use another directory or name"));
      } else {
        files.add(new DrlFile(relative, content));
      }
    });
    if (!problems.isEmpty()) {
      throw new RuleCompilationException(problems);
    }
    return files;
  }

  static boolean isDrl(String path) {
    return path.endsWith(".drl");
  }

  /** A tuning file (see {@link io.driftwatch.rules.tuning.Tuning}). */
  static boolean isTuning(String path) {
    return path.endsWith(".yaml") || path.endsWith(".yml");
  }

  private static String readResource(ClassLoader loader, String path) {
    try (InputStream in = loader.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("built-in rule resource missing from the classpath: " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read built-in rule resource " + path, e);
    }
  }
}
