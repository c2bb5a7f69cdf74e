package farm.llama.atmosphere.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.shell.Cli;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code atmosphere health}: exit 0 and one line while this data dir's node serves, 1 and one line saying why not otherwise. */
class HealthCommandTest {

    @TempDir
    Path dir;

    private record Run(int code, String out) {
    }

    private static Run health(NodeHarness n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Cli.run(new String[] {"health"}, new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream(),
                Map.of("ATMOSPHERE_DATA_DIR", n.data.path().toString()));
        return new Run(code, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void servingIsZeroAndStoppedIsOneEachWithOneLine() throws Exception {
        NodeHarness n = new NodeHarness(dir, NodeHarness.config(null, null, ""));
        String id = n.node.status().nodeId();
        Run up;
        try (n) {
            up = health(n);
        }
        assertEquals(0, up.code(), up.out());
        assertEquals("ok: node " + id + " serves " + n.base + " (pid " + ProcessHandle.current().pid() + ")\n", up.out());

        Run down = health(n);
        assertEquals(1, down.code(), down.out());
        assertTrue(down.out().startsWith("no node serves " + n.data.path() + " ("), down.out());
        assertEquals(1, down.out().lines().count(), down.out());
    }

    /** {@code atmosphere stop} asks over the API: only the admin token may; the node answers, then its server learns to stop. */
    @Test
    void onlyTheAdminTokenAsksTheNodeToStop() throws Exception {
        try (NodeHarness n = new NodeHarness(dir, NodeHarness.config(null, null, ""))) {
            java.util.concurrent.CompletableFuture<Void> asked = n.node.stopRequested().toCompletableFuture();
            String token = java.nio.file.Files.readString(n.data.adminTokenFile()).strip();
            java.net.http.HttpResponse<String> noToken = n.http.send(java.net.http.HttpRequest.newBuilder(n.base.resolve("/api/v1/node/stop"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, noToken.statusCode(), noToken.body());
            assertTrue(noToken.body().contains("admin_token_required"), noToken.body());
            assertTrue(!asked.isDone(), "refused: the node keeps serving");
            java.net.http.HttpResponse<String> admin = n.http.send(java.net.http.HttpRequest.newBuilder(n.base.resolve("/api/v1/node/stop"))
                    .header("Authorization", "Bearer " + token)
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(202, admin.statusCode(), admin.body());
            assertEquals("{\"stopping\":true}", admin.body());
            asked.get(NodeHarness.WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
