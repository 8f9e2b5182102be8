package io.driftwatch.rules;

import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.rules.classify.ClassificationFact;
import io.driftwatch.rules.classify.DirectoryRole;
import io.driftwatch.rules.classify.FileNameRole;
import io.driftwatch.rules.classify.FileRole;
import io.driftwatch.rules.classify.PathSegmentRole;
import io.driftwatch.rules.classify.ProcessRole;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kie.api.event.rule.ObjectDeletedEvent;
import org.kie.api.event.rule.ObjectInsertedEvent;
import org.kie.api.event.rule.ObjectUpdatedEvent;
import org.kie.api.event.rule.RuleRuntimeEventListener;
import org.kie.api.runtime.KieSession;

/**
 * Classifies each event with the session's classification lists ({@link ClassificationFact}s,
 * inserted by the {@code classify} rules and the tuning files) before it enters the session.
 * The index is rebuilt whenever such a fact is inserted, updated or deleted, so rules that add to
 * the lists at any time take effect with the next event. Not thread-safe: one per session.
 */
final class Classifier implements RuleRuntimeEventListener {
  static final String BINARY_DIR = "binary-dir";
  private static final int MAX_CACHED_PATHS = 50_000;
  /** The kernel keeps the first 15 characters of a program's name as the process name (comm). */
  private static final int COMM_LENGTH = 15;
  /**
   * Roles that keep a process out of alerts. A process is recognised by name only when its
   * executable lies in a binary directory (or is unknown); for these roles the executable (or the
   * script an interpreter runs) must also be the named program, since a name is easy to take.
   */
  static final Set<String> EXEMPTING_ROLES =
      Set.of("package-manager", "log-rotator", "auth-tool", "certificate-tool", "logger", "backup-agent");
  /** At most this many arguments of a command line are classified (the rest are rarely paths worth a look). */
  private static final int MAX_ARGUMENTS = 64;
  /** An argument longer than this is not read as a path. */
  private static final int MAX_ARGUMENT_LENGTH = 4096;
  /** Characters of shell syntax around a path in a {@code sh -c} command line: quotes, redirections, separators. */
  /** Executables that run the applet their argv[0] names. */
  private static final Set<String> MULTI_CALL_BINARIES = Set.of("busybox", "toybox");
  private static final String SHELL_PUNCTUATION = "'\"`<>|;&()";

  private final KieSession session;
  private boolean stale = true;
  private Map<String, Set<String>> directories = Map.of();
  private Map<String, Set<String>> files = Map.of();
  private Map<String, Set<String>> names = Map.of();
  private List<Map.Entry<String, Set<String>>> nameSuffixes = List.of();
  private List<Map.Entry<String, Set<String>>> namePrefixes = List.of();
  private Map<String, Set<String>> segments = Map.of();
  private Map<String, Set<String>> processes = Map.of();
  /** Path to roles: most events touch a few hot paths again and again. */
  private final Map<String, Set<String>> pathCache = new HashMap<>();
  private final Map<String, Boolean> trustedExeCache = new HashMap<>();

  Classifier(KieSession session) {
    this.session = session;
    session.addEventListener(this);
  }

  void classify(ClassifiedEvent event) {
    if (stale) {
      rebuild();
    }
    Set<String> pathRoles = pathRoles(event.getPath());
    Set<String> newPathRoles = event.getNewPath() == null ? Set.of() : pathRoles(event.getNewPath());
    event.classify(pathRoles, newPathRoles, actorRoles(event), modeChanges(event), parentRoles(event.getPath()),
        argumentRoles(event));
  }

  /** Roles of the directory a canonical path is in (of "/etc" for "/etc/x"); none for "/" or a relative name. */
  private Set<String> parentRoles(String path) {
    if (path == null) {
      return Set.of();
    }
    int slash = path.lastIndexOf('/');
    if (slash <= 0) {
      return Set.of();
    }
    return pathRoles(path.substring(0, slash));
  }

