package farm.llama.atmosphere.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The shape of a JSON value: its field names and JSON types, without the values. An object is
 * its fields' shapes by name; an array is the merged shape of its elements; a scalar is
 * {@code "string"}, {@code "integer"}, {@code "decimal"}, {@code "boolean"} or {@code "null"}.
 * Where one place holds values of different types (an array's elements, a field that is
 * sometimes null), the types are joined: {@code "null|string"}. An object whose keys are data
 * (counters by reason, nodes by id) is named as one of those: its values' merged shape under
 * {@code "*"}.
 */
final class JsonShapes {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private JsonShapes() {
    }

    /**
     * @param value a JSON value
     * @param dataKeyed paths (like {@code messages} or {@code nodes.*.x}) of objects whose keys are data
     * @return its shape
     */
    static JsonNode of(JsonNode value, Set<String> dataKeyed) {
        return of(value, "", dataKeyed);
    }

    private static JsonNode of(JsonNode value, String path, Set<String> dataKeyed) {
        if (value.isObject()) {
            ObjectNode shape = F.objectNode();
            if (dataKeyed.contains(path)) {
                JsonNode merged = null;
                for (Map.Entry<String, JsonNode> e : value.properties()) {
                    merged = merge(merged, of(e.getValue(), join(path, "*"), dataKeyed));
                }
                shape.set("*", merged == null ? TextNode.valueOf("nothing") : merged);
                return shape;
            }
            Map<String, JsonNode> sorted = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                sorted.put(e.getKey(), of(e.getValue(), join(path, e.getKey()), dataKeyed));
            }
            sorted.forEach(shape::set);
            return shape;
        }
        if (value.isArray()) {
            JsonNode merged = null;
            for (JsonNode element : value) {
                merged = merge(merged, of(element, join(path, "[]"), dataKeyed));
            }
            ArrayNode shape = F.arrayNode();
            if (merged != null) {
                shape.add(merged);
            }
            return shape;
        }
        return TextNode.valueOf(scalar(value));
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String scalar(JsonNode v) {
        if (v.isNull() || v.isMissingNode()) {
            return "null";
        }
        if (v.isTextual()) {
            return "string";
        }
        if (v.isBoolean()) {
            return "boolean";
        }
        if (v.isIntegralNumber()) {
            return "integer";
        }
        if (v.isNumber()) {
            return "decimal";
        }
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @return one shape that holds both (objects: every field of either; arrays: merged elements; else the types joined) */
    static JsonNode merge(JsonNode a, JsonNode b) {
        if (a == null) {
            return b;
        }
        if (b == null || a.equals(b)) {
            return a;
        }
        if (a.isObject() && b.isObject()) {
            Map<String, JsonNode> fields = new TreeMap<>();
            a.properties().forEach(e -> fields.put(e.getKey(), e.getValue()));
            b.properties().forEach(e -> fields.merge(e.getKey(), e.getValue(), JsonShapes::merge));
            ObjectNode shape = F.objectNode();
            fields.forEach(shape::set);
            return shape;
        }
        if (a.isArray() && b.isArray()) {
            JsonNode merged = merge(a.isEmpty() ? null : a.get(0), b.isEmpty() ? null : b.get(0));
            ArrayNode shape = F.arrayNode();
            if (merged != null) {
                shape.add(merged);
            }
            return shape;
        }
        Set<String> types = new TreeSet<>();
        types.addAll(names(a));
        types.addAll(names(b));
        return TextNode.valueOf(String.join("|", types));
    }

    private static Set<String> names(JsonNode shape) {
        Set<String> out = new TreeSet<>();
        if (shape.isTextual()) {
            out.addAll(java.util.List.of(shape.asText().split("\\|")));
        } else {
            out.add(shape.isArray() ? "array" : "object");
        }
        return out;
    }
}
