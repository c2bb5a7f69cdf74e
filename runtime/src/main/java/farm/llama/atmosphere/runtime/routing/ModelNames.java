package farm.llama.atmosphere.runtime.routing;

import farm.llama.atmosphere.spi.discovery.Capability;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How a model named in a request matches the models capabilities serve: Ollama's {@code :latest} tag is optional. */
public final class ModelNames {

    private ModelNames() {
    }

    /**
     * @param capability a capability
     * @param model a model name from a request
     * @return whether the capability serves it ({@code llama3.2} matches {@code llama3.2:latest})
     */
    public static boolean serves(Capability capability, String model) {
        String m = model.toLowerCase(Locale.ROOT);
        for (String name : capability.models()) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.equals(m) || n.equals(m + ":latest") || (n + ":latest").equals(m)) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param capabilities capabilities
     * @return each model name they serve, once, without {@code :latest}, with the capabilities that serve it
     */
    static Map<String, List<Capability>> byName(List<Capability> capabilities) {
        Map<String, List<Capability>> out = new LinkedHashMap<>();
        for (Capability c : capabilities) {
            for (String m : c.models()) {
                String name = m.endsWith(":latest") ? m.substring(0, m.length() - 7) : m;
                out.computeIfAbsent(name, k -> new ArrayList<>()).add(c);
            }
        }
        return out;
    }
}
