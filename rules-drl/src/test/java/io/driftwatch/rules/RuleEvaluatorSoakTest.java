package io.driftwatch.rules;

import static io.driftwatch.rules.TestEvents.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Opt-in soak: millions of events of a busy partition (1,000 events per second of event time,
 * 50 containers) through one session; prints throughput and the fact count, and holds the fact
 * count to what the expiries allow. Run with
 * {@code mvn -pl rules-drl verify -Dtest=RuleEvaluatorSoakTest -Ddriftwatch.soak=true [-Ddriftwatch.soak.events=N]}.
 */
@EnabledIfSystemProperty(named = "driftwatch.soak", matches = "true")
class RuleEvaluatorSoakTest {

  @Test
  void memoryStaysBoundedOverMillionsOfEvents() {
    int events = Integer.getInteger("driftwatch.soak.events", 2_000_000);
    List<EnrichedEvent> workload = workload(10_000);
    try (RuleEvaluator evaluator = new RuleEvaluator(RuleSet.builtIn())) {
      long baseline = evaluator.factCount();
      long maxFacts = 0;
      int alerts = 0;
      long started = System.nanoTime();
      for (int i = 0; i < events; i++) {
        EnrichedEvent template = workload.get(i % workload.size());
        FileEvent event = template.getEvent();
        FileEvent shifted = FileEvent.newBuilder()
            .setEventId("soak-" + i).setTimestamp(T0 + i).setNode(event.getNode()).setContainerId(event.getContainerId())
            .setType(event.getType()).setPath(event.getType() == EventType.CREATE ? event.getPath() + "-" + i : event.getPath())
            .setProcessName(event.getProcessName()).setExe(event.getExe()).setPid(event.getPid()).setPpid(event.getPpid())
            .build();
        alerts += evaluator.evaluate(TestEvents.enriched(shifted, template.getContainer())).alerts().size();
        if (i % 10_000 == 0) {
          maxFacts = Math.max(maxFacts, evaluator.factCount());
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      System.gc();
      System.out.printf("soak: %,d events in %.1f s = %,.0f events/s; facts: baseline %d, peak %,d; %d alerts;"
              + " heap after GC %,d MB%n", events, seconds, events / seconds, baseline, maxFacts, alerts,
          (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / (1024 * 1024));
      // What the expiries allow at 1,000 events/s: each event leaves once evaluated, so what stays is
      // ten minutes of distinct temporary files written (one event in 20: 30,000 FileWritten), the
      // containers and the reference facts.
      assertTrue(maxFacts < baseline + 30_000 + 2_000, "facts peaked at " + maxFacts);
      evaluator.advanceTo(T0 + events + 2 * 60 * 60_000L);
      assertEquals(baseline, evaluator.factCount());
    }
  }

  /** 60% library reads, 20% log appends, 10% execs of image binaries, 5% temporary files, 5% config reads. */
  private static List<EnrichedEvent> workload(int size) {
    List<EnrichedEvent> events = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      String containerId = "c" + (i % 50);
      int kind = i % 20;
      EventType type;
      String path;
      if (kind < 12) {
        type = EventType.OPEN_READ;
        path = "/usr/lib/x86_64-linux-gnu/lib" + (i % 40) + ".so";
      } else if (kind < 16) {
        type = EventType.MODIFY;
        path = "/var/log/app/app.log";
      } else if (kind < 18) {
        type = EventType.EXEC;
        path = "/usr/bin/tool" + (i % 10);
      } else if (kind < 19) {
        type = EventType.CREATE;
        path = "/tmp/upload";
      } else {
        type = EventType.OPEN_READ;
        path = "/app/config/application.yml";
      }
      FileEvent event = TestEvents.event("w-" + i, T0, type, path, "java", "/usr/lib/jvm/bin/java")
          .setContainerId(containerId).build();
      events.add(TestEvents.enriched(event, TestEvents.container(containerId, "payments")));
    }
    return events;
  }
}
