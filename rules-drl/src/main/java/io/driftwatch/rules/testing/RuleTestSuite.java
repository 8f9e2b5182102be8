package io.driftwatch.rules.testing;

import io.driftwatch.rules.RuleCompilationException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The fixtures and benign corpora to test a rule set with, and the problems reading them.
 *
 * <p>The built-in pack's ship in the rules jar ({@code io/driftwatch/rules/fixtures/<id>.json},
 * {@code io/driftwatch/rules/benign/*.jsonl}). A user directory follows the same layout next to
 * its DRL files: {@code DIR/fixtures/<RULE-ID>.json} and {@code DIR/benign/*.jsonl}.
 *
 * @param problems files that could not be read: they are not in {@code fixtures} or {@code corpora}
 */
public record RuleTestSuite(List<Fixture> fixtures, List<BenignCorpus> corpora, List<Problem> problems) {
  /** The folder of fixture files, in a user directory and under the built-in resource root. */
  public static final String FIXTURES = "fixtures";
  /** The folder of benign corpora. */
  public static final String BENIGN = "benign";
  private static final String BUILT_IN_ROOT = "io/driftwatch/rules/";

  public RuleTestSuite {
    fixtures = List.copyOf(fixtures);
    corpora = List.copyOf(corpora);
    problems = List.copyOf(problems);
  }

  public static RuleTestSuite empty() {
    return new RuleTestSuite(List.of(), List.of(), List.of());
  }

  /** The built-in pack's fixtures and corpora, from the classpath. */
  public static RuleTestSuite builtIn() {
    Builder suite = new Builder();
    for (String resource : resources(BUILT_IN_ROOT + FIXTURES, ".json")) {
      suite.fixture(resource, readResource(resource));
    }
    for (String resource : resources(BUILT_IN_ROOT + BENIGN, ".jsonl")) {
      suite.corpus(resource, readResource(resource));
    }
    return suite.build();
  }

  /**
   * A user directory's {@code fixtures/*.json} and {@code benign/*.jsonl} (either folder may be
   * missing); sources are named relative to the directory, e.g. {@code fixtures/ACME-001.json}.
   */
  public static RuleTestSuite directory(Path dir) {
    Builder suite = new Builder();
    for (Path file : list(dir.resolve(FIXTURES), ".json", suite)) {
      read(file, FIXTURES + "/" + file.getFileName(), suite).ifPresent(text -> suite.fixture(FIXTURES + "/" + file.getFileName(), text));
    }
    for (Path file : list(dir.resolve(BENIGN), ".jsonl", suite)) {
      read(file, BENIGN + "/" + file.getFileName(), suite).ifPresent(text -> suite.corpus(BENIGN + "/" + file.getFileName(), text));
    }
    return suite.build();
  }

  /** Both suites together: this one's first. */
  public RuleTestSuite plus(RuleTestSuite other) {
    return new RuleTestSuite(concat(fixtures, other.fixtures), concat(corpora, other.corpora), concat(problems, other.problems));
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    return Stream.concat(a.stream(), b.stream()).toList();
  }

  private static final class Builder {
    final List<Fixture> fixtures = new ArrayList<>();
    final List<BenignCorpus> corpora = new ArrayList<>();
    final List<Problem> problems = new ArrayList<>();

    void fixture(String source, String content) {
      Fixture.Read read = Fixture.read(source, content);
      problems.addAll(read.problems());
      if (read.fixture() != null) {
        fixtures.add(read.fixture());
      }
    }

    void corpus(String source, String content) {
      BenignCorpus.Read read = BenignCorpus.read(source, content);
      problems.addAll(read.problems());
      if (read.corpus() != null) {
        corpora.add(read.corpus());
      }
    }

    RuleTestSuite build() {
      return new RuleTestSuite(fixtures, corpora, problems);
    }
  }

  private static List<Path> list(Path folder, String suffix, Builder suite) {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(f -> f.getFileName().toString().endsWith(suffix) && !f.getFileName().toString().startsWith("."))
          .filter(Files::isRegularFile).sorted().toList();
    } catch (IOException | UncheckedIOException e) {
      suite.problems.add(new Problem(folder.getFileName().toString(), 0, "cannot list: " + e.getMessage()));
      return List.of();
    }
  }

  private static java.util.Optional<String> read(Path file, String source, Builder suite) {
    try {
      return java.util.Optional.of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (CharacterCodingException e) {
      suite.problems.add(new Problem(source, 0, "is not UTF-8"));
    } catch (IOException e) {
      suite.problems.add(new Problem(source, 0, "cannot read: " + e.getMessage()));
    }
    return java.util.Optional.empty();
  }

  /**
   * The resources directly in a classpath folder whose names end in {@code suffix}, in name order:
   * from a directory of classes or from a jar. Only the first classpath entry holding the folder
   * counts, as for the rule files themselves (a second copy of the rules jar is not a second pack).
   */
  static List<String> resources(String folder, String suffix) {
    ClassLoader loader = RuleTestSuite.class.getClassLoader();
    TreeSet<String> names = new TreeSet<>();
    try {
      URL first = loader.getResource(folder);
      Enumeration<URL> urls = java.util.Collections.enumeration(first == null ? List.of() : List.of(first));
      while (urls.hasMoreElements()) {
        URL url = urls.nextElement();
        switch (url.getProtocol()) {
          case "file" -> {
            try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
              files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(suffix))
                  .forEach(n -> names.add(folder + "/" + n));
            }
          }
          case "jar" -> {
            JarURLConnection connection = (JarURLConnection) url.openConnection();
            connection.setUseCaches(false);
            try (JarFile jar = connection.getJarFile()) {
              Enumeration<JarEntry> entries = jar.entries();
              while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                String rest = name.startsWith(folder + "/") ? name.substring(folder.length() + 1) : null;
                if (rest != null && !rest.contains("/") && rest.endsWith(suffix)) {
                  names.add(name);
                }
              }
            }
          }
          default -> throw new IllegalStateException("cannot list built-in rule tests at " + url);
        }
      }
    } catch (IOException | URISyntaxException e) {
      throw new IllegalStateException("cannot list built-in rule tests under " + folder + ": " + e.getMessage(), e);
    }
    return List.copyOf(names);
  }

  private static String readResource(String path) {
    try (InputStream in = RuleTestSuite.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("built-in rule test resource missing from the classpath: " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read built-in rule test resource " + path, e);
    }
  }
}
