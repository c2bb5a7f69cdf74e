package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Optional;

/**
 * What this node's networking looks like ({@code GET /api/v1/network}, {@code network --json}).
 *
 * @param addresses the interfaces that are up and their addresses
 * @param addressesError why the interfaces could not be listed, when they could not
 * @param mesh the mesh port
 * @param relays each relay connection
 * @param mdns LAN discovery
 * @param peers each other member, and whether its mesh port accepts a connection from here
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record NetworkReport(List<Interface> addresses, Optional<String> addressesError, Mesh mesh, List<Relay> relays, Mdns mdns,
                            List<Peer> peers) {

    /** Copies; a missing optional is empty. */
    public NetworkReport {
        addresses = List.copyOf(addresses);
        addressesError = Optionals.orEmpty(addressesError);
        relays = List.copyOf(relays);
        peers = List.copyOf(peers);
    }

    /**
     * A network interface.
     *
     * @param interfaceName its name ({@code eth0})
     * @param loopback whether it is the loopback
     * @param multicast whether it supports multicast (mDNS needs it)
     * @param addresses its addresses
     */
    public record Interface(@JsonProperty("interface") String interfaceName, boolean loopback, boolean multicast,
                            List<String> addresses) {
    }

    /**
     * The mesh port.
     *
     * @param member whether this node belongs to a mesh
     * @param running whether the mesh runs here
     * @param port the port it listens on (0 when it does not)
     * @param endpoints where it listens, and whether each accepts a connection
     * @param transports the transports that run
     */
    public record Mesh(boolean member, boolean running, int port, List<Endpoint> endpoints, List<String> transports) {
    }

    /**
     * An endpoint this node listens at.
     *
     * @param endpoint the endpoint
     * @param accepts open, refused, timeout, unknown, or none (through relays)
     */
    public record Endpoint(String endpoint, String accepts) {
    }

    /**
     * A relay connection.
     *
     * @param url the relay
     * @param state admitted, connecting, waiting, refused — or, without a relay transport, why there is none
     * @param rttMs the measured round trip, null before one is measured
     * @param members how many members are connected there
     * @param since since when it is in that state (ISO-8601)
     * @param reconnects how often it reconnected
     * @param error the relay's last reason, null when none
     */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public record Relay(String url, String state, @JsonInclude(JsonInclude.Include.ALWAYS) Double rttMs, Optional<Integer> members,
                        Optional<String> since, Optional<Integer> reconnects, @JsonInclude(JsonInclude.Include.ALWAYS) String error) {

        /** A missing optional is empty. */
        public Relay {
            members = Optionals.orEmpty(members);
            since = Optionals.orEmpty(since);
            reconnects = Optionals.orEmpty(reconnects);
        }
    }

    /**
     * LAN discovery over mDNS.
     *
     * @param enabled whether {@code mesh.mdns} allows it
     * @param running whether it runs
     * @param address the address it uses
     * @param heard how many nodes it hears
     */
    public record Mdns(boolean enabled, boolean running, String address, int heard) {
    }

    /**
     * Another member, as the network sees it.
     *
     * @param nodeId its node id
     * @param name its name
     * @param state alive, suspect, dead or left
     * @param transport the transport of the link in use
     * @param address where it is reached
     * @param rttMs the measured round trip, null when not measured
     * @param meshPort whether its mesh port accepts a TCP connection from here
     * @param error why it is refused, when it is
     */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public record Peer(String nodeId, String name, String state, String transport, String address,
                       @JsonInclude(JsonInclude.Include.ALWAYS) Double rttMs, String meshPort, Optional<String> error) {

        /** A missing optional is empty. */
        public Peer {
            error = Optionals.orEmpty(error);
        }
    }
}