  /**
   * The roles of an EXEC's arguments, each read as a path: see {@link ClassifiedEvent#getArgumentRoles()}. Not
   * cached: command lines rarely repeat, and an EXEC is far rarer than a file event.
   */
  private Set<String> argumentRoles(FileEvent event) {
    String cmdline = event.getCmdline();
    if (event.getType() != EventType.EXEC || cmdline == null || cmdline.isEmpty()) {
      return Set.of();
    }
    Set<String> roles = null;
    int argument = 0;
    int length = cmdline.length();
    int start = 0;
    while (start < length && argument <= MAX_ARGUMENTS) {
      int end = start;
      while (end < length && separatorAt(cmdline, end) == 0) {
        end++;
      }
      if (end > start) {
        if (argument > 0 && end - start <= MAX_ARGUMENT_LENGTH) {
          String path = argumentPath(cmdline.substring(start, end));
          if (path != null) {
            roles = add(roles, rolesOf(path));
          }
        }
        argument++;
      }
      start = end < length ? end + separatorAt(cmdline, end) : end;
    }
    return roles == null ? Set.of() : Set.copyOf(roles);
  }

  /**
   * The length of the separator of words at {@code i} in a command line, 0 for none: a space, shell punctuation (a
   * {@code sh -c} script's quotes, redirections and separators), or a newline, tab or carriage return as the sensors
   * write them ({@code \x0a}: FieldText escapes control characters).
   */
  private static int separatorAt(String cmdline, int i) {
    char c = cmdline.charAt(i);
    if (c == ' ' || SHELL_PUNCTUATION.indexOf(c) >= 0) {
      return 1;
    }
    if (c == '\\' && i + 3 < cmdline.length() && cmdline.charAt(i + 1) == 'x' && cmdline.charAt(i + 2) == '0'
        && "9aAdD".indexOf(cmdline.charAt(i + 3)) >= 0 && (i == 0 || cmdline.charAt(i - 1) != '\\')) {
      return 4;
    }
    return 0;
  }

  /**
   * An argument as a canonical absolute path, or null for an option or nothing: shell punctuation at its ends
   * dropped (arguments of {@code sh -c}), a relative one taken from /, glob stars at the ends of its name dropped.
   */
  static String argumentPath(String argument) {
    int from = 0;
    int to = argument.length();
    while (from < to && SHELL_PUNCTUATION.indexOf(argument.charAt(from)) >= 0) {
      from++;
    }
    while (to > from && SHELL_PUNCTUATION.indexOf(argument.charAt(to - 1)) >= 0) {
      to--;
    }
    if (from == to || argument.charAt(from) == '-') {
      return null;
    }
    String text = argument.substring(from, to);
    String path = CanonicalPath.of(text.startsWith("/") ? text : "/" + text);
    int slash = path.lastIndexOf('/');
    String name = path.substring(slash + 1);
    int nameFrom = 0;
    int nameTo = name.length();
    while (nameFrom < nameTo && name.charAt(nameFrom) == '*') {
      nameFrom++;
    }
    while (nameTo > nameFrom && name.charAt(nameTo - 1) == '*') {
      nameTo--;
    }
    if (nameFrom == 0 && nameTo == name.length()) {
      return path;
    }
    String directory = slash == 0 ? "/" : path.substring(0, slash);
    if (nameFrom == nameTo) {
      return directory; // "/dev/shm/*": the directory
    }
    return (slash == 0 ? "/" : directory + "/") + name.substring(nameFrom, nameTo);
  }

  /** Roles of a canonical path: of the file, its name, every directory above it and every directory name in it. */
  Set<String> pathRoles(String path) {
    if (path == null || path.isEmpty()) {
      return Set.of();
    }
    Set<String> cached = pathCache.get(path);
    if (cached != null) {
      return cached;
    }
    Set<String> result = rolesOf(path);
    if (pathCache.size() >= MAX_CACHED_PATHS) {
      pathCache.clear();
    }
    pathCache.put(path, result);
    return result;
  }

