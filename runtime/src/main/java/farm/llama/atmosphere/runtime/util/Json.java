package farm.llama.atmosphere.runtime.util;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import farm.llama.atmosphere.runtime.api.JsonText;
import java.io.UncheckedIOException;

/** The one JSON mapper of the runtime. */
public final class Json {

    /** What the runtime's mappers add: {@link JsonText} written as the JSON it holds, and any JSON value read into one. */
    public static final Module MODULE = new SimpleModule("atmosphere-json-text")
            .addSerializer(JsonText.class, new JsonTextCodec.Writer())
            .addDeserializer(JsonText.class, new JsonTextCodec.Reader());

    /** Shared, thread-safe mapper. */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    // buffers shared by all threads: the default pool is per thread, and every request runs on a new virtual thread
                    .recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .addModule(new Jdk8Module())
            .addModule(MODULE)
            .build();

    private Json() {
    }

    /** @return compact JSON of {@code value} */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return indented JSON of {@code value} */
    public static String pretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param text JSON text
     * @return the tree
     * @throws IllegalArgumentException naming the problem, if it is not JSON
     */
    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw notJson(e);
        }
    }

    /**
     * @param utf8 JSON text in UTF-8
     * @return the tree
     * @throws IllegalArgumentException naming the problem, if it is not JSON
     */
    public static JsonNode parse(byte[] utf8) {
        try {
            return MAPPER.readTree(utf8);
        } catch (JsonProcessingException e) {
            throw notJson(e);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e); // not thrown for an array
        }
    }

    private static IllegalArgumentException notJson(JsonProcessingException e) {
        return new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage()
                + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
    }
}
