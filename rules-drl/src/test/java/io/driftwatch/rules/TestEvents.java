package io.driftwatch.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.util.List;
import java.util.Map;

/** Events and containers with sensible defaults, so a test states only what matters to it. */
final class TestEvents {
  static final long T0 = 1_795_082_400_000L;
  static final String CONTAINER_ID = "c0ffee01";
  static final String NODE = "node-a";

  private TestEvents() {}

  static ContainerMetadata container(String containerId, String namespace) {
    return ContainerMetadata.newBuilder()
        .setContainerId(containerId)
        .setNode(NODE)
        .setRuntime("containerd")
        .setContainerName("ledger")
        .setImage("registry.example/ledger:1.4.2")
        .setPodName("ledger-7d9f8-abcde")
        .setNamespace(namespace)
        .setLabels(Map.of("app", "ledger"))
        .setStartedAt(T0 - 60_000)
        .build();
  }

  static ContainerMetadata container() {
    return container(CONTAINER_ID, "payments");
  }

  static FileEvent.Builder event(String eventId, long timestamp, EventType type, String path) {
    return FileEvent.newBuilder()
        .setEventId(eventId)
        .setTimestamp(timestamp)
        .setNode(NODE)
        .setContainerId(CONTAINER_ID)
        .setType(type)
        .setPath(path)
        .setUid(0L)
        .setGid(0L)
        .setPid(4242)
        .setPpid(4200)
        .setSource("test");
  }

  /** An event by a process with the given name and executable. */
  static FileEvent.Builder event(String eventId, long timestamp, EventType type, String path, String processName, String exe) {
    return event(eventId, timestamp, type, path).setProcessName(processName).setExe(exe).setCmdline(processName);
  }

  static EnrichedEvent enriched(FileEvent event, ContainerMetadata container, String... users) {
    return EnrichedEvent.newBuilder()
        .setEvent(event)
        .setContainer(container)
        .setUsers(List.of(users))
        .setEnrichment(container == null ? Enrichment.METADATA_MISSING : Enrichment.COMPLETE)
        .build();
  }

  static EnrichedEvent enriched(FileEvent.Builder event, String... users) {
    return enriched(event.build(), container(), users);
  }

  /**
   * A fixture event: the fields given in JSON over defaults (eventId, a timestamp {@code t}
   * milliseconds after {@link #T0}, node, container, uid/gid 0, pid, source).
   */
  static FileEvent fixtureEvent(JsonNode partial, String defaultEventId, long defaultOffsetMillis) {
    ObjectNode node = Records.JSON.createObjectNode();
    node.put("eventId", defaultEventId);
    node.put("timestamp", T0 + partial.path("t").asLong(defaultOffsetMillis));
    node.put("node", NODE);
    node.put("containerId", CONTAINER_ID);
    node.put("uid", 0);
    node.put("gid", 0);
    node.put("pid", 4242);
    node.put("ppid", 4200);
    node.put("source", "fixture");
    partial.properties().forEach(field -> {
      if (!field.getKey().equals("t") && !field.getKey().equals("users")) {
        node.set(field.getKey(), field.getValue());
      }
    });
    if (node.hasNonNull("exe") && !node.hasNonNull("cmdline")) {
      node.put("cmdline", node.get("exe").asText());
    }
    return Records.fileEvent(node);
  }
}
