package io.driftwatch.agent.respond.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * {@link KubernetesActions} through the Kubernetes API with the fabric8 client.
 *
 * <p>Pod labels are changed with a JSON merge patch ({@code application/merge-patch+json}) of {@code metadata.labels}
 * only, so other labels, and changes other controllers make at the same time, are kept. The isolation NetworkPolicy is
 * created or replaced whole. The RBAC this needs is in {@code deploy/k8s/base/responder-rbac.yaml}.
 */
public final class Fabric8KubernetesActions implements KubernetesActions {

  static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  static final String MANAGED_BY = "driftwatch";
  static final String COMMAND_ID_ANNOTATION = "driftwatch.io/command-id";
  static final String ISOLATED_AT_ANNOTATION = "driftwatch.io/isolated-at";
  static final String POD_ANNOTATION = "driftwatch.io/pod";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final String source;
  private final Clock clock;

  /** Uses (and on {@link #close()} closes) {@code client}; {@code source} says where its configuration came from. */
  public Fabric8KubernetesActions(KubernetesClient client, String source) {
    this(client, source, Clock.systemUTC());
  }

  Fabric8KubernetesActions(KubernetesClient client, String source, Clock clock) {
    this.client = Objects.requireNonNull(client, "client");
    this.source = source == null ? "the Kubernetes API" : source;
    this.clock = clock;
  }

  /** Where this client's configuration came from (in-cluster service account, or which kubeconfig). */
  public String source() {
    return source;
  }

