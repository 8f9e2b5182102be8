package io.driftwatch.rules;

import io.driftwatch.model.ContainerMetadata;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.FactHandle;

/**
 * One ContainerMetadata fact per container in the session, for rules that need container
 * context, and the latest metadata for building alerts. Bounded: a container not seen for an hour
 * of event time leaves the session, and beyond {@link #MAX_CONTAINERS} the least recently seen does.
 */
final class ContainerTable {
  static final long IDLE_MILLIS = 60 * 60_000L;
  static final int MAX_CONTAINERS = 10_000;

  private static final class Entry {
    final FactHandle handle;
    ContainerMetadata metadata;
    long lastSeen;

    Entry(FactHandle handle, ContainerMetadata metadata, long lastSeen) {
      this.handle = handle;
      this.metadata = metadata;
      this.lastSeen = lastSeen;
    }
  }

  private final KieSession session;
  /** Insertion order is last-seen order: {@link #observe} moves a container to the end. */
  private final LinkedHashMap<String, Entry> byId = new LinkedHashMap<>();

  ContainerTable(KieSession session) {
    this.session = session;
  }

  /**
   * An event of {@code containerId} was seen at {@code now}, with its metadata when known. Returns
   * the table's instance of that metadata (equal to the given one), so that what the session
   * remembers of many events shares one copy of each container's metadata.
   */
  ContainerMetadata observe(String containerId, ContainerMetadata metadata, long now) {
    Entry entry = byId.remove(containerId);
    if (entry == null && metadata != null) {
      entry = new Entry(session.insert(metadata), metadata, now);
    } else if (entry != null && metadata != null && !metadata.equals(entry.metadata)) {
      session.update(entry.handle, metadata);
      entry.metadata = metadata;
    }
    if (entry != null) {
      entry.lastSeen = now;
      byId.put(containerId, entry);
    }
    evict(now);
    return entry != null && metadata != null ? entry.metadata : metadata;
  }

  /** Puts every container of this table into {@code other} (a table over another session), keeping the order. */
  void copyTo(ContainerTable other) {
    for (Map.Entry<String, Entry> entry : byId.entrySet()) {
      Entry copy = new Entry(other.session.insert(entry.getValue().metadata), entry.getValue().metadata, entry.getValue().lastSeen);
      other.byId.put(entry.getKey(), copy);
    }
  }

  ContainerMetadata get(String containerId) {
    Entry entry = byId.get(containerId);
    return entry == null ? null : entry.metadata;
  }

  void evict(long now) {
    Iterator<Map.Entry<String, Entry>> eldestFirst = byId.entrySet().iterator();
    while (eldestFirst.hasNext()) {
      Entry entry = eldestFirst.next().getValue();
      if (entry.lastSeen >= now - IDLE_MILLIS && byId.size() <= MAX_CONTAINERS) {
        return;
      }
      session.delete(entry.handle);
      eldestFirst.remove();
    }
  }
}
