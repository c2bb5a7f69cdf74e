package farm.llama.atmosphere.plugin.tools.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;

/** JSON helpers shared by the core tools. */
final class Tools {

    static final ObjectMapper JSON = new ObjectMapper();

    private Tools() {
    }

    static JsonNode args(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "arguments are not JSON: " + e.getOriginalMessage());
        }
    }

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new CallFailedException(FailureKind.INTERNAL, "cannot write result: " + e.getOriginalMessage());
        }
    }
}
