package io.driftwatch.rules;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.FileEvent;
import java.util.List;

/**
 * What the evaluator knows about an inserted event beyond the fact itself: the enrichment
 * (container, attributed users and their sessions) and the event as it arrived (before its path was canonicalised
 * and a late timestamp lifted to the session clock). Holds no reference to the fact.
 */
record EventContext(List<String> users, List<String> sessions, ContainerMetadata container, Enrichment enrichment,
                    long timestamp, String path, String newPath) {

  /** The same context with its values folded into instances other kept events share. */
  EventContext compact(Deduplicator deduplicator) {
    return new EventContext(fold(users, deduplicator), fold(sessions, deduplicator), container, enrichment, timestamp,
        deduplicator.fold(path), deduplicator.fold(newPath));
  }

  private static List<String> fold(List<String> values, Deduplicator deduplicator) {
    if (values.isEmpty()) {
      return values;
    }
    String[] folded = new String[values.size()];
    for (int i = 0; i < folded.length; i++) {
      folded[i] = deduplicator.fold(values.get(i));
    }
    return List.of(folded);
  }

  /** {@code container}: the enriched event's metadata, or an equal instance shared with other events. */
  static EventContext of(EnrichedEvent enriched, ContainerMetadata container) {
    FileEvent event = enriched.getEvent();
    List<String> users = enriched.getUsers() == null || enriched.getUsers().isEmpty() ? List.of()
        : List.copyOf(enriched.getUsers());
    List<String> sessions = enriched.getSessions() == null || enriched.getSessions().isEmpty() ? List.of()
        : List.copyOf(enriched.getSessions());
    return new EventContext(users, sessions, container, enriched.getEnrichment(),
        event.getTimestamp(), event.getPath(), event.getNewPath());
  }
}
