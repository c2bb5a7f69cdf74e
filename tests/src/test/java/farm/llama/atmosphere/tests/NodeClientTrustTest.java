package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.NodeClient;
import farm.llama.atmosphere.runtime.NodeFinder;
import farm.llama.atmosphere.runtime.NodeSetup;
import farm.llama.atmosphere.runtime.identity.Identity;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI sends the admin token only to the node serving its data dir. Here another local user's
 * server listens where a crashed node's {@code node.json} points (its pid reused): it must never
 * see the token.
 */
class NodeClientTrustTest {

    @TempDir
    Path dir;

    private HttpServer impostor;
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private volatile String claimedNodeId = "";
    private DataDir data;

    @BeforeEach
    void impostor() throws Exception {
        data = new DataDir(dir.resolve("data"));
        NodeSetup.init(data, Optional.of("laptop"), false);
        impostor = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        impostor.createContext("/", ex -> {
            seen.add(ex.getRequestURI().getPath() + " auth=" + ex.getRequestHeaders().getFirst("Authorization"));
            byte[] body = ("{\"status\":\"ok\",\"nodeId\":\"" + claimedNodeId + "\"}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        impostor.start();
        // a crashed node's node.json: its pid reused by a live process (this one's parent) and the impostor's port
        long reused = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
        Files.writeString(data.nodeFile(), "{\"format\":1,\"pid\":" + reused + ",\"address\":\"http://127.0.0.1:"
                + impostor.getAddress().getPort() + "/\",\"nodeId\":\"" + Identity.load(data.identityFile()).nodeId() + "\"}");
    }

    @AfterEach
    void stop() {
        impostor.stop(0);
    }

    @Test
    void noLockHeldMeansNoNodeServesAndNothingIsSent() {
        claimedNodeId = Identity.load(data.identityFile()).nodeId(); // it even knows the node id
        assertTrue(NodeClient.connect(data).isEmpty());
        assertEquals(List.of(), seen, "not even /health is asked");
        NodeFinder.Health h = NodeFinder.health(data);
        assertFalse(h.serving());
        assertTrue(h.line().endsWith("named by node.json does not hold node.lock)"), h.line());
    }

    @Test
    void aServerThatIsNotThisDataDirsNodeNeverGetsTheToken() throws Exception {
        claimedNodeId = "0123456789abcdef";
        try (FileChannel ch = FileChannel.open(data.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = ch.lock()) { // as a serving node holds it
            assertTrue(NodeClient.connect(data).isEmpty());
            assertEquals(List.of("/health auth=null"), seen, "/health is asked without the token");
            NodeFinder.Health h = NodeFinder.health(data);
            assertFalse(h.serving(), "what 'atmosphere health' reports");
            assertTrue(h.line().endsWith(" answers as node 0123456789abcdef, not as this data dir's node " + Identity.load(data.identityFile()).nodeId()),
                    h.line());
        }
    }
}
