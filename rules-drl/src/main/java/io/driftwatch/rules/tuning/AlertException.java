package io.driftwatch.rules.tuning;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * An exception to the detection rules: an alert that matches every field set here is not raised
 * (it is counted as suppressed). Unset fields match anything; at least one must be set. Insert
 * one from a rule without conditions in a package of your own, or list it in a tuning file:
 *
 * <pre>
 * insert( new AlertException( "the updater replaces its own binary" )
 *     .rule( "DW-FIM-001" ).process( "acme-updater" ).path( "/usr/local/bin/acme" ) );
 * </pre>
 *
 * <ul>
 *   <li>{@code rule}: a rule id, or a prefix ending in {@code *} (DW-FIM-*)</li>
 *   <li>{@code process}: the process name of the event that completed the match</li>
 *   <li>{@code exe}: its executable (exact)</li>
 *   <li>{@code path}: a path prefix (a directory ends in {@code /}; otherwise the exact path or
 *       anything below it); matched against the path and, for a rename or link, the new path</li>
 *   <li>{@code image}: the container image, exact or a prefix ending in {@code *}</li>
 *   <li>{@code namespace}: the Kubernetes namespace</li>
 *   <li>{@code user}: an exec-session user attributed to the alert</li>
 *   <li>{@code container}: a container name</li>
 * </ul>
 * An actor together with a target (process or user plus path) is the narrowest useful exception.
 */
public final class AlertException {
  private final String reason;
  private String rule;
  private String process;
  private String exe;
  private String path;
  private String image;
  private String namespace;
  private String user;
  private String container;

  public AlertException(String reason) {
    this.reason = reason == null ? "" : reason;
  }

  /** From a tuning file: refuses an exception without any field (it would silence every rule). */
  @JsonCreator
  static AlertException fromTuningFile(@JsonProperty("reason") String reason, @JsonProperty("rule") String rule,
                                       @JsonProperty("process") String process, @JsonProperty("exe") String exe,
                                       @JsonProperty("path") String path, @JsonProperty("image") String image,
                                       @JsonProperty("namespace") String namespace, @JsonProperty("user") String user,
                                       @JsonProperty("container") String container) {
    AlertException exception = new AlertException(reason).rule(rule).process(process).exe(exe).path(path).image(image)
        .namespace(namespace).user(user).container(container);
    if (exception.isEmpty()) {
      throw new IllegalArgumentException("an exception needs at least one of rule, process, exe, path, image,"
          + " namespace, user, container (it would silence every rule)");
    }
    return exception;
  }

  public AlertException rule(String rule) {
    this.rule = rule;
    return this;
  }

  public AlertException process(String process) {
    this.process = process;
    return this;
  }

  public AlertException exe(String exe) {
    this.exe = exe;
    return this;
  }

  public AlertException path(String path) {
    this.path = path;
    return this;
  }

  public AlertException image(String image) {
    this.image = image;
    return this;
  }

  public AlertException namespace(String namespace) {
    this.namespace = namespace;
    return this;
  }

  public AlertException user(String user) {
    this.user = user;
    return this;
  }

  public AlertException container(String container) {
    this.container = container;
    return this;
  }

  public String getReason() {
    return reason;
  }

  public String getRule() {
    return rule;
  }

  public String getProcess() {
    return process;
  }

  public String getExe() {
    return exe;
  }

  public String getPath() {
    return path;
  }

  public String getImage() {
    return image;
  }

  public String getNamespace() {
    return namespace;
  }

  public String getUser() {
    return user;
  }

  public String getContainer() {
    return container;
  }

  /** True when no field is set: such an exception would silence every rule, so it is refused. */
  public boolean isEmpty() {
    return rule == null && process == null && exe == null && path == null && image == null
        && namespace == null && user == null && container == null;
  }

  /** Whether an alert with these properties is excepted. */
  public boolean matches(String ruleId, String processName, String exePath, String eventPath, String newPath,
                         String containerImage, String podNamespace, List<String> users, String containerName) {
    if (isEmpty()) {
      return false;
    }
    return (rule == null || wildcard(rule, ruleId))
        && (process == null || process.equals(processName))
        && (exe == null || exe.equals(exePath))
        && (path == null || under(path, eventPath) || under(path, newPath))
        && (image == null || wildcard(image, containerImage))
        && (namespace == null || namespace.equals(podNamespace))
        && (user == null || users != null && users.contains(user))
        && (container == null || container.equals(containerName));
  }

  private static boolean wildcard(String pattern, String value) {
    if (value == null) {
      return false;
    }
    return pattern.endsWith("*") ? value.startsWith(pattern.substring(0, pattern.length() - 1)) : pattern.equals(value);
  }

  private static boolean under(String prefix, String path) {
    if (path == null) {
      return false;
    }
    if (prefix.endsWith("/")) {
      return path.startsWith(prefix);
    }
    return path.equals(prefix) || path.startsWith(prefix + "/");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof AlertException that && fields().equals(that.fields());
  }

  @Override
  public int hashCode() {
    return fields().hashCode();
  }

  private List<String> fields() {
    List<String> fields = new ArrayList<>();
    fields.add(reason);
    fields.add(rule);
    fields.add(process);
    fields.add(exe);
    fields.add(path);
    fields.add(image);
    fields.add(namespace);
    fields.add(user);
    fields.add(container);
    return fields;
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("AlertException[");
    String[] names = {"rule", "process", "exe", "path", "image", "namespace", "user", "container"};
    List<String> values = fields().subList(1, 9);
    String separator = "";
    for (int i = 0; i < names.length; i++) {
      if (values.get(i) != null) {
        text.append(separator).append(names[i]).append('=').append(values.get(i));
        separator = ", ";
      }
    }
    if (!reason.isEmpty()) {
      text.append(separator).append("reason=").append(reason);
    }
    return text.append(']').toString();
  }

}
