package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeduplicatorTest {

  @Test
  void equalValuesComeBackAsTheInstanceSeenFirst() {
    Deduplicator deduplicator = new Deduplicator();
    String first = new String("node-1");
    String second = new String("node-1");
    assertNotSame(first, second);
    assertSame(first, deduplicator.fold(first));
    assertSame(first, deduplicator.fold(second));
    Long big = Long.valueOf(123_456L);
    assertSame(big, deduplicator.fold(big));
    assertSame(big, deduplicator.fold(Long.valueOf(123_456L)));
    // An Integer equal in value to a Long is not the same value.
    assertEquals(Integer.class, deduplicator.fold(Integer.valueOf(123_456)).getClass());
  }

  @Test
  void aKeptEventSharesItsValuesButKeepsItsOwnId() {
    Deduplicator deduplicator = new Deduplicator();
    ClassifiedEvent one = fact("e-1");
    ClassifiedEvent two = fact("e-2");
    one.classify(java.util.Set.of("log-dir", "app"), java.util.Set.of(), java.util.Set.of("runtime"), java.util.Set.of(),
        java.util.Set.of(), java.util.Set.of());
    two.classify(java.util.Set.of("app", "log-dir"), java.util.Set.of(), java.util.Set.of("runtime"), java.util.Set.of(),
        java.util.Set.of(), java.util.Set.of());
    assertNotSame(one.getPathRoles(), two.getPathRoles());
    one.compact(deduplicator);
    two.compact(deduplicator);
    assertSame(one.getNode(), two.getNode());
    assertSame(one.getContainerId(), two.getContainerId());
    assertSame(one.getCmdline(), two.getCmdline());
    assertSame(one.getPath(), two.getPath());
    assertSame(one.getUid(), two.getUid());
    assertSame(one.getPathRoles(), two.getPathRoles());
    assertSame(one.getActorRoles(), two.getActorRoles());
    assertEquals(java.util.Set.of("app", "log-dir"), two.getPathRoles());
    assertEquals("e-1", one.getEventId());
    assertEquals("e-2", two.getEventId());
    assertEquals(List.of(), two.getTruncated());
    assertEquals("java -jar app.jar", two.getCmdline());
    assertEquals(EventType.MODIFY, two.getType());
  }

  private static ClassifiedEvent fact(String id) {
    FileEvent event = FileEvent.newBuilder().setEventId(new String(id)).setTimestamp(1L).setNode(new String("node-1"))
        .setContainerId(new String("c-1")).setType(EventType.MODIFY).setPath(new String("/var/log/app.log"))
        .setUid(Long.valueOf(100_000L)).setCmdline(new String("java -jar app.jar")).setTruncated(new ArrayList<>()).build();
    ClassifiedEvent fact = new ClassifiedEvent();
    for (int i = 0; i < FileEvent.getClassSchema().getFields().size(); i++) {
      fact.put(i, event.get(i));
    }
    return fact;
  }
}
