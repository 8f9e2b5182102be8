package io.driftwatch.schemas.yaml;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each key and value of a YAML document is, for problems reported as file:line after the document
 * was read into objects (which keep no locations). Used by tuning files and by the notifiers file.
 */
public final class YamlLines {
  private static final YAMLFactory FACTORY = new YAMLFactory();

  private YamlLines() {
  }

  /**
   * The line of {@code pointer} in {@code lines} (from {@link #byPointer}); for a pointer not in the document (a key
   * that is missing) the line of its nearest parent; 0 when none is known.
   */
  public static int lineOf(Map<String, Integer> lines, String pointer) {
    String path = pointer;
    while (true) {
      Integer line = lines.get(path);
      if (line != null) {
        return line;
      }
      if (path.isEmpty()) {
        return 0;
      }
      int slash = path.lastIndexOf('/');
      path = slash <= 0 ? "" : path.substring(0, slash);
    }
  }

  /** Where a YAML document does not parse and why: {@code line} is 1-based (0 when unknown). */
  public record SyntaxError(int line, String message) {
  }

  /**
   * The line and a one-line message ("not valid YAML: ...") for a document Jackson's YAML reader refused. SnakeYAML's
   * own problem is preferred (with the context it was in, often an indentation slip that starts on another line).
   */
  public static SyntaxError syntaxError(com.fasterxml.jackson.core.JsonProcessingException e) {
    int line = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getLineNr());
    if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked && marked.getProblem() != null) {
      line = marked.getProblemMark() == null ? line : marked.getProblemMark().getLine() + 1;
      String context = marked.getContext() == null ? ""
          : " (" + marked.getContext() + (marked.getContextMark() == null ? ""
          : " that starts at line " + (marked.getContextMark().getLine() + 1)) + ")";
      return new SyntaxError(line, "not valid YAML: " + marked.getProblem() + context);
    }
    String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
    int newline = message.indexOf('\n');
    return new SyntaxError(line, "not valid YAML: " + (newline < 0 ? message : message.substring(0, newline)).strip());
  }

  /** JSON pointer of every key, scalar and structure start to its 1-based line; empty if it does not parse. */
  public static Map<String, Integer> byPointer(String yaml) {
    Map<String, Integer> lines = new HashMap<>();
    try (JsonParser parser = FACTORY.createParser(yaml)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        String pointer = parser.getParsingContext().pathAsPointer().toString();
        if (token == JsonToken.FIELD_NAME || token.isScalarValue() || token.isStructStart()) {
          lines.putIfAbsent(pointer, parser.currentTokenLocation().getLineNr());
        }
      }
    } catch (IOException ignored) {
      // A document that does not parse has no paths; its problem carries the parser's own location.
    }
    return lines;
  }
}
