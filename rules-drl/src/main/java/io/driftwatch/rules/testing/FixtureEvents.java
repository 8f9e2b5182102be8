package io.driftwatch.rules.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecordException;
import io.driftwatch.schemas.json.JsonRecords;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;

/**
 * Events for rule tests from fixture-style JSON: a test states only the fields that matter to it
 * and the rest default sensibly.
 *
 * <p>A fixture event is a plain-JSON {@code FileEvent} (the replay form: {@code "mode": 420},
 * {@code "type": "OPEN_WRITE"}) where every field may be left out except {@code type} and
 * {@code path}. Two more fields: {@code t}, the offset in milliseconds from {@link #T0} (default
 * one second per event), and {@code users}, the attributed users. Defaults: {@code eventId} from
 * the case, {@code node} {@value #NODE}, {@code containerId} {@value #CONTAINER_ID}, uid and gid 0,
 * pid 4242, ppid 4200, source {@code fixture}; {@code cmdline} stays unknown (null) unless given,
 * as when a sensor could not read it.
 */
public final class FixtureEvents {
  /** The time of offset 0. */
  public static final long T0 = 1_795_082_400_000L;
  public static final String CONTAINER_ID = "c0ffee01";
  public static final String NODE = "node-a";
  /** The namespace of the default container. */
  public static final String NAMESPACE = "payments";

  /** The image digest of a case's container when the case gives an image and its container no digest. */
  public static final String IMAGE_DIGEST = "sha256:" + "f1c5".repeat(16);

  /** The fields a fixture event may give: FileEvent's, {@code t} and {@code users}. */
  public static final Set<String> FIELDS;

  static {
    Set<String> fields = new TreeSet<>();
    FileEvent.getClassSchema().getFields().stream().map(Schema.Field::name).forEach(fields::add);
    fields.add("t");
    fields.add("users");
    FIELDS = Set.copyOf(fields);
  }

  private FixtureEvents() {}

  /** The container every fixture event runs in, unless its case says otherwise. */
  public static ContainerMetadata container(String containerId, String namespace) {
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

  public static ContainerMetadata container() {
    return container(CONTAINER_ID, NAMESPACE);
  }

  /** The default container with the given fields (plain JSON, as in replay) over it. */
  public static ContainerMetadata container(JsonNode partial) throws JsonRecordException {
    ObjectNode node = JsonRecords.toNode(container());
    partial.properties().forEach(field -> node.set(field.getKey(), field.getValue()));
    return JsonRecords.fromNode(node, ContainerMetadata.class);
  }

  /**
   * A fixture event: the fields given over the defaults.
   *
   * @throws JsonRecordException naming the field when one has the wrong type or a required one is missing
   */
  public static FileEvent event(JsonNode partial, String defaultEventId, long defaultOffsetMillis) throws JsonRecordException {
    if (partial == null || !partial.isObject()) {
      throw new JsonRecordException("an event is a JSON object");
    }
    JsonNode t = partial.get("t");
    if (t != null && !t.isIntegralNumber()) {
      throw new JsonRecordException("field 't': expected an offset in milliseconds, found " + t);
    }
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("eventId", defaultEventId);
    node.put("timestamp", T0 + (t == null ? defaultOffsetMillis : t.asLong()));
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
    return JsonRecords.fromNode(node, FileEvent.class);
  }

  /**
   * A case's image baseline: {@code files} is an array of ImageFile objects in the baseline's plain-JSON form
   * (as a {@code scan --baseline-out} file line), where only {@code path} is required: {@code kind} defaults to
   * FILE, {@code mode} to 0755 (493) for files and directories and 0777 for symbolic links, owner root, layer 0.
   *
   * @throws JsonRecordException naming the entry and field
   */
  public static io.driftwatch.model.ImageBaseline image(String imageDigest, JsonNode files) throws JsonRecordException {
    if (!files.isArray()) {
      throw new JsonRecordException("\"image\" is an array of the image's files: [{\"path\": \"/usr/bin/env\", "
          + "\"sha256\": \"...\"}, {\"path\": \"/usr/bin\", \"kind\": \"DIR\"}, ...]");
    }
    List<io.driftwatch.model.ImageFile> entries = new java.util.ArrayList<>();
    Set<String> paths = new java.util.HashSet<>();
    int index = 0;
    for (JsonNode file : files) {
      index++;
      if (!file.isObject()) {
        throw new JsonRecordException("file " + index + ": expected an object with at least \"path\"");
      }
      ObjectNode node = ((ObjectNode) file).deepCopy();
      if (!node.hasNonNull("kind")) {
        node.put("kind", "FILE");
      }
      if (!node.hasNonNull("mode")) {
        node.put("mode", "SYMLINK".equals(node.path("kind").asText()) ? 0777 : 0755);
      }
      if (!node.hasNonNull("layer")) {
        node.put("layer", 0);
      }
      io.driftwatch.model.ImageFile entry;
      try {
        entry = JsonRecords.fromNode(node, io.driftwatch.model.ImageFile.class);
      } catch (JsonRecordException e) {
        throw new JsonRecordException("file " + index + ": " + e.getMessage(), e);
      }
      if (!entry.getPath().startsWith("/")) {
        throw new JsonRecordException("file " + index + ": path '" + entry.getPath() + "' is not absolute");
      }
      if (!paths.add(entry.getPath())) {
        throw new JsonRecordException("file " + index + ": path '" + entry.getPath() + "' given twice");
      }
      entries.add(entry);
    }
    return io.driftwatch.model.ImageBaseline.newBuilder().setImageDigest(imageDigest).setImage("fixture")
        .setScannedAt(T0 - 3_600_000).setScanner("fixture").setLayers(List.of("sha256:" + "0".repeat(64)))
        .setFiles(entries).build();
  }

  /** The attributed users of a fixture event ({@code "users": ["alice"]}). */
  public static List<String> users(JsonNode partial) throws JsonRecordException {
    JsonNode users = partial.get("users");
    if (users == null || users.isNull()) {
      return List.of();
    }
    if (!users.isArray()) {
      throw new JsonRecordException("field 'users': expected an array of names, found " + users);
    }
    List<String> names = new java.util.ArrayList<>();
    for (JsonNode user : users) {
      if (!user.isTextual()) {
        throw new JsonRecordException("field 'users': expected an array of names, found " + users);
      }
      names.add(user.asText());
    }
    return List.copyOf(names);
  }

  /** The event as the rules see it: with its container ({@code null}: metadata missing) and users. */
  public static EnrichedEvent enriched(FileEvent event, ContainerMetadata container, List<String> users) {
    return EnrichedEvent.newBuilder()
        .setEvent(event)
        .setContainer(container)
        .setUsers(List.copyOf(users))
        .setEnrichment(container == null ? Enrichment.METADATA_MISSING : Enrichment.COMPLETE)
        .build();
  }
}
