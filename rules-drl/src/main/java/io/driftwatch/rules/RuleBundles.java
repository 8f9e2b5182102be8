package io.driftwatch.rules;

import io.driftwatch.rules.RuleCompilationException.Problem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A rule bundle: the user's part of a rule set as plain data, {@code relative path -> text}, so
 * that it can travel (the compacted rules topic, {@code rules publish}) and be compiled anywhere
 * with the built-in pack of the process that receives it.
 *
 * <p>A bundle holds every regular file under a rules directory whose name ends in {@code .drl},
 * {@code .yaml} or {@code .yml}, skipping hidden paths (any part starting with a dot: a Kubernetes
 * ConfigMap mount holds each file twice, once through {@code ..data/}) and the {@code fixtures/}
 * and {@code benign/} subdirectories (rule tests, not rules). Compilation hands every file to
 * {@link RuleSet}, which compiles the DRL and reads the others as tuning files.
 */
public final class RuleBundles {
  /** Suffixes of the files a bundle carries. */
  public static final List<String> SUFFIXES = List.of(".drl", ".yaml", ".yml");
  /** Subdirectories of a rules directory that hold tests, not rules. */
  public static final Set<String> SKIPPED_DIRECTORIES = Set.of("fixtures", "benign");

  private RuleBundles() {}

  /**
   * Compiles the built-in pack with the bundle's files. The result is the same rule set (and
   * {@link RuleSet#version()}) as {@link RuleSet#load(Path)} of the directory the bundle was read
   * from.
   *
   * @param userFiles relative path ({@code /}-separated) to text, as from {@link #read(Path)}
   * @throws RuleCompilationException with every problem, as {@code file:line: message}
   */
  public static RuleSet compile(Map<String, String> userFiles) throws RuleCompilationException {
    List<DrlFile> builtIn = RuleSources.builtIn();
    Set<String> builtInPaths = builtIn.stream().map(DrlFile::path).collect(Collectors.toSet());
    List<Problem> problems = new ArrayList<>();
    List<DrlFile> user = new ArrayList<>();
    for (Map.Entry<String, String> file : new TreeMap<>(userFiles).entrySet()) {
      String path = file.getKey();
      String problem = pathProblem(path);
      if (problem != null) {
        problems.add(new Problem(path, 0, problem));
      } else if (builtInPaths.contains(path)) {
        problems.add(new Problem(path, 0, "has the path of a built-in rule file; use another directory or name"));
      } else if (file.getValue() == null) {
        problems.add(new Problem(path, 0, "has no content"));
      } else {
        user.add(new DrlFile(path, file.getValue()));
      }
    }
    if (!problems.isEmpty()) {
      throw new RuleCompilationException(problems);
    }
    return RuleSet.compile(builtIn, user);
  }

  /**
   * The bundle of a rules directory: every file it carries (see the class comment), keyed by its
   * path relative to {@code dir} with {@code /} separators, in path order.
   *
   * @throws RuleCompilationException when the directory is missing or a file cannot be read or is not UTF-8
   */
  public static SortedMap<String, String> read(Path dir) throws RuleCompilationException {
    if (!Files.isDirectory(dir)) {
      throw new RuleCompilationException(List.of(new Problem(dir.toString(), 0, "not a directory")));
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.filter(p -> carried(dir.relativize(p)))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    } catch (IOException | UncheckedIOException e) {
      throw new RuleCompilationException(List.of(new Problem(dir.toString(), 0, "cannot list: " + e.getMessage())));
    }
    SortedMap<String, String> files = new TreeMap<>();
    List<Problem> problems = new ArrayList<>();
    for (Path path : paths) {
      String relative = relativeName(dir, path);
      try {
        files.put(relative, Files.readString(path, StandardCharsets.UTF_8));
      } catch (CharacterCodingException e) {
        problems.add(new Problem(relative, 0, "is not UTF-8"));
      } catch (IOException e) {
        problems.add(new Problem(relative, 0, "cannot read: " + e.getMessage()));
      }
    }
    if (!problems.isEmpty()) {
      throw new RuleCompilationException(problems);
    }
    return Collections.unmodifiableSortedMap(files);
  }

  /**
   * SHA-256 (64 hex digits) over the bundle's files in path order, each path and text followed by
   * a NUL: equal bundles have equal digests, whatever the order of the map.
   */
  public static String sha256(Map<String, String> userFiles) {
    MessageDigest digest = Hashes.sha256();
    for (Map.Entry<String, String> file : new TreeMap<>(userFiles).entrySet()) {
      digest.update(file.getKey().getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(String.valueOf(file.getValue()).getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Whether a path relative to a rules directory is one a bundle carries (by name; regular-file check aside). */
  static boolean carried(Path relative) {
    if (relative.getNameCount() == 0 || relative.toString().isEmpty()) {
      return false;
    }
    for (int i = 0; i < relative.getNameCount(); i++) {
      String part = relative.getName(i).toString();
      if (part.startsWith(".")) {
        return false;
      }
      if (i < relative.getNameCount() - 1 && SKIPPED_DIRECTORIES.contains(part)) {
        return false;
      }
    }
    String name = relative.getFileName().toString();
    return SUFFIXES.stream().anyMatch(name::endsWith);
  }

  /** Why a bundle path is not acceptable, or null: bundles come from other processes and must stay relative. */
  private static String pathProblem(String path) {
    if (path == null || path.isBlank()) {
      return "empty file name";
    }
    if (path.startsWith("/") || path.contains("\\") || path.contains("\u0000")) {
      return "not a relative path with / separators";
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return "not a plain relative path (empty, . or .. parts)";
      }
    }
    if (SUFFIXES.stream().noneMatch(path::endsWith)) {
      return "not a rule file (" + String.join(", ", SUFFIXES) + ")";
    }
    return null;
  }

  private static String relativeName(Path dir, Path file) {
    Path relative = dir.relativize(file);
    List<String> parts = new ArrayList<>();
    relative.forEach(part -> parts.add(part.toString()));
    return String.join("/", parts);
  }
}
