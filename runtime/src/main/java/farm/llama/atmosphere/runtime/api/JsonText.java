package farm.llama.atmosphere.runtime.api;

import java.util.Objects;

/**
 * A JSON value whose shape is not the node's to know — a tool's result, an agent's parameters,
 * a trigger's payload — carried as its text and written into a document as the value it is
 * (the runtime's JSON mappers register that codec: {@code util.Json.MODULE}).
 *
 * @param json the JSON text, checked to be JSON
 */
public record JsonText(String json) {

    /** An empty object. */
    public static final JsonText EMPTY_OBJECT = new JsonText("{}");
    /** JSON's null. */
    public static final JsonText NULL = new JsonText("null");

    /**
     * @throws IllegalArgumentException naming the problem, if it is not JSON
     */
    public JsonText {
        Objects.requireNonNull(json, "json");
        json = JsonSyntax.compact(json); // checked, and compact
    }

    /** @return whether it is a JSON object */
    public boolean isObject() {
        return json.startsWith("{");
    }

    @Override
    public String toString() {
        return json;
    }
}
