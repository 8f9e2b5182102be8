package io.driftwatch.rules.classify;

import java.util.Objects;

/**
 * A reference fact of the classification lists: something (a directory, a file, a file name, a
 * directory name, a process name) plays a role. The evaluator reads every such fact in the
 * session into an index and classifies each event with it before the event enters the session
 * (see {@code io.driftwatch.rules.ClassifiedEvent}).
 */
public interface ClassificationFact {
  String getRole();

  static String directory(String dir) {
    String absolute = absolute(dir, "dir");
    return absolute.endsWith("/") ? absolute : absolute + "/";
  }

  static String absolute(String path, String what) {
    Objects.requireNonNull(path, what);
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(what + " must be an absolute path: " + path);
    }
    return path;
  }

  static String name(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.indexOf('/') >= 0) {
      throw new IllegalArgumentException("a name has no '/' and is not empty: " + name);
    }
    return name;
  }
}
