package farm.llama.atmosphere.runtime.routing;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * How far a request may travel ({@code x-atmosphere-locality}): {@code local} never leaves this
 * node, {@code lan} may go to members reached at a private, loopback or link-local address,
 * {@code mesh} (the default) anywhere in the mesh.
 */
public enum Locality {
    /** This node's backends only. */
    LOCAL,
    /** Also members on the local network. */
    LAN,
    /** Any member. */
    MESH;

    /**
     * @param header the header's value, if any
     * @return the locality
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Locality parse(Optional<String> header) {
        if (header.isEmpty() || header.get().isBlank()) {
            return MESH;
        }
        try {
            return valueOf(header.get().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("x-atmosphere-locality must be local, lan or mesh, got '" + header.get() + "'");
        }
    }

    /** @return whether a member reached at this URL is on the local network (by its address literal) */
    static boolean onLan(URI url) {
        String host = url.getHost();
        if (host == null) {
            return false;
        }
        String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (!literal.contains(":") && !literal.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return host.endsWith(".local") || host.endsWith(".lan") || host.equals("localhost"); // no DNS on the routing path
        }
        try {
            InetAddress a = InetAddress.getByName(literal);
            return a.isSiteLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress()
                    || (a.getAddress().length == 16 && (a.getAddress()[0] & 0xFE) == 0xFC);
        } catch (UnknownHostException e) {
            return host.endsWith(".local") || host.endsWith(".lan");
        }
    }
}