  @Override
  public Outcome isolate(String namespace, String pod, String commandId, boolean dryRun) {
    Outcome bad = checkTarget(namespace, pod);
    if (bad != null) {
      return bad;
    }
    String where = namespace + "/" + pod;
    String value = K8sNames.shortCommandId(commandId);
    String policyName = K8sNames.policyName(pod);
    if (dryRun) {
      return Outcome.done("would label pod " + where + " " + ISOLATED_LABEL + "=" + value + " and create NetworkPolicy "
          + namespace + "/" + policyName + " denying all ingress and egress to it");
    }
    String step = "read pod " + where;
    try {
      Pod current = client.pods().inNamespace(namespace).withName(pod).get();
      if (current == null) {
        return notFound(namespace, pod, "isolate");
      }
      step = "label pod " + where + " " + ISOLATED_LABEL + "=" + value;
      mergeLabels(namespace, pod, Map.of(ISOLATED_LABEL, value));

      step = "create NetworkPolicy " + namespace + "/" + policyName + " (pod " + where + " is labelled "
          + ISOLATED_LABEL + "=" + value + " already)";
      NetworkPolicy policy = isolationPolicy(namespace, pod, policyName, value, commandId);
      client.network().v1().networkPolicies().inNamespace(namespace).resource(policy)
          .createOr(NonDeletingOperation::update);

      String did = "pod " + where + " labelled " + ISOLATED_LABEL + "=" + value + " and NetworkPolicy " + namespace + "/"
          + policyName + " denies all its ingress and egress";
      if (current.getSpec() != null && Boolean.TRUE.equals(current.getSpec().getHostNetwork())) {
        return Outcome.notDone(did + ", but the pod uses the host network (hostNetwork: true) and NetworkPolicies do not "
            + "apply to such pods: it is NOT isolated; pause or kill it instead");
      }
      Map<String, String> labels = new HashMap<>(labelsOf(current));
      labels.put(ISOLATED_LABEL, value);
      return Outcome.done(did + otherPoliciesWarning(namespace, policyName, labels) + " (a NetworkPolicy only takes "
          + "effect where the cluster's network plugin enforces NetworkPolicies)");
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404 && step.startsWith("label")) {
        return notFound(namespace, pod, "isolate");
      }
      return failed(step, e);
    } catch (RuntimeException e) {
      return failed(step, e);
    }
  }

  @Override
  public Outcome label(String namespace, String pod, Map<String, String> labels, String commandId, boolean dryRun) {
    Outcome bad = checkTarget(namespace, pod);
    if (bad != null) {
      return bad;
    }
    String where = namespace + "/" + pod;
    if (labels == null || labels.isEmpty()) {
      return Outcome.notDone("refused to label pod " + where + ": the command names no labels");
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String problem = K8sNames.labelProblem(e.getKey(), e.getValue());
      if (problem != null) {
        return Outcome.notDone("refused to label pod " + where + ": " + problem);
      }
    }
    String shown = new TreeMap<>(labels).toString();
    if (dryRun) {
      return Outcome.done("would label pod " + where + " with " + shown);
    }
    try {
      mergeLabels(namespace, pod, labels);
      return Outcome.done("pod " + where + " labelled " + shown);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return notFound(namespace, pod, "label");
      }
      return failed("label pod " + where, e);
    } catch (RuntimeException e) {
      return failed("label pod " + where, e);
    }
  }

  @Override
  public Outcome release(String namespace, String pod) {
    Outcome bad = checkTarget(namespace, pod);
    if (bad != null) {
      return bad;
    }
    String where = namespace + "/" + pod;
    String policyName = K8sNames.policyName(pod);
    String step = "delete NetworkPolicy " + namespace + "/" + policyName;
    try {
      List<StatusDetails> deleted =
          client.network().v1().networkPolicies().inNamespace(namespace).withName(policyName).delete();
      String policyPart = deleted.isEmpty()
          ? "no NetworkPolicy " + namespace + "/" + policyName + " to delete"
          : "NetworkPolicy " + namespace + "/" + policyName + " deleted";

      step = "remove label " + ISOLATED_LABEL + " from pod " + where + " (" + policyPart + ")";
      String labelPart;
      Pod current = client.pods().inNamespace(namespace).withName(pod).get();
      String value = current == null ? null : labelsOf(current).get(ISOLATED_LABEL);
      if (current == null) {
        labelPart = "pod " + where + " not found, so no label to remove";
      } else if (value == null) {
        labelPart = "pod " + where + " has no " + ISOLATED_LABEL + " label";
      } else {
        removeLabel(namespace, pod, ISOLATED_LABEL, value);
        labelPart = "label " + ISOLATED_LABEL + "=" + value + " removed from pod " + where;
      }
      return Outcome.done(policyPart + "; " + labelPart);
    } catch (KubernetesClientException e) {
      return failed(step, e);
    } catch (RuntimeException e) {
      return failed(step, e);
    }
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "Fabric8KubernetesActions[" + source + "]";
  }

  private NetworkPolicy isolationPolicy(String namespace, String pod, String name, String value, String commandId) {
    return new NetworkPolicyBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(namespace)
          .addToLabels(MANAGED_BY_LABEL, MANAGED_BY)
          .addToAnnotations(COMMAND_ID_ANNOTATION, commandId == null ? "" : commandId)
          .addToAnnotations(ISOLATED_AT_ANNOTATION, Instant.now(clock).toString())
          .addToAnnotations(POD_ANNOTATION, pod)
        .endMetadata()
        .withNewSpec()
          .withNewPodSelector()
            .addToMatchLabels(ISOLATED_LABEL, value)
          .endPodSelector()
          // Both types and no rules: nothing in, nothing out.
          .withPolicyTypes("Ingress", "Egress")
        .endSpec()
        .build();
  }

  /** A JSON merge patch of metadata.labels: other labels stay as they are. */
  private void mergeLabels(String namespace, String pod, Map<String, String> labels) {
    Map<String, Object> patch = Map.of("metadata", Map.of("labels", labels));
    String json;
    try {
      json = JSON.writeValueAsString(patch);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a label patch", e);
    }
    client.pods().inNamespace(namespace).withName(pod).patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }

  /**
   * A JSON patch (RFC 6902) that removes one label if it still has the value just read: unlike a merge patch with a
   * null, it means the same to every server (fabric8's mock keeps a null label where the API server drops it).
   */
  private void removeLabel(String namespace, String pod, String key, String expected) {
    String pointer = "/metadata/labels/" + key.replace("~", "~0").replace("/", "~1");
    List<Map<String, String>> ops = List.of(
        Map.of("op", "test", "path", pointer, "value", expected),
        Map.of("op", "remove", "path", pointer));
    String json;
    try {
      json = JSON.writeValueAsString(ops);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a label patch", e);
    }
    client.pods().inNamespace(namespace).withName(pod).patch(PatchContext.of(PatchType.JSON), json);
  }

  /**
   * NetworkPolicies add up: traffic that any policy selecting a pod allows still flows, whatever a deny-all policy says.
   * Name the other policies that select this pod and allow something, so the operator knows the isolation is partial.
   */
  private String otherPoliciesWarning(String namespace, String ours, Map<String, String> podLabels) {
    List<NetworkPolicy> all;
    try {
      all = client.network().v1().networkPolicies().inNamespace(namespace).list().getItems();
    } catch (KubernetesClientException e) {
      return "; other NetworkPolicies in " + namespace + " could not be checked (" + describeFailure(e) + ")";
    }
    List<String> allowing = new ArrayList<>();
    for (NetworkPolicy p : all) {
      if (p.getMetadata() == null || ours.equals(p.getMetadata().getName()) || p.getSpec() == null) {
        continue;
      }
      boolean allows = !nullToEmpty(p.getSpec().getIngress()).isEmpty() || !nullToEmpty(p.getSpec().getEgress()).isEmpty();
      if (allows && selects(p.getSpec().getPodSelector(), podLabels)) {
        allowing.add(p.getMetadata().getName());
      }
    }
    if (allowing.isEmpty()) {
      return "";
    }
    return "; WARNING: NetworkPolicies " + allowing + " also select this pod and allow some traffic, which still flows "
        + "(NetworkPolicies add up): the isolation is partial";
  }

  /** Kubernetes label-selector semantics; an empty or absent selector selects every pod. */
  static boolean selects(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!Objects.equals(labels.get(e.getKey()), e.getValue())) {
          return false;
        }
      }
    }
    for (LabelSelectorRequirement r : nullToEmpty(selector.getMatchExpressions())) {
      String v = labels.get(r.getKey());
      List<String> values = nullToEmpty(r.getValues());
      boolean ok = switch (String.valueOf(r.getOperator())) {
        case "In" -> v != null && values.contains(v);
        case "NotIn" -> v == null || !values.contains(v);
        case "Exists" -> labels.containsKey(r.getKey());
        case "DoesNotExist" -> !labels.containsKey(r.getKey());
        default -> false;
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, String> labelsOf(Pod pod) {
    return pod.getMetadata() == null || pod.getMetadata().getLabels() == null
        ? Map.of() : pod.getMetadata().getLabels();
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static Outcome checkTarget(String namespace, String pod) {
    if (namespace == null || namespace.isBlank() || pod == null || pod.isBlank()) {
      return Outcome.notDone("refused: the command names no pod (namespace=" + namespace + ", pod=" + pod
          + "); Kubernetes actions need both");
    }
    return null;
  }

  private static Outcome notFound(String namespace, String pod, String action) {
    return Outcome.notDone("pod " + namespace + "/" + pod + " not found: nothing to " + action
        + " (it may have been deleted or rescheduled under another name)");
  }

  private Outcome failed(String step, RuntimeException e) {
    return Outcome.notDone("could not " + step + ": " + describeFailure(e));
  }

  /** "HTTP 403 Forbidden: <the API server's message>" for an HTTP answer. */
  private static String httpStatus(KubernetesClientException e) {
    int code = e.getCode();
    String reason = e.getStatus() != null && e.getStatus().getReason() != null && !e.getStatus().getReason().isBlank()
        ? e.getStatus().getReason() : reasonPhrase(code);
    String message = e.getStatus() != null && e.getStatus().getMessage() != null && !e.getStatus().getMessage().isBlank()
        ? e.getStatus().getMessage() : e.getMessage();
    String hint = code == 401 || code == 403
        ? " (the responder's service account needs the RBAC in deploy/k8s/base/responder-rbac.yaml)" : "";
    return "HTTP " + code + " " + reason + ": " + message + hint;
  }

  /** The HTTP status, or the network error (with the API server's address) when there was no HTTP answer. */
  private String describeFailure(RuntimeException e) {
    if (e instanceof KubernetesClientException k && k.getCode() > 0) {
      return httpStatus(k);
    }
    StringBuilder chain = new StringBuilder();
    boolean unreachable = false;
    for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      unreachable |= t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
          || t instanceof java.net.NoRouteToHostException || t instanceof java.net.http.HttpConnectTimeoutException
          || t instanceof java.net.SocketTimeoutException;
      if (chain.length() > 0) {
        chain.append(" <- ");
      }
      chain.append(t.getClass().getSimpleName());
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        chain.append(": ").append(t.getMessage());
      }
    }
    String what = unreachable ? "Kubernetes API at " + masterUrl() + " unreachable" : "Kubernetes API request failed";
    return what + ": " + (chain.length() > 0 ? chain : e.getClass().getSimpleName() + ": " + e.getMessage());
  }

  private String masterUrl() {
    try {
      return String.valueOf(client.getMasterUrl());
    } catch (RuntimeException e) {
      return "(unknown address)";
    }
  }


  private static String reasonPhrase(int code) {
    return switch (code) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 409 -> "Conflict";
      case 422 -> "Unprocessable Entity";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "";
    };
  }

}
