package io.driftwatch.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Plain JSON (the replay form, field names as in DESIGN.md) to records, through their builders. */
final class Records {
  static final ObjectMapper JSON = new ObjectMapper();

  private Records() {}

  static List<JsonNode> jsonLines(Path file) {
    try {
      List<JsonNode> nodes = new ArrayList<>();
      for (String line : Files.readAllLines(file)) {
        if (!line.isBlank()) {
          nodes.add(JSON.readTree(line));
        }
      }
      return nodes;
    } catch (IOException e) {
      throw new UncheckedIOException(file.toString(), e);
    }
  }

  static JsonNode json(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(file.toString(), e);
    }
  }

  static FileEvent fileEvent(JsonNode n) {
    return FileEvent.newBuilder()
        .setEventId(required(n, "eventId").asText())
        .setTimestamp(required(n, "timestamp").asLong())
        .setNode(text(n, "node"))
        .setContainerId(required(n, "containerId").asText())
        .setType(EventType.valueOf(required(n, "type").asText()))
        .setPath(required(n, "path").asText())
        .setNewPath(text(n, "newPath"))
        .setMode(integer(n, "mode"))
        .setUid(longValue(n, "uid"))
        .setGid(longValue(n, "gid"))
        .setPid(integer(n, "pid"))
        .setPpid(integer(n, "ppid"))
        .setProcessName(text(n, "processName"))
        .setExe(text(n, "exe"))
        .setCmdline(text(n, "cmdline"))
        .setParentProcessName(text(n, "parentProcessName"))
        .setLoginUid(longValue(n, "loginUid"))
        .setPreviousMode(integer(n, "previousMode"))
        .setSource(text(n, "source"))
        .setSha256(text(n, "sha256"))
        .build();
  }

  static ContainerMetadata container(JsonNode n) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (n.hasNonNull("labels")) {
      n.get("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    }
    return ContainerMetadata.newBuilder()
        .setContainerId(required(n, "containerId").asText())
        .setNode(text(n, "node"))
        .setRuntime(text(n, "runtime"))
        .setContainerName(text(n, "containerName"))
        .setImage(text(n, "image"))
        .setImageDigest(text(n, "imageDigest"))
        .setPodName(text(n, "podName"))
        .setNamespace(text(n, "namespace"))
        .setPodUid(text(n, "podUid"))
        .setLabels(labels)
        .setPrivileged(n.path("privileged").asBoolean(false))
        .setStartedAt(longValue(n, "startedAt"))
        .setStoppedAt(longValue(n, "stoppedAt"))
        .setRootfs(text(n, "rootfs"))
        .setInitPid(integer(n, "initPid"))
        .build();
  }

  static ExecSession execSession(JsonNode n) {
    return ExecSession.newBuilder()
        .setSessionId(required(n, "sessionId").asText())
        .setUser(text(n, "user"))
        .setGroups(strings(n, "groups"))
        .setSourceIps(strings(n, "sourceIps"))
        .setNamespace(text(n, "namespace"))
        .setPodName(text(n, "podName"))
        .setContainerName(text(n, "containerName"))
        .setContainerId(text(n, "containerId"))
        .setCommand(text(n, "command"))
        .setStartedAt(required(n, "startedAt").asLong())
        .setEndedAt(longValue(n, "endedAt"))
        .build();
  }

  static List<String> strings(JsonNode n, String field) {
    List<String> values = new ArrayList<>();
    if (n.hasNonNull(field)) {
      n.get(field).forEach(v -> values.add(v.asText()));
    }
    return values;
  }

  private static JsonNode required(JsonNode n, String field) {
    if (!n.hasNonNull(field)) {
      throw new IllegalArgumentException("missing required field " + field + " in " + n);
    }
    return n.get(field);
  }

  private static String text(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).asText() : null;
  }

  private static Integer integer(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).asInt() : null;
  }

  private static Long longValue(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).asLong() : null;
  }
}