  /** {@link #pathRoles} without the cache. */
  private Set<String> rolesOf(String path) {
    if (stale) {
      rebuild();
    }
    Set<String> roles = null;
    roles = add(roles, files.get(path));
    String name = CanonicalPath.fileName(path);
    roles = add(roles, names.get(name));
    for (Map.Entry<String, Set<String>> suffix : nameSuffixes) {
      if (name.endsWith(suffix.getKey())) {
        roles = add(roles, suffix.getValue());
      }
    }
    for (Map.Entry<String, Set<String>> prefix : namePrefixes) {
      if (name.startsWith(prefix.getKey())) {
        roles = add(roles, prefix.getValue());
      }
    }
    // Every directory above the file: /a/b/c -> "/a/b/", "/a/", "/" (and the segments "b", "a").
    int slash = path.lastIndexOf('/');
    while (slash >= 0) {
      roles = add(roles, directories.get(path.substring(0, slash + 1)));
      int previous = path.lastIndexOf('/', slash - 1);
      if (previous >= 0 && !segments.isEmpty()) {
        roles = add(roles, segments.get(path.substring(previous + 1, slash)));
      }
      slash = previous;
    }
    return roles == null ? Set.of() : Set.copyOf(roles);
  }

  private Set<String> actorRoles(FileEvent event) {
    String name = event.getProcessName();
    if (name == null) {
      return Set.of();
    }
    Set<String> roles = processes.get(name);
    if (roles == null) {
      return Set.of();
    }
    String exe = event.getExe();
    if (exe == null) {
      return roles;
    }
    String canonicalExe = CanonicalPath.of(exe);
    if (!inBinaryDirectory(canonicalExe)) {
      return Set.of();
    }
    if (isProgram(name, canonicalExe) || roles.stream().noneMatch(EXEMPTING_ROLES::contains)) {
      return roles;
    }
    // A role that exempts from alerts, for a process whose executable has another name: granted
    // only when the script the interpreter runs is that program (pip under python3,
    // dpkg-maintscript-helper under sh), or the applet a multi-call binary runs is (su, login,
    // syslogd as busybox applets on Alpine), never to a script that merely calls itself dpkg. When
    // the sensor could not read the command line (the process was gone), the name and the
    // interpreter's place are all there is to go by.
    if (event.getCmdline() == null || runsScript(name, event.getCmdline())
        || runsApplet(name, canonicalExe, event.getCmdline())) {
      return roles;
    }
    Set<String> withoutExempting = new LinkedHashSet<>(roles);
    withoutExempting.removeAll(EXEMPTING_ROLES);
    return Set.copyOf(withoutExempting);
  }

  /** The executable is the named program: its file name, or the first 15 characters of it (comm). */
  private static boolean isProgram(String name, String path) {
    String file = CanonicalPath.fileName(path);
    return file.equals(name) || name.length() == COMM_LENGTH && file.startsWith(name);
  }

  /**
   * A multi-call binary (busybox, toybox) runs the applet its argv[0] names, or its argv[1] when argv[0] is the
   * binary itself: so the applet is the named program, whatever the name of the link that started it.
   */
  private static boolean runsApplet(String name, String exe, String cmdline) {
    if (!MULTI_CALL_BINARIES.contains(CanonicalPath.fileName(exe))) {
      return false;
    }
    String[] arguments = cmdline.split(" ", 3);
    String applet = CanonicalPath.fileName(arguments[0]);
    if (MULTI_CALL_BINARIES.contains(applet) && arguments.length > 1) {
      applet = CanonicalPath.fileName(arguments[1]);
    }
    if (applet.startsWith("-")) {
      applet = applet.substring(1); // a login shell's argv[0]
    }
    return applet.equals(name) || name.length() == COMM_LENGTH && applet.startsWith(name);
  }

  private boolean runsScript(String name, String cmdline) {
    if (cmdline == null) {
      return false;
    }
    for (String argument : cmdline.split(" ")) {
      if (argument.startsWith("/") && isProgram(name, argument) && inBinaryDirectory(CanonicalPath.of(argument))) {
        return true;
      }
    }
    return false;
  }

  /** Whether a canonical path lies in a binary directory. */
  private boolean inBinaryDirectory(String path) {
    Boolean trusted = trustedExeCache.get(path);
    if (trusted == null) {
      trusted = pathRoles(path).contains(BINARY_DIR);
      if (trustedExeCache.size() >= MAX_CACHED_PATHS) {
        trustedExeCache.clear();
      }
      trustedExeCache.put(path, trusted);
    }
    return trusted;
  }

