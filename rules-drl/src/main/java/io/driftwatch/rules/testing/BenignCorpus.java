package io.driftwatch.rules.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.FileEvent;
import io.driftwatch.rules.RuleCompilationException.Problem;
import io.driftwatch.schemas.json.JsonRecordException;
import java.util.ArrayList;
import java.util.List;

/**
 * A benign workload that must raise nothing: {@code benign/<name>.jsonl}, one fixture event (see
 * {@link FixtureEvents}) per line, all in the default container. The whole file runs through one
 * evaluator in order, so correlations across events are exercised too. An event's default id is
 * {@code <file name>:<line>}.
 *
 * @param source where the file is: {@code benign/web.jsonl} in a user directory, the classpath
 *               resource for the built-in pack
 */
public record BenignCorpus(String source, List<Event> events) {
  public BenignCorpus {
    events = List.copyOf(events);
  }

  /** One event and the line it came from. */
  public record Event(int line, EnrichedEvent event) {}

  /** What reading a corpus gave: the corpus ({@code null} when it has problems) and its problems. */
  public record Read(BenignCorpus corpus, List<Problem> problems) {
    public Read {
      problems = List.copyOf(problems);
    }
  }

  /** Reads a JSON-lines corpus; blank lines are skipped; every problem at once, with its line. */
  public static Read read(String source, String content) {
    String fileName = source.substring(source.lastIndexOf('/') + 1);
    List<Problem> problems = new ArrayList<>();
    List<Event> events = new ArrayList<>();
    String[] lines = content.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int line = i + 1;
      if (lines[i].isBlank()) {
        continue;
      }
      LocatedJson json;
      try {
        json = LocatedJson.parse(lines[i]);
      } catch (LocatedJson.SyntaxError e) {
        problems.add(new Problem(source, line, e.getMessage()));
        continue;
      }
      JsonNode node = json.root();
      List<Problem> unknown = new ArrayList<>();
      Fixture.unknownFields(json, node, FixtureEvents.FIELDS, source,
          "a benign event has FileEvent's fields (type, path, processName, exe, mode, newPath, ...), t and users", unknown);
      unknown.forEach(p -> problems.add(new Problem(source, line, p.message())));
      try {
        FileEvent event = FixtureEvents.event(node, fileName + ":" + line, (events.size() + 1) * 1000L);
        events.add(new Event(line, FixtureEvents.enriched(event, FixtureEvents.container(), FixtureEvents.users(node))));
      } catch (JsonRecordException e) {
        problems.add(new Problem(source, line, e.getMessage()));
      }
    }
    if (problems.isEmpty() && events.isEmpty()) {
      problems.add(new Problem(source, 1, "no events: a corpus is one fixture event per line"));
    }
    return problems.isEmpty() ? new Read(new BenignCorpus(source, events), List.of()) : new Read(null, problems);
  }
}
