package io.driftwatch.rules.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A JSON document read into a tree that remembers where things are: the line of every object and
 * array, and of every field name, so a problem in a fixture can be reported as {@code file:line}.
 */
final class LocatedJson {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** The document is not JSON; {@code line} is where the parser gave up. */
  static final class SyntaxError extends Exception {
    private static final long serialVersionUID = 1L;
    final int line;

    SyntaxError(int line, String message) {
      super(message);
      this.line = line;
    }
  }

  private final JsonNode root;
  private final Map<JsonNode, Integer> lines = new IdentityHashMap<>();
  private final Map<JsonNode, Map<String, Integer>> fieldLines = new IdentityHashMap<>();

  private LocatedJson(String text) throws SyntaxError {
    try (JsonParser parser = FACTORY.createParser(text)) {
      if (parser.nextToken() == null) {
        throw new SyntaxError(1, "empty: no JSON value");
      }
      root = read(parser);
      if (parser.nextToken() != null) {
        throw new SyntaxError(line(parser.currentTokenLocation()), "more than one JSON value");
      }
    } catch (JsonProcessingException e) {
      throw new SyntaxError(line(e.getLocation()), "not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new SyntaxError(0, "cannot read: " + e.getMessage());
    }
  }

  static LocatedJson parse(String text) throws SyntaxError {
    return new LocatedJson(text);
  }

  JsonNode root() {
    return root;
  }

  /** The line where an object or array starts; 0 for other nodes. */
  int line(JsonNode node) {
    return lines.getOrDefault(node, 0);
  }

  /** The line of a field's name in an object, else the object's line. */
  int line(JsonNode object, String field) {
    Integer line = fieldLines.getOrDefault(object, Map.of()).get(field);
    return line != null ? line : line(object);
  }

  private JsonNode read(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    int line = line(parser.currentTokenLocation());
    switch (token) {
      case START_OBJECT -> {
        ObjectNode object = NODES.objectNode();
        Map<String, Integer> names = new HashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          names.putIfAbsent(name, line(parser.currentTokenLocation()));
          parser.nextToken();
          object.set(name, read(parser));
        }
        lines.put(object, line);
        fieldLines.put(object, names);
        return object;
      }
      case START_ARRAY -> {
        ArrayNode array = NODES.arrayNode();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          array.add(read(parser));
        }
        lines.put(array, line);
        return array;
      }
      case VALUE_STRING -> {
        return NODES.textNode(parser.getText());
      }
      case VALUE_NUMBER_INT -> {
        return switch (parser.getNumberType()) {
          case INT -> NODES.numberNode(parser.getIntValue());
          case LONG -> NODES.numberNode(parser.getLongValue());
          default -> NODES.numberNode(parser.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(parser.getDoubleValue());
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return NODES.booleanNode(token == JsonToken.VALUE_TRUE);
      }
      case VALUE_NULL -> {
        return NODES.nullNode();
      }
      default -> throw new JsonProcessingException("unexpected " + token, parser.currentTokenLocation()) {
        private static final long serialVersionUID = 1L;
      };
    }
  }

  private static int line(JsonLocation location) {
    return location == null ? 0 : Math.max(0, location.getLineNr());
  }
}
