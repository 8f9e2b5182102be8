package io.driftwatch.agent.respond.k8s;

import java.util.Map;
import java.util.Objects;

/**
 * {@link KubernetesActions} for a node without a Kubernetes API (plain runc or containerd): every action is refused
 * with what can be done on such a node instead. Nothing here touches the container.
 */
public final class NoKubernetes implements KubernetesActions {

  static final String ISOLATE_ALTERNATIVE = "network isolation of a plain container needs its network namespace "
      + "(ip netns / nftables rules entered through /proc/<initPid>/ns/net) - not done by Driftwatch; PAUSE_CONTAINER "
      + "freezes its processes instead, KILL_CONTAINER ends it";
  static final String LABEL_ALTERNATIVE = "there are no pod labels on a plain runtime (runc keeps none; a containerd "
      + "container's labels can be changed by an operator with `ctr containers label`, not by Driftwatch) - the alert "
      + "stays the record";

  private final String reason;

  /** With the generic reason "no Kubernetes API on this node". */
  public NoKubernetes() {
    this("no Kubernetes API on this node");
  }

  public NoKubernetes(String reason) {
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  @Override
  public Outcome isolate(String namespace, String pod, String commandId, boolean dryRun) {
    return Outcome.notDone("cannot isolate " + target(namespace, pod) + ": " + reason + "; " + ISOLATE_ALTERNATIVE);
  }

  @Override
  public Outcome label(String namespace, String pod, Map<String, String> labels, String commandId, boolean dryRun) {
    return Outcome.notDone("cannot label " + target(namespace, pod) + ": " + reason + "; " + LABEL_ALTERNATIVE);
  }

  @Override
  public Outcome release(String namespace, String pod) {
    return Outcome.notDone("nothing to release for " + target(namespace, pod) + ": " + reason
        + "; Driftwatch never isolates a plain container's network (RESUME_CONTAINER undoes a pause)");
  }

  @Override
  public String unavailableReason() {
    return reason;
  }

  @Override
  public void close() {
  }

  @Override
  public String toString() {
    return "NoKubernetes[" + reason + "]";
  }

  private static String target(String namespace, String pod) {
    return pod == null || pod.isBlank() ? "the container" : "pod " + namespace + "/" + pod;
  }
}
