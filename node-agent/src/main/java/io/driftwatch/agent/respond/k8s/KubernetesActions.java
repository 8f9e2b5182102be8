package io.driftwatch.agent.respond.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The responder's Kubernetes actions: ISOLATE_NETWORK (a deny-all NetworkPolicy for one pod) and LABEL_POD, plus the undo
 * of an isolation. Every call ends in an {@link Outcome}; none throws for anything the API server or the network does.
 *
 * <p>{@link #detect()} picks the implementation for this node: {@link Fabric8KubernetesActions} when a Kubernetes API is
 * configured (in-cluster service account or a kubeconfig), {@link NoKubernetes} on a plain runc/containerd node.
 */
public interface KubernetesActions extends AutoCloseable {

  /** The pod label that a driftwatch isolation NetworkPolicy selects on. */
  String ISOLATED_LABEL = "driftwatch.io/isolated";

  /**
   * Cuts the pod off the network: labels it {@value #ISOLATED_LABEL}={@code <short command id>} and creates (or replaces)
   * a NetworkPolicy that selects exactly that label with policy types Ingress and Egress and no rules. Idempotent.
   */
  Outcome isolate(String namespace, String pod, String commandId, boolean dryRun);

  /** Merges {@code labels} into the pod's labels (other labels are kept). */
  Outcome label(String namespace, String pod, Map<String, String> labels, String commandId, boolean dryRun);

  /** Undoes {@link #isolate}: deletes the pod's isolation NetworkPolicy and removes the {@value #ISOLATED_LABEL} label. */
  Outcome release(String namespace, String pod);

  /** What a node without a Kubernetes API would need; {@code null} when this implementation talks to one. */
  default String unavailableReason() {
    return null;
  }

  @Override
  void close();

  /**
   * How an action ended.
   *
   * @param done   true when the action took effect (or, for a dry run, would have been attempted); false when it failed or
   *               was refused
   * @param detail one human sentence: what was done, or why not (with the API status code where there is one)
   */
  record Outcome(boolean done, String detail) {
    public Outcome {
      Objects.requireNonNull(detail, "detail");
    }

    public static Outcome done(String detail) {
      return new Outcome(true, detail);
    }

    public static Outcome notDone(String detail) {
      return new Outcome(false, detail);
    }
  }

  /** {@link #detect(Map, Path)} with this process's environment and home directory. */
  static KubernetesActions detect() {
    return detect(System.getenv(), Path.of(System.getProperty("user.home", "/")));
  }

  /**
   * Fabric8 when a Kubernetes configuration is available: {@code KUBERNETES_SERVICE_HOST} set (in a pod: the service
   * account), else the first existing file of {@code KUBECONFIG}, else {@code <home>/.kube/config}. {@link NoKubernetes}
   * otherwise, or when the configuration cannot be loaded (its reason says why). Building the client does not contact
   * the API server.
   */
  static KubernetesActions detect(Map<String, String> env, Path home) {
    String serviceHost = env.get("KUBERNETES_SERVICE_HOST");
    try {
      if (serviceHost != null && !serviceHost.isBlank()) {
        Config config = Config.autoConfigure(null);
        return new Fabric8KubernetesActions(client(config), "in-cluster service account (KUBERNETES_SERVICE_HOST="
            + serviceHost + ")");
      }
      Path kubeconfig = kubeconfig(env, home);
      if (kubeconfig != null) {
        Config config = Config.fromKubeconfig(kubeconfig.toFile());
        return new Fabric8KubernetesActions(client(config), "kubeconfig " + kubeconfig);
      }
    } catch (RuntimeException e) {
      return new NoKubernetes("the Kubernetes configuration could not be loaded (" + e.getClass().getSimpleName() + ": "
          + e.getMessage() + ")");
    }
    return new NoKubernetes("no Kubernetes API configured on this node (KUBERNETES_SERVICE_HOST unset, no kubeconfig in "
        + "KUBECONFIG or " + home.resolve(".kube/config") + ")");
  }

  private static KubernetesClient client(Config config) {
    // fabric8's default retries a failing request 10 times with a doubling back-off: far too long for a responder
    // that must report FAILED and move on.
    config.setRequestRetryBackoffLimit(2);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static Path kubeconfig(Map<String, String> env, Path home) {
    String list = env.get("KUBECONFIG");
    if (list != null && !list.isBlank()) {
      for (String entry : list.split(File.pathSeparator)) {
        if (!entry.isBlank() && Files.isRegularFile(Path.of(entry))) {
          return Path.of(entry);
        }
      }
    }
    Path dflt = home.resolve(".kube").resolve("config");
    return Files.isRegularFile(dflt) ? dflt : null;
  }
}
