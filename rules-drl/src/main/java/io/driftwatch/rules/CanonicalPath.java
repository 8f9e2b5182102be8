package io.driftwatch.rules;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Lexical path canonicalisation: repeated slashes, {@code .} and {@code ..} are resolved, a
 * trailing slash dropped, so {@code /usr//bin/./../bin/dpkg} and {@code /usr/bin/dpkg} are one
 * path to the rules. Purely textual: symbolic links are not (and cannot be) followed here. A
 * {@code ..} above the root stays at the root, as the kernel does. Relative paths stay relative
 * (their working directory is unknown).
 */
final class CanonicalPath {
  private CanonicalPath() {}

  static String of(String path) {
    if (path == null || isCanonical(path)) {
      return path;
    }
    boolean absolute = path.startsWith("/");
    Deque<String> parts = new ArrayDeque<>();
    for (String segment : path.split("/")) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        if (!parts.isEmpty() && !parts.peekLast().equals("..")) {
          parts.removeLast();
        } else if (!absolute) {
          parts.addLast("..");
        }
        continue;
      }
      parts.addLast(segment);
    }
    String joined = String.join("/", parts);
    if (absolute) {
      return "/" + joined;
    }
    return joined.isEmpty() ? "." : joined;
  }

  /** The common case, checked without allocating. */
  /** The last component of a path (the path itself when it has no slash). */
  static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static boolean isCanonical(String path) {
    int length = path.length();
    if (length == 0) {
      return true;
    }
    if (length > 1 && path.charAt(length - 1) == '/') {
      return false;
    }
    int segmentStart = 0;
    for (int i = 0; i <= length; i++) {
      if (i == length || path.charAt(i) == '/') {
        int segmentLength = i - segmentStart;
        if (i < length && segmentLength == 0 && i > 0) {
          return false; // "//"
        }
        if (segmentLength == 1 && path.charAt(segmentStart) == '.') {
          return false;
        }
        if (segmentLength == 2 && path.charAt(segmentStart) == '.' && path.charAt(segmentStart + 1) == '.') {
          return false;
        }
        segmentStart = i + 1;
      }
    }
    return true;
  }
}
