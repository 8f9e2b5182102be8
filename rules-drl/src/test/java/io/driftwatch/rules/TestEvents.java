package io.driftwatch.rules;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.rules.testing.FixtureEvents;
import java.util.List;

/**
 * Events and containers with sensible defaults, so a test states only what matters to it; the
 * defaults are the fixtures' ({@link FixtureEvents}).
 */
final class TestEvents {
  static final long T0 = FixtureEvents.T0;
  static final String CONTAINER_ID = FixtureEvents.CONTAINER_ID;
  static final String NODE = FixtureEvents.NODE;

  private TestEvents() {}

  /** The fixtures' container (see {@link FixtureEvents#container(String, String)}). */
  static ContainerMetadata container(String containerId, String namespace) {
    return FixtureEvents.container(containerId, namespace);
  }

  static ContainerMetadata container() {
    return FixtureEvents.container();
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
    return FixtureEvents.enriched(event, container, List.of(users));
  }

  static EnrichedEvent enriched(FileEvent.Builder event, String... users) {
    return enriched(event.build(), container(), users);
  }
}
