package io.driftwatch.rules;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ids emitted within a horizon of session time, to drop a repeat of the same output (the same
 * rule on the same events, e.g. after a duplicate delivery of an event). Bounded in time and size.
 */
final class RecentIds {
  private final long horizonMillis;
  private final int maxSize;
  /** Insertion order is time order: the session clock never runs backwards. */
  private final LinkedHashMap<String, Long> seenAt = new LinkedHashMap<>();

  RecentIds(long horizonMillis, int maxSize) {
    this.horizonMillis = horizonMillis;
    this.maxSize = maxSize;
  }

  /** Records the id; false when it was already seen within the horizon. */
  boolean add(String id, long now) {
    evict(now);
    return seenAt.putIfAbsent(id, now) == null;
  }

  void evict(long now) {
    Iterator<Map.Entry<String, Long>> oldestFirst = seenAt.entrySet().iterator();
    while (oldestFirst.hasNext()) {
      Map.Entry<String, Long> oldest = oldestFirst.next();
      if (oldest.getValue() >= now - horizonMillis && seenAt.size() <= maxSize) {
        return;
      }
      oldestFirst.remove();
    }
  }
}
