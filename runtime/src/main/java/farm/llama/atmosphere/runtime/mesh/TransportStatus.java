package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.api.NetworkReport;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.transport.Transport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a transport reports for diagnostics.
 *
 * @param type the transport
 * @param relays its relay connections (a relay transport)
 */
public record TransportStatus(String type, List<NetworkReport.Relay> relays) {

    private static final System.Logger LOG = System.getLogger(TransportStatus.class.getName());

    /**
     * @param rt the running mesh, or null
     * @return each transport it runs over, with what it reports (a relay: its connections and round trips)
     */
    static List<TransportStatus> of(MeshRuntime rt) {
        List<TransportStatus> out = new ArrayList<>();
        if (rt == null) {
            return out;
        }
        for (Transport t : rt.transports()) {
            List<NetworkReport.Relay> relays = new ArrayList<>();
            try {
                // plugins report plain values, lists and maps (the SPI's diagnostics form); read as the rows they are
                for (JsonNode r : Json.MAPPER.valueToTree(t.status()).path("relays")) {
                    relays.add(Json.MAPPER.treeToValue(r, NetworkReport.Relay.class));
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, () -> "the " + t.type() + " transport's status is unreadable (its rows are left out of 'network'): " + e);
            }
            out.add(new TransportStatus(t.type(), relays));
        }
        return out;
    }
}
