package farm.llama.atmosphere.tests;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/** What the tests of a mesh share, in-process or between image processes (the image tests use it from the test jar). */
public final class MeshFixtures {

    /** Ports handed to nodes a test names before they listen: below the kernel's ephemeral range (32768-60999 on Linux). */
    private static final int PORTS_FROM = 20_000;
    private static final int PORTS_TO = 32_000;
    private static final AtomicInteger NEXT_PORT =
            new AtomicInteger((int) (ProcessHandle.current().pid() * 97 % (PORTS_TO - PORTS_FROM)));

    private MeshFixtures() {
    }

    /**
     * A port for a node to listen on later. Not the kernel's pick (port 0): that comes from the
     * ephemeral range, from which every outgoing connection of this JVM also takes its local port,
     * so the port could be taken between this call and the node's bind. These come from below that
     * range, each once per JVM, and are checked free now.
     *
     * @return the port
     * @throws IOException if none is free
     */
    public static int freePort() throws IOException {
        for (int i = 0; i < PORTS_TO - PORTS_FROM; i++) {
            int port = PORTS_FROM + Math.floorMod(NEXT_PORT.getAndIncrement(), PORTS_TO - PORTS_FROM);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException taken) {
                // someone listens there: the next one
            }
        }
        throw new IOException("no free port between " + PORTS_FROM + " and " + PORTS_TO);
    }

    /**
     * @param member a member as the API lists it
     * @return how many of its capabilities are its backends' (not its tools or agent types)
     */
    public static int backendCapabilities(JsonNode member) {
        int n = 0;
        for (JsonNode c : member.path("capabilities")) {
            String type = c.path("type").asText();
            n += type.startsWith("tool/") || type.startsWith("agent/") ? 0 : 1;
        }
        return n;
    }
}
