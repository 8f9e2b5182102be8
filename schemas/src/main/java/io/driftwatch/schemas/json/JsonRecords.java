package io.driftwatch.schemas.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.schemas.AvroClassTrust;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Driftwatch's records as plain JSON (DESIGN.md "Offline replay"): field names as in the schemas,
 * {@code "mode": 420} rather than Avro's JSON encoding {@code {"int": 420}}, enums by name. Reading
 * ignores unknown fields, takes a missing optional field as null (or its default), and refuses a
 * missing required field or a value of the wrong type, naming the field. Writing gives every
 * field, null where empty.
 */
public final class JsonRecords {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static {
        AvroClassTrust.install();
    }

    private JsonRecords() {
    }

    /** Reads one JSON object as a record of the given generated class. */
    public static <T extends SpecificRecord> T read(String json, Class<T> type) throws JsonRecordException {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new JsonRecordException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        return fromNode(node, type);
    }

    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> T fromNode(JsonNode node, Class<T> type) throws JsonRecordException {
        AvroClassTrust.trustPackageOf(type);
        Schema schema = SpecificData.get().getSchema(type);
        if (node == null || !node.isObject()) {
            throw new JsonRecordException("expected a JSON object for a " + schema.getName());
        }
        GenericRecord generic = (GenericRecord) convert(node, schema, "");
        return (T) SpecificData.get().deepCopy(schema, generic);
    }

    /** Reads a JSON-lines file; blank lines are skipped; a bad line fails with file and line number. */
    public static <T extends SpecificRecord> List<T> readLines(Path file, Class<T> type) throws IOException, JsonRecordException {
        List<T> records = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    records.add(read(line, type));
                } catch (JsonRecordException e) {
                    throw new JsonRecordException(file + ":" + number + ": " + e.getMessage(), e);
                }
            }
        }
        return records;
    }

    /** One record as a compact JSON object with every field. */
    public static String write(IndexedRecord record) {
        return toNode(record).toString();
    }

    public static ObjectNode toNode(IndexedRecord record) {
        ObjectNode node = NODES.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            node.set(field.name(), toJson(record.get(field.pos())));
        }
        return node;
    }

    private static JsonNode toJson(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof IndexedRecord nested) {
            return toNode(nested);
        }
        if (value instanceof CharSequence || value instanceof Enum<?> || value instanceof GenericData.EnumSymbol) {
            return NODES.textNode(value.toString());
        }
        if (value instanceof Integer i) {
            return NODES.numberNode(i);
        }
        if (value instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (value instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (value instanceof Float f) {
            return NODES.numberNode(f);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode object = NODES.objectNode();
            new java.util.TreeMap<>(map).forEach((k, v) -> object.set(k.toString(), toJson(v)));
            return object;
        }
        if (value instanceof List<?> list) {
            ArrayNode array = NODES.arrayNode();
            list.forEach(item -> array.add(toJson(item)));
            return array;
        }
        return NODES.textNode(value.toString());
    }

    private static Object convert(JsonNode node, Schema schema, String path) throws JsonRecordException {
        switch (schema.getType()) {
            case RECORD -> {
                if (!node.isObject()) {
                    throw wrongType(path, "an object", node);
                }
                GenericRecord record = new GenericData.Record(schema);
                for (Schema.Field field : schema.getFields()) {
                    String fieldPath = path.isEmpty() ? field.name() : path + "." + field.name();
                    JsonNode value = node.get(field.name());
                    if (value == null || value.isNull()) {
                        if (allowsNull(field.schema())) {
                            record.put(field.pos(), null);
                        } else if (field.hasDefaultValue()) {
                            record.put(field.pos(), GenericData.get().getDefaultValue(field));
                        } else {
                            throw new JsonRecordException("missing required field '" + fieldPath + "'");
                        }
                    } else {
                        record.put(field.pos(), convert(value, field.schema(), fieldPath));
                    }
                }
                return record;
            }
            case UNION -> {
                if (node.isNull()) {
                    return null;
                }
                JsonRecordException last = null;
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() == Schema.Type.NULL) {
                        continue;
                    }
                    try {
                        return convert(node, branch, path);
                    } catch (JsonRecordException e) {
                        last = e;
                    }
                }
                throw last != null ? last : wrongType(path, "null", node);
            }
            case STRING -> {
                if (!node.isTextual()) {
                    throw wrongType(path, "a string", node);
                }
                return node.asText();
            }
            case INT -> {
                if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                    throw wrongType(path, "an integer", node);
                }
                return node.intValue();
            }
            case LONG -> {
                if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                    throw wrongType(path, "an integer", node);
                }
                return node.longValue();
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw wrongType(path, "true or false", node);
                }
                return node.booleanValue();
            }
            case DOUBLE, FLOAT -> {
                if (!node.isNumber()) {
                    throw wrongType(path, "a number", node);
                }
                return schema.getType() == Schema.Type.DOUBLE ? (Object) node.doubleValue() : (Object) node.floatValue();
            }
            case ENUM -> {
                if (!node.isTextual() || !schema.getEnumSymbols().contains(node.asText())) {
                    throw new JsonRecordException("field '" + path + "': " + node + " is not one of "
                            + schema.getEnumSymbols());
                }
                return new GenericData.EnumSymbol(schema, node.asText());
            }
            case ARRAY -> {
                if (!node.isArray()) {
                    throw wrongType(path, "an array", node);
                }
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < node.size(); i++) {
                    items.add(convert(node.get(i), schema.getElementType(), path + "[" + i + "]"));
                }
                return items;
            }
            case MAP -> {
                if (!node.isObject()) {
                    throw wrongType(path, "an object", node);
                }
                Map<String, Object> map = new LinkedHashMap<>();
                Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> entry = fields.next();
                    map.put(entry.getKey(), convert(entry.getValue(), schema.getValueType(), path + "." + entry.getKey()));
                }
                return map;
            }
            default -> throw new JsonRecordException("field '" + path + "': unsupported schema type " + schema.getType());
        }
    }

    private static boolean allowsNull(Schema schema) {
        return schema.getType() == Schema.Type.NULL || (schema.getType() == Schema.Type.UNION
                && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL));
    }

    private static JsonRecordException wrongType(String path, String expected, JsonNode actual) {
        String shown = actual.toString();
        return new JsonRecordException("field '" + path + "': expected " + expected + ", found "
                + (shown.length() > 60 ? shown.substring(0, 60) + "..." : shown));
    }
}
