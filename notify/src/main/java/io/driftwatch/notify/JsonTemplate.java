package io.driftwatch.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON body with placeholders in its string values. Values are put into a JSON tree and the tree
 * is written by Jackson, so quotes, backslashes and newlines in an alert always come out escaped; a
 * string that is exactly one placeholder takes the value's own JSON type (array, number, object, null).
 */
final class JsonTemplate {
    private interface Part {
        JsonNode render(AlertView alert);
    }

    private final Part root;

    private JsonTemplate(Part root) {
        this.root = root;
    }

    static JsonTemplate compile(JsonNode body, String pointer, ConfigSource source) throws NotifierConfigException {
        return new JsonTemplate(part(body, pointer, source));
    }

    JsonNode render(AlertView alert) {
        return root.render(alert);
    }

    private static Part part(JsonNode node, String pointer, ConfigSource source) throws NotifierConfigException {
        if (node.isObject()) {
            Map<String, Part> fields = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String at = pointer + "/" + field.getKey().replace("~", "~0").replace("/", "~1");
                if (field.getKey().contains("${")) {
                    throw source.error(at, "placeholders go in values, not in keys (\"" + field.getKey() + "\")");
                }
                fields.put(field.getKey(), part(field.getValue(), at, source));
            }
            return alert -> {
                ObjectNode out = JsonNodeFactory.instance.objectNode();
                fields.forEach((key, value) -> out.set(key, value.render(alert)));
                return out;
            };
        }
        if (node.isArray()) {
            List<Part> items = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                items.add(part(node.get(i), pointer + "/" + i, source));
            }
            return alert -> {
                ArrayNode out = JsonNodeFactory.instance.arrayNode();
                items.forEach(item -> out.add(item.render(alert)));
                return out;
            };
        }
        if (node.isTextual()) {
            TextTemplate text = TextTemplate.compile(node.asText(), pointer, source, true);
            String single = text.single();
            if (single != null) {
                return alert -> alert.value(single);
            }
            if (text.isConstant()) {
                JsonNode constant = JsonNodeFactory.instance.textNode(text.render(null));
                return alert -> constant;
            }
            return alert -> JsonNodeFactory.instance.textNode(text.render(alert));
        }
        JsonNode constant = node.deepCopy();
        return alert -> constant;
    }
}
