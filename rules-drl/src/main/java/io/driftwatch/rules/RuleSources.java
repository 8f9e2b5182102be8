package io.driftwatch.rules;

import io.driftwatch.rules.RuleCompilationException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
   * Every {@code *.drl} file and every tuning file ({@code *.yaml}, {@code *.yml}) under
   * {@code dir}, recursively, in path order. Names starting with a
   * dot are skipped: a Kubernetes ConfigMap mount holds each file twice, once through
   * {@code ..data/}.
   */
  static List<DrlFile> userFiles(Path dir, Set<String> reservedPaths) throws RuleCompilationException {
    if (!Files.isDirectory(dir)) {
      throw new RuleCompilationException(List.of(new Problem(dir.toString(), 0, "not a directory")));
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.filter(p -> isDrl(p.getFileName().toString()) || isTuning(p.getFileName().toString()))
          .filter(p -> !hidden(dir.relativize(p)))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    } catch (IOException | UncheckedIOException e) {
      throw new RuleCompilationException(List.of(new Problem(dir.toString(), 0, "cannot list: " + e.getMessage())));
    }
    List<DrlFile> files = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (Path path : paths) {
      String relative = relativeName(dir, path);
      if (reservedPaths.contains(relative)) {
        problems.add(new Problem(relative, 0, "has the path of a built-in rule file; use another directory or name"));
        continue;
      }
      try {
        files.add(new DrlFile(relative, Files.readString(path, StandardCharsets.UTF_8)));
      } catch (CharacterCodingException e) {
        problems.add(new Problem(relative, 0, "is not UTF-8"));
      } catch (IOException e) {
        problems.add(new Problem(relative, 0, "cannot read: " + e.getMessage()));
      }
    }
    if (!problems.isEmpty()) {
      throw new RuleCompilationException(problems);
    }
    files.sort(Comparator.comparing(DrlFile::path));
    return files;
  }

  static boolean isDrl(String path) {
    return path.endsWith(".drl");
  }

  /** A tuning file (see {@link io.driftwatch.rules.tuning.Tuning}). */
  static boolean isTuning(String path) {
    return path.endsWith(".yaml") || path.endsWith(".yml");
  }

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static String relativeName(Path dir, Path file) {
    Path relative = dir.relativize(file);
    List<String> parts = new ArrayList<>();
    relative.forEach(part -> parts.add(part.toString()));
    return parts.stream().collect(Collectors.joining("/"));
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
