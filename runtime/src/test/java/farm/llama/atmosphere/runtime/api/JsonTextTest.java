package farm.llama.atmosphere.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.util.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** JsonText checks its text itself (the API types need no JSON library): valid JSON comes out as Jackson writes it, anything else is refused. */
class JsonTextTest {

    @Test
    void validJsonIsKeptAsTheSameValueWithoutTheSpaceBetweenTokens() {
        for (String json : List.of("{}", "[]", "null", "true", "-0", "12.5", "1e2", "\"a\\\"b\\\\c\\u00e9\\n\"",
                " { \"a\" : [ 1 , 2 , { \"b\" : null } ] ,\n\t\"c\" : \"x y\" } ", "[\"é\", -3, 0.25, false]")) {
            String kept = new JsonText(json).json();
            assertEquals(Json.parse(json), Json.parse(kept), json);
            assertEquals(kept.replace("x y", ""), kept.replace("x y", "").strip().replaceAll("\\s", ""), "compact: " + kept);
        }
        assertEquals("{\"a\":[1,2,{\"b\":null}],\"c\":\"x y\"}", new JsonText(" { \"a\" : [ 1 , 2 , { \"b\" : null } ] ,\n\t\"c\" : \"x y\" } ").json());
    }

    @Test
    void whatIsNotJsonIsRefusedSayingWhere() {
        for (String bad : List.of("", " ", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "{a:1}", "01", "1.", "-", ".5", "1e",
                "\"a\nb\"", "\"\\x\"", "\"\\u12\"", "tru", "nul", "[1] 2", "{\"a\" 1}", "[1 2]", "\"open")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new JsonText(bad), bad);
            assertTrue(e.getMessage().startsWith("not valid JSON at character "), e.getMessage());
        }
    }
}
