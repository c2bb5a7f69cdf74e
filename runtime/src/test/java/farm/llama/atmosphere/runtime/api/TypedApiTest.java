package farm.llama.atmosphere.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.NodeApi;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Over the compiled classes: no {@link NodeApi} method and no type of this package takes or gives
 * {@code Map<String, Object>}, a {@code JsonNode}, an {@code Object}, or a raw or wildcard
 * {@code Map} — in a field, a record component, a constructor or a method — so a renamed field is a
 * compile error, not a surprise at run time.
 */
class TypedApiTest {

    /** @return every class compiled into this package (nested ones too) */
    private static List<Class<?>> apiTypes() throws IOException, URISyntaxException, ClassNotFoundException {
        Path dir = Path.of(JsonText.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(JsonText.class.getPackageName().replace('.', '/'));
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".class") && !name.equals("package-info.class")) {
                    out.add(Class.forName(JsonText.class.getPackageName() + "." + name.substring(0, name.length() - ".class".length())));
                }
            }
        }
        return out;
    }

    /** @return what is wrong with a type used in a signature, or "" */
    static String problem(Type t) {
        if (t == Object.class) {
            return "Object";
        }
        if (t instanceof Class<?> c) {
            if (JsonNode.class.isAssignableFrom(c)) {
                return "a JsonNode";
            }
            if (Map.class.isAssignableFrom(c)) {
                return "a raw Map";
            }
            return c.isArray() ? problem(c.getComponentType()) : "";
        }
        if (t instanceof GenericArrayType g) {
            return problem(g.getGenericComponentType());
        }
        if (t instanceof WildcardType w) {
            return "a wildcard " + w;
        }
        if (t instanceof ParameterizedType p) {
            boolean isMap = p.getRawType() instanceof Class<?> raw && Map.class.isAssignableFrom(raw);
            for (Type arg : p.getActualTypeArguments()) {
                if (isMap && (arg == Object.class || arg instanceof WildcardType)) {
                    return p.getTypeName();
                }
                String inner = problem(arg);
                if (!inner.isEmpty()) {
                    return inner + " in " + p.getTypeName();
                }
            }
        }
        return "";
    }

    private static void check(String where, Type t, List<String> problems) {
        String p = problem(t);
        if (!p.isEmpty()) {
            problems.add(where + ": " + p);
        }
    }

    private static void checkMethod(String owner, Method m, List<String> problems) {
        if (m.isSynthetic() || m.isBridge() || (m.getName().equals("equals") && m.getParameterCount() == 1)) {
            return; // equals(Object) is every type's contract, not this API's
        }
        check(owner + "." + m.getName() + " returns", m.getGenericReturnType(), problems);
        for (Type p : m.getGenericParameterTypes()) {
            check(owner + "." + m.getName() + " takes", p, problems);
        }
    }

    @Test
    void nothingThatCrossesNodeApiIsAMapOfObjectsAJsonTreeOrAnObject() throws Exception {
        List<String> problems = new ArrayList<>();
        for (Method m : NodeApi.class.getDeclaredMethods()) {
            checkMethod("NodeApi", m, problems);
        }
        List<Class<?>> types = apiTypes();
        assertTrue(types.size() > 30, "the api package's classes were found: " + types);
        for (Class<?> c : types) {
            String owner = c.getSimpleName();
            if (c.isRecord()) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    check(owner + "." + rc.getName(), rc.getGenericType(), problems);
                }
            }
            for (Field f : c.getDeclaredFields()) {
                if (!f.isSynthetic()) {
                    check(owner + "." + f.getName(), f.getGenericType(), problems);
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (!k.isSynthetic() && !Modifier.isPrivate(k.getModifiers())) {
                    for (Type p : k.getGenericParameterTypes()) {
                        check(owner + " constructor takes", p, problems);
                    }
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                checkMethod(owner, m, problems);
            }
        }
        assertEquals(List.of(), problems);
    }

    /** The check itself: each shape it must refuse is refused, and typed maps pass. */
    @Test
    void theCheckRefusesMapsOfObjectsJsonTreesObjectsAndWildcards() {
        record Bad(Map<String, Object> a, JsonNode b, Object c, Map<?, ?> d, List<Map<String, Object>> e, Map<String, ? extends Number> f) {
        }
        record Good(Map<String, Long> counts, List<String> names, java.util.Optional<Map<String, Double>> factors) {
        }
        for (RecordComponent rc : Bad.class.getRecordComponents()) {
            assertTrue(!problem(rc.getGenericType()).isEmpty(), rc.getName() + " should be refused: " + rc.getGenericType());
        }
        for (RecordComponent rc : Good.class.getRecordComponents()) {
            assertEquals("", problem(rc.getGenericType()), rc.getName());
        }
    }
}
