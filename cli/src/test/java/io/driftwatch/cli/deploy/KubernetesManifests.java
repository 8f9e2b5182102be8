package io.driftwatch.cli.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Renders a Kustomize directory with {@code kubectl kustomize} (offline: it reads only the directory) and checks
 * every object against the Kubernetes API's schemas, with no cluster.
 *
 * <p>Built-in kinds go through the Kubernetes Java client's models, which are generated from the API server's
 * OpenAPI document: {@code V1StatefulSet.validateJsonElement} and the models under it refuse a field the API does
 * not define, a missing required field and a value of the wrong type, all the way down. The Prometheus Operator's
 * kinds (ServiceMonitor, PrometheusRule) are read into fabric8's models of their CRDs; a field those do not define
 * lands in a model's additional properties, which must stay empty.
 */
final class KubernetesManifests {
    static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private KubernetesManifests() {
    }

    /** The repository's deploy/k8s directory (tests run in the module's directory). */
    static Path k8sDir() {
        return Path.of(System.getProperty("user.dir")).resolve("../deploy/k8s").normalize();
    }

    /** {@code kubectl kustomize DIR}: the objects the directory builds. */
    static List<JsonNode> kustomize(Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("kubectl", "kustomize", dir.toString());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("kubectl is needed to render deploy/k8s (.ci/run installs it): " + e.getMessage(), e);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread drain = new Thread(() -> {
            try (InputStream in = p.getErrorStream()) {
                in.transferTo(err);
            } catch (IOException ignored) {
                // the exit code tells
            }
        });
        drain.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("kubectl kustomize " + dir + " did not finish in 60 s");
        }
        drain.join();
        if (p.exitValue() != 0) {
            throw new IllegalStateException("kubectl kustomize " + dir + " failed: " + err.toString(StandardCharsets.UTF_8));
        }
        return parseAll(new String(out, StandardCharsets.UTF_8));
    }

    static List<JsonNode> parseAll(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    static String name(JsonNode obj) {
        return obj.path("kind").asText() + "/" + obj.path("metadata").path("name").asText();
    }

    /** Checks one object; returns the problems (empty when it is valid). */
    static List<String> validate(JsonNode obj) {
        String apiVersion = obj.path("apiVersion").asText("");
        String kind = obj.path("kind").asText("");
        List<String> problems = new ArrayList<>();
        if (apiVersion.isEmpty() || kind.isEmpty()) {
            problems.add("no apiVersion or kind");
            return problems;
        }
        if (apiVersion.startsWith("monitoring.coreos.com/")) {
            validateMonitoring(obj, apiVersion, kind, problems);
            return problems;
        }
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        String className = "io.kubernetes.client.openapi.models."
                + version.substring(0, 1).toUpperCase(Locale.ROOT) + version.substring(1) + kind;
        Class<?> model;
        try {
            model = Class.forName(className);
        } catch (ClassNotFoundException e) {
            problems.add("no such kind in the Kubernetes API: " + apiVersion + " " + kind);
            return problems;
        }
        // The group must be the kind's own (apps/v1 StatefulSet, not v1 StatefulSet).
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        if (!groupOf(model).equals(group)) {
            problems.add(kind + " is not in API group '" + group + "' (it is in '" + groupOf(model) + "')");
        }
        try {
            JsonElement json = JsonParser.parseString(JSON.writeValueAsString(obj));
            Method validate = model.getMethod("validateJsonElement", JsonElement.class);
            validate.invoke(null, json);
        } catch (InvocationTargetException e) {
            problems.add(String.valueOf(e.getCause().getMessage()));
        } catch (ReflectiveOperationException | IOException e) {
            problems.add(e.toString());
        }
        return problems;
    }

    /** The API group a model class belongs to, from the package of the kinds the client knows. */
    private static String groupOf(Class<?> model) {
        String simple = model.getSimpleName();
        return switch (simple) {
            case "V1StatefulSet", "V1DaemonSet", "V1Deployment", "V1ReplicaSet" -> "apps";
            case "V1PodDisruptionBudget" -> "policy";
            case "V1NetworkPolicy", "V1Ingress" -> "networking.k8s.io";
            case "V1ClusterRole", "V1ClusterRoleBinding", "V1Role", "V1RoleBinding" -> "rbac.authorization.k8s.io";
            case "V1Job", "V1CronJob" -> "batch";
            default -> "";
        };
    }

    private static void validateMonitoring(JsonNode obj, String apiVersion, String kind, List<String> problems) {
        Class<? extends KubernetesResource> type = switch (kind) {
            case "ServiceMonitor" -> ServiceMonitor.class;
            case "PrometheusRule" -> PrometheusRule.class;
            default -> null;
        };
        if (type == null || !apiVersion.equals("monitoring.coreos.com/v1")) {
            problems.add("no schema here for " + apiVersion + " " + kind);
            return;
        }
        try {
            Object model = JSON.treeToValue(obj, type);
            unknownFields(model, kind, problems, new IdentityHashMap<>());
        } catch (IOException e) {
            problems.add(e.getMessage());
        }
    }

    /** Every field a fabric8 model did not know, anywhere below it. */
    private static void unknownFields(Object model, String path, List<String> problems, Map<Object, Boolean> seen) {
        if (model == null || seen.put(model, Boolean.TRUE) != null) {
            return;
        }
        if (model instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", problems, seen);
            }
            return;
        }
        if (model instanceof Map<?, ?> map) {
            for (var e : map.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), problems, seen);
            }
            return;
        }
        if (!model.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : model.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(model);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown field(s) " + extra.keySet());
                }
                continue;
            }
            String field = m.getName().substring(3);
            unknownFields(value, path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1), problems, seen);
        }
    }
}
