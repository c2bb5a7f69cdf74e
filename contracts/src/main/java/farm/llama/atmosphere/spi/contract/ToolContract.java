package farm.llama.atmosphere.spi.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.tool.Tool;
import farm.llama.atmosphere.spi.tool.ToolCall;
import farm.llama.atmosphere.spi.tool.ToolProvider;
import farm.llama.atmosphere.spi.tool.ToolResult;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every tool provider must do: tools with unique names, a schema that is a JSON object of
 * type object, and, for the arguments the plugin gives as a sample of each tool, a JSON result —
 * or a {@link CallFailedException}, never another failure, on a node with no capabilities.
 */
public abstract class ToolContract extends ProviderContract<ToolProvider> {

    @Override
    protected Class<ToolProvider> family() {
        return ToolProvider.class;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text, String what) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return fail(what + " is not JSON: " + e.getOriginalMessage() + ": " + text);
        }
    }

    /** @return valid arguments (a JSON object) for each of the provider's tools, by name */
    protected abstract Map<String, String> sampleArguments();

    @Test
    public void everyToolHasAUniqueNameADescriptionAndAnObjectSchema() {
        List<Tool> tools = provider().create(context());
        assertFalse(tools.isEmpty(), "a tool provider offers tools");
        Set<String> names = new HashSet<>();
        for (Tool t : tools) {
            assertTrue(names.add(t.spec().name()), "two tools named " + t.spec().name());
            assertFalse(t.spec().description().isBlank(), t.spec().name() + " needs a description");
            JsonNode schema = json(t.spec().parametersSchema(), t.spec().name() + "'s parameters schema");
            assertTrue(schema.isObject() && schema.path("type").asText().equals("object"),
                    t.spec().name() + ": the parameters schema is a JSON object of type object: " + schema);
        }
    }

    @Test
    public void everyToolAnswersItsSampleWithJsonOrACallFailure() {
        List<Tool> tools = provider().create(context());
        Map<String, String> samples = sampleArguments();
        for (Tool t : tools) {
            String args = samples.get(t.spec().name());
            if (args == null) {
                fail("give a sample of arguments for " + t.spec().name());
            }
            try {
                ToolResult r = t.invoke(new ToolCall(args, "local"));
                json(r.json(), t.spec().name() + "'s result");
            } catch (CallFailedException e) {
                assertFalse(String.valueOf(e.getMessage()).isBlank(), t.spec().name() + " failed without saying why");
            }
        }
        assertEquals(Set.copyOf(tools.stream().map(t -> t.spec().name()).toList()), samples.keySet(), "a sample for each tool, no more");
    }
}
