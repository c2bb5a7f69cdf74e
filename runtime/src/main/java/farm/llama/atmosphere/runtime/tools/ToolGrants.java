package farm.llama.atmosphere.runtime.tools;

import farm.llama.atmosphere.spi.Caller;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which permissions each caller holds ({@code tools.grants} in config): keyed by {@code local}
 * (this machine's own clients), {@code trigger} (this node's triggers, and triggers of other
 * members whose calls reach it), {@code mesh} (any member) or a member's verified node id. Patterns
 * are colon-segmented; {@code *} matches one segment, or everything when it is the last one
 * ({@code storage:*}, {@code *}). Defaults: {@code local: ["*"]}, triggers and members nothing — they
 * may run only tools that need no permission until the owner grants more. A {@link Caller} that
 * passed through several nodes holds only what each of them holds.
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

    /** @return the patterns a grants entry holds: its own, plus {@code mesh} for a member's node id */
    List<String> held(String entry) {
        List<String> out = new ArrayList<>(grants.getOrDefault(entry, List.of()));
        if (!entry.equals("local") && !entry.equals("trigger")) {
            out.addAll(grants.getOrDefault("mesh", List.of()));
        }
        return out;
    }

    /**
     * @param caller who asks
     * @return the grants entries that must each hold a permission for this caller: the member that
     *         sent the call, the node it began on, and {@code trigger} for a trigger (this node's own
     *         callers: just {@code local} or {@code trigger})
     */
    static List<String> parties(Caller caller) {
        List<String> out = new ArrayList<>();
        if (!caller.via().isEmpty()) {
            out.add(caller.via());
        }
        if (!caller.origin().isEmpty() && !caller.origin().equals(caller.via())) {
            out.add(caller.origin());
        }
        if (caller.origin().isEmpty() || caller.principal().equals("trigger")) {
            out.add(caller.principal());
        }
        return out;
    }

    /**
     * @param caller who asks
     * @param required the tool's permissions
     * @return the first permission the caller lacks, with the grants entry it is missing from
     */
    public Optional<Missing> missing(Caller caller, List<String> required) {
        for (String r : required) {
            for (String party : parties(caller)) {
                if (held(party).stream().noneMatch(p -> matches(p, r))) {
                    return Optional.of(new Missing(r, party, held(party)));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * A permission a caller lacks.
     *
     * @param permission the permission
     * @param entry the {@code tools.grants} entry that does not hold it ({@code local}, {@code trigger} or a node id)
     * @param held what that entry holds
     */
    public record Missing(String permission, String entry, List<String> held) {
        /**
         * @param caller who asked
         * @return a sentence naming the permission, who lacks it and where to grant it
         */
        public String explain(Caller caller) {
            String who = entry.equals("local") ? "local callers do" : entry.equals("trigger") ? "triggers do" : "node " + entry + " does";
            String relayed = caller.isOwn() ? "" : " (the call is from " + caller + ", and every party to it must hold it)";
            return "the permission " + permission + ", which " + who + " not hold" + relayed + ". Grant it under tools.grants."
                    + entry + " in config.yaml (holding: " + held + ").";
        }
    }
}