  private static Set<String> modeChanges(FileEvent event) {
    EventType type = event.getType();
    Integer mode = event.getMode();
    if (mode == null || (type != EventType.CHMOD && type != EventType.CREATE)) {
      return Set.of();
    }
    Integer previous = event.getPreviousMode();
    Set<String> changes = null;
    changes = addsBits(changes, mode, previous, 0111, "adds-execute");
    changes = addsBits(changes, mode, previous, 04000, "adds-setuid");
    changes = addsBits(changes, mode, previous, 02000, "adds-setgid");
    changes = addsBits(changes, mode, previous, 0002, "adds-world-write");
    return changes == null ? Set.of() : Set.copyOf(changes);
  }

  private static Set<String> addsBits(Set<String> changes, int mode, Integer previous, int bits, String change) {
    if ((mode & bits) != 0 && (previous == null || (previous & bits) == 0)) {
      Set<String> result = changes == null ? new LinkedHashSet<>() : changes;
      result.add(change);
      return result;
    }
    return changes;
  }

  private static Set<String> add(Set<String> roles, Set<String> more) {
    if (more == null) {
      return roles;
    }
    Set<String> result = roles == null ? new LinkedHashSet<>() : roles;
    result.addAll(more);
    return result;
  }

  private void rebuild() {
    Map<String, Set<String>> directories = new HashMap<>();
    Map<String, Set<String>> files = new HashMap<>();
    Map<String, Set<String>> names = new HashMap<>();
    Map<String, Set<String>> suffixes = new HashMap<>();
    Map<String, Set<String>> prefixes = new HashMap<>();
    Map<String, Set<String>> segments = new HashMap<>();
    Map<String, Set<String>> processes = new HashMap<>();
    for (Object fact : session.getObjects(object -> object instanceof ClassificationFact)) {
      if (fact instanceof DirectoryRole role) {
        put(directories, role.getDir(), role.getRole());
      } else if (fact instanceof FileRole role) {
        put(files, CanonicalPath.of(role.getPath()), role.getRole());
      } else if (fact instanceof FileNameRole role) {
        String name = role.getName();
        if (name.length() > 1 && name.startsWith("*")) {
          put(suffixes, name.substring(1), role.getRole());
        } else if (name.length() > 1 && name.endsWith("*")) {
          put(prefixes, name.substring(0, name.length() - 1), role.getRole());
        } else {
          put(names, name, role.getRole());
        }
      } else if (fact instanceof PathSegmentRole role) {
        put(segments, role.getSegment(), role.getRole());
      } else if (fact instanceof ProcessRole role) {
        put(processes, role.getName(), role.getRole());
      }
    }
    this.directories = frozen(directories);
    this.files = frozen(files);
    this.names = frozen(names);
    this.nameSuffixes = new ArrayList<>(frozen(suffixes).entrySet());
    this.namePrefixes = new ArrayList<>(frozen(prefixes).entrySet());
    this.segments = frozen(segments);
    this.processes = frozen(processes);
    pathCache.clear();
    trustedExeCache.clear();
    stale = false;
  }

  private static Map<String, Set<String>> frozen(Map<String, Set<String>> index) {
    index.replaceAll((key, roles) -> Set.copyOf(roles));
    return index;
  }

  private static void put(Map<String, Set<String>> index, String key, String role) {
    index.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(role);
  }

  @Override
  public void objectInserted(ObjectInsertedEvent event) {
    if (event.getObject() instanceof ClassificationFact) {
      stale = true;
    }
  }

  @Override
  public void objectUpdated(ObjectUpdatedEvent event) {
    if (event.getObject() instanceof ClassificationFact || event.getOldObject() instanceof ClassificationFact) {
      stale = true;
    }
  }

  @Override
  public void objectDeleted(ObjectDeletedEvent event) {
    if (event.getOldObject() instanceof ClassificationFact) {
      stale = true;
    }
  }
}
