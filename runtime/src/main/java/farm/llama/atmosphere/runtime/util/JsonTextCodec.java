package farm.llama.atmosphere.runtime.util;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import farm.llama.atmosphere.runtime.api.JsonText;
import java.io.IOException;

/** Writes a {@link JsonText} as the JSON it holds, and reads any JSON value into one. */
final class JsonTextCodec {

    private JsonTextCodec() {
    }

    /** Writes the JSON as it is. */
    static final class Writer extends StdSerializer<JsonText> {
        /** For Jackson. */
        public Writer() {
            super(JsonText.class);
        }

        @Override
        public void serialize(JsonText value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeTree(Json.parse(value.json()));
        }
    }

    /** Reads whatever JSON value is there. */
    static final class Reader extends StdDeserializer<JsonText> {
        /** For Jackson. */
        public Reader() {
            super(JsonText.class);
        }

        @Override
        public JsonText deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return new JsonText(Json.write(p.readValueAsTree()));
        }

        @Override
        public JsonText getNullValue(DeserializationContext ctxt) {
            return JsonText.NULL;
        }
    }
}
