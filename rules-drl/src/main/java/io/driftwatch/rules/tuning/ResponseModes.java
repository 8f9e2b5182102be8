package io.driftwatch.rules.tuning;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The response modes a running rule set gives each namespace: its {@link NamespaceResponse} and
 * {@link ProtectedNamespace} facts once the condition-less rules and the tuning files put them in place (shipped:
 * {@code kube-system} protected, {@code *} contain). {@link #modeOf} mirrors the policy's AlertMode rules
 * (respond/policy.drl DW-RSP-003..005): the host or a protected namespace is observe; a namespace with a mode of its
 * own has it; any other the mode of {@code *}; none at all: null (the policy issues nothing).
 */
public record ResponseModes(Map<String, String> modes, Set<String> protectedNamespaces) {
  public static final String HOST = "host";
  private static final List<String> ORDER = List.of("observe", "contain", "isolate", "kill");

  public ResponseModes {
    modes = Map.copyOf(modes);
    protectedNamespaces = Set.copyOf(protectedNamespaces);
  }

  /** The modes of these facts (other objects ignored); two modes for one namespace: the stronger, as the rules would act on both. */
  public static ResponseModes of(Iterable<?> facts) {
    Map<String, String> modes = new TreeMap<>();
    Set<String> protectedNamespaces = new TreeSet<>();
    for (Object fact : facts) {
      if (fact instanceof NamespaceResponse r) {
        modes.merge(r.getNamespace(), r.getMode(), (a, b) -> ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);
      } else if (fact instanceof ProtectedNamespace p) {
        protectedNamespaces.add(p.getName());
      }
    }
    return new ResponseModes(modes, protectedNamespaces);
  }

  /** The mode alerts of {@code namespace} (may be null) from container {@code containerId} get; null: none. */
  public String modeOf(String namespace, String containerId) {
    if (HOST.equals(containerId) || namespace != null && protectedNamespaces.contains(namespace)) {
      return "observe";
    }
    String own = namespace == null ? null : modes.get(namespace);
    return own != null ? own : modes.get(NamespaceResponse.ANY);
  }

  /** Whether {@code namespace} is protected. */
  public boolean isProtected(String namespace) {
    return namespace != null && protectedNamespaces.contains(namespace);
  }

  /** observe 0, contain 1, isolate 2, kill 3; -1 for null or unknown. */
  public static int rank(String mode) {
    return mode == null ? -1 : ORDER.indexOf(mode);
  }
}
