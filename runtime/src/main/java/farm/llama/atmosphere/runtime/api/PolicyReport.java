package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What this node shares with the other members, and with whom ({@code GET /api/v1/policy}, {@code policy show --json}).
 *
 * @param share whether it shares at all
 * @param allow model globs offered to every member
 * @param deny model globs withheld from every member
 * @param rate requests allowed per member ({@code 60/min})
 * @param concurrency requests of one member served at once
 * @param peers rules for particular members, by node id
 * @param notes how the policy is applied
 */
public record PolicyReport(boolean share, List<String> allow, List<String> deny, String rate, int concurrency, Map<String, Peer> peers,
                           List<String> notes) {

    /**
     * The rules for one member.
     *
     * @param allow model globs offered to it
     * @param deny model globs withheld from it
     * @param rate its own rate, if set
     * @param concurrency its own concurrency, if set
     */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public record Peer(List<String> allow, List<String> deny, Optional<String> rate, Optional<Integer> concurrency) {

        /** Copies; a missing optional is empty. */
        public Peer {
            allow = List.copyOf(allow);
            deny = List.copyOf(deny);
            rate = Optionals.orEmpty(rate);
            concurrency = Optionals.orEmpty(concurrency);
        }
    }

    /** Copies. */
    public PolicyReport {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        peers = Collections.unmodifiableMap(new LinkedHashMap<>(peers));
        notes = List.copyOf(notes);
    }
}
