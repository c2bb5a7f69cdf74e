package farm.llama.atmosphere.runtime.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks tool arguments against a JSON-schema: the subset tools use ({@code type}, {@code properties},
 * {@code required}, {@code additionalProperties}, {@code enum}, {@code const}, {@code minimum},
 * {@code maximum}, {@code exclusiveMinimum}, {@code exclusiveMaximum}, {@code minLength},
 * {@code maxLength}, {@code pattern}, {@code items}, {@code minItems}, {@code maxItems}).
 * Each problem names the parameter and what was expected.
 */
public final class SchemaValidator {

    private SchemaValidator() {
    }

    /**
     * @param schema the schema
     * @param value the arguments
     * @return problems, empty if valid
     */
    public static List<String> validate(JsonNode schema, JsonNode value) {
        return problems(schema, value).stream().map(Problem::message).toList();
    }

    /**
     * One thing wrong with the arguments.
     *
     * @param path where: the parameter's path ({@code a.b[2]}), empty for the arguments as a whole
     * @param message what is wrong, naming the parameter
     */
    public record Problem(String path, String message) {
    }

    /**
     * @param schema the schema
     * @param value the arguments
     * @return problems with the path of the parameter each is about, empty if valid
     */
    public static List<Problem> problems(JsonNode schema, JsonNode value) {
        List<Problem> problems = new ArrayList<>();
        check(schema, value, "", problems);
        return problems;
    }

    private static String name(String path) {
        return path.isEmpty() ? "the parameters" : "parameter '" + path + "'";
    }

    private static void check(JsonNode schema, JsonNode value, String path, List<Problem> problems) {
        if (schema == null || !schema.isObject()) {
            return;
        }
        JsonNode type = schema.get("type");
        if (type != null) {
            List<String> types = new ArrayList<>();
            if (type.isArray()) {
                type.forEach(t -> types.add(t.asText()));
            } else {
                types.add(type.asText());
            }
            if (types.stream().noneMatch(t -> matches(t, value))) {
                problems.add(new Problem(path, name(path) + ": expected " + String.join(" or ", types.stream().map(SchemaValidator::article).toList())
                        + ", got " + describe(value)));
                return;
            }
        }
        JsonNode enumValues = schema.get("enum");
        if (enumValues != null && enumValues.isArray()) {
            boolean found = false;
            for (JsonNode e : enumValues) {
                found |= e.equals(value);
            }
            if (!found) {
                problems.add(new Problem(path, name(path) + ": expected one of " + enumValues + ", got " + value));
            }
        }
        JsonNode constant = schema.get("const");
        if (constant != null && !constant.equals(value)) {
            problems.add(new Problem(path, name(path) + ": expected " + constant + ", got " + value));
        }
        if (value.isNumber()) {
            double v = value.asDouble();
            bound(schema, "minimum", v, path, problems, (x, b) -> x >= b, "at least");
            bound(schema, "maximum", v, path, problems, (x, b) -> x <= b, "at most");
            bound(schema, "exclusiveMinimum", v, path, problems, (x, b) -> x > b, "more than");
            bound(schema, "exclusiveMaximum", v, path, problems, (x, b) -> x < b, "less than");
        }
        if (value.isTextual()) {
            int len = value.asText().codePointCount(0, value.asText().length());
            if (schema.has("minLength") && len < schema.get("minLength").asInt()) {
                problems.add(new Problem(path, name(path) + ": expected at least " + schema.get("minLength").asInt() + " characters, got " + len));
            }
            if (schema.has("maxLength") && len > schema.get("maxLength").asInt()) {
                problems.add(new Problem(path, name(path) + ": expected at most " + schema.get("maxLength").asInt() + " characters, got " + len));
            }
            if (schema.has("pattern")) {
                try {
                    if (!Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
                        problems.add(new Problem(path, name(path) + ": expected text matching " + schema.get("pattern").asText() + ", got " + value));
                    }
                } catch (PatternSyntaxException e) {
                    problems.add(new Problem(path, name(path) + ": the tool's schema has an invalid pattern"));
                }
            }
        }
        if (value.isArray()) {
            if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
                problems.add(new Problem(path, name(path) + ": expected at least " + schema.get("minItems").asInt() + " items, got " + value.size()));
            }
            if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
                problems.add(new Problem(path, name(path) + ": expected at most " + schema.get("maxItems").asInt() + " items, got " + value.size()));
            }
            JsonNode items = schema.get("items");
            for (int i = 0; i < value.size(); i++) {
                check(items, value.get(i), path + "[" + i + "]", problems);
            }
        }
        if (value.isObject()) {
            JsonNode props = schema.path("properties");
            JsonNode required = schema.get("required");
            if (required != null) {
                for (JsonNode r : required) {
                    if (!value.has(r.asText())) {
                        String child = path.isEmpty() ? r.asText() : path + "." + r.asText();
                        JsonNode ps = props.path(r.asText());
                        String expected = ps.has("type") ? " (" + article(ps.get("type").asText()) + ")" : "";
                        problems.add(new Problem(child, "parameter '" + child + "' is required" + expected + " but missing"));
                    }
                }
            }
            JsonNode additional = schema.get("additionalProperties");
            Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String child = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
                if (props.has(f.getKey())) {
                    check(props.get(f.getKey()), f.getValue(), child, problems);
                } else if (additional != null && additional.isBoolean() && !additional.asBoolean()) {
                    List<String> known = new ArrayList<>();
                    props.fieldNames().forEachRemaining(known::add);
                    problems.add(new Problem(child, "parameter '" + child + "' is not accepted; known parameters: "
                            + (known.isEmpty() ? "none" : String.join(", ", known))));
                } else if (additional != null && additional.isObject()) {
                    check(additional, f.getValue(), child, problems);
                }
            }
        }
    }

    private interface Cmp {
        boolean ok(double value, double bound);
    }

    private static void bound(JsonNode schema, String key, double v, String path, List<Problem> problems, Cmp cmp, String words) {
        JsonNode b = schema.get(key);
        if (b != null && b.isNumber() && !cmp.ok(v, b.asDouble())) {
            problems.add(new Problem(path, name(path) + ": expected " + words + " " + b.asText() + ", got " + trim(v)));
        }
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static boolean matches(String type, JsonNode v) {
        return switch (type) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()));
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            default -> true;
        };
    }

    private static String article(String type) {
        return switch (type) {
            case "object" -> "an object";
            case "array" -> "an array";
            case "string" -> "a string";
            case "integer" -> "an integer";
            case "number" -> "a number";
            case "boolean" -> "true or false";
            case "null" -> "null";
            default -> type;
        };
    }

    private static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "the string " + v;
        }
        if (v.isObject()) {
            return "an object";
        }
        if (v.isArray()) {
            return "an array";
        }
        return v.toString();
    }
}
