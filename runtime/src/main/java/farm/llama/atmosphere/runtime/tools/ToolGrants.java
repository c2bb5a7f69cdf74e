package farm.llama.atmosphere.runtime.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which permissions each caller holds ({@code tools.grants} in config): keyed by {@code local}
 * (this machine's own clients), {@code mesh} (any member) or a member's verified node id. Patterns
 * are colon-segmented; {@code *} matches one segment, or everything when it is the last one
 * ({@code storage:*}, {@code *}). Defaults: {@code local: ["*"]}, members nothing — a member may
 * run only tools that need no permission until the owner grants more.
 */
public final class ToolGrants {

    private final Map<String, List<String>> grants;

    private ToolGrants(Map<String, List<String>> grants) {
        this.grants = grants;
    }

    /**
     * @param section the {@code tools.grants} map from config (caller → list of patterns), or null
     * @return the grants, defaults filled in
     */
    public static ToolGrants of(Object section) {
        Map<String, List<String>> g = new LinkedHashMap<>();
        g.put("local", List.of("*"));
        if (section instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                List<String> patterns = new ArrayList<>();
                if (v instanceof List<?> l) {
                    l.forEach(x -> patterns.add(String.valueOf(x)));
                } else if (v != null) {
                    patterns.add(String.valueOf(v));
                }
                g.put(String.valueOf(k), List.copyOf(patterns));
            });
        }
        return new ToolGrants(g);
    }

    static boolean matches(String pattern, String permission) {
        String[] p = pattern.split(":");
        String[] q = permission.split(":");
        for (int i = 0; i < p.length; i++) {
            if (p[i].equals("*") && i == p.length - 1) {
                return true;
            }
            if (i >= q.length || (!p[i].equals("*") && !p[i].equals(q[i]))) {
                return false;
            }
        }
        return p.length == q.length;
    }

    /** @return the patterns a caller holds: its own entry, plus {@code mesh} for members */
    List<String> held(String caller) {
        List<String> out = new ArrayList<>(grants.getOrDefault(caller, List.of()));
        if (!caller.equals("local")) {
            out.addAll(grants.getOrDefault("mesh", List.of()));
        }
        return out;
    }

    /**
     * @param caller {@code local} or a member's node id
     * @param required the tool's permissions
     * @return the first permission the caller lacks, if any
     */
    public Optional<String> missing(String caller, List<String> required) {
        List<String> held = held(caller);
        for (String r : required) {
            if (held.stream().noneMatch(p -> matches(p, r))) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
