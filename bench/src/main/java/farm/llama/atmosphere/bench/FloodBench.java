package farm.llama.atmosphere.bench;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A stranger's flood of a node's mesh port: connections without a client certificate that upgrade
 * to WebSocket and send the header of a binary frame claiming ~16 MiB, held open. Reports the node
 * process's resident memory when idle and its peak (VmHWM) while the connections are held, and
 * whether {@code /health} still answers — for the image under test and, with
 * {@code -Dbench.baseline=IMAGE}, for another image in the same run.
 */
final class FloodBench {

    private static final int CONNECTIONS = Integer.getInteger("bench.connections", 300);

    private FloodBench() {
    }

    static void run() throws Exception {
        List<String[]> rows = new ArrayList<>();
        String baseline = System.getProperty("bench.baseline");
        if (baseline != null) {
            rows.add(trial("before (" + baseline + ")", Path.of(baseline), ""));
        }
        Path image = MeshBench.image();
        rows.add(trial("after, default limits", image, ""));
        rows.add(trial("after, caps raised to let all " + CONNECTIONS + " in", image, """
                transport:
                  websocket:
                    max-connections: 10000
                    max-unauthenticated-per-address: 10000
                """));
        System.out.println();
        System.out.println("## A stranger's flood of the mesh port (" + CONNECTIONS + " connections, each claiming a 16 MiB frame)");
        System.out.println();
        System.out.println("| image | idle RSS | peak RSS while held | /health while held | connections the node accepted |");
        System.out.println("|---|---|---|---|---|");
        for (String[] r : rows) {
            System.out.println("| " + String.join(" | ", r) + " |");
        }
    }

    private static String[] trial(String label, Path image, String extra) throws Exception {
        Path work = Files.createTempDirectory("atmosphere-flood-bench");
        MeshBench.Node node = MeshBench.start(image, work.resolve("node"), "flooded", extra);
        List<SSLSocket> held = new ArrayList<>();
        try {
            node.api().meshCreate("bench");
            MeshBench.await(() -> node.api().mesh().running().orElse(false), Duration.ofSeconds(30));
            Thread.sleep(3000);
            long pid = node.process().pid();
            long idle = status(pid, "VmRSS");
            URI health = URI.create(node.api().status().address().orElseThrow() + "/health");
            URI endpoint = URI.create(node.api().mesh().endpoints().orElseThrow().getFirst());
            SSLContext tls = trustAll();
            int accepted = 0;
            for (int i = 0; i < CONNECTIONS; i++) {
                try {
                    SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket();
                    s.connect(new InetSocketAddress("127.0.0.1", endpoint.getPort()), 5000);
                    s.setSoTimeout(5000);
                    s.startHandshake();
                    OutputStream out = s.getOutputStream();
                    out.write(("GET /atmosphere/mesh/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    byte[] header = {(byte) 0x82, (byte) (0x80 | 127), 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0, 0, 0, 0, 0};
                    out.write(header); // a masked binary frame of 16 MiB - 16 bytes, under the old 16 MiB limit
                    out.flush();
                    held.add(s);
                    accepted++;
                } catch (java.io.IOException e) {
                    // refused (busy) or cut off: the node's choice
                }
            }
            Thread.sleep(5000);
            long peak = status(pid, "VmHWM");
            String answered;
            try {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                answered = String.valueOf(r.statusCode());
            } catch (Exception e) {
                answered = node.process().isAlive() ? "no answer (" + e.getClass().getSimpleName() + ")" : "node died";
            }
            Map<String, Map<String, Long>> stats = node.process().isAlive() ? node.api().meshStats() : Map.of();
            String counted = stats.containsKey("websocket") ? " (busy " + stats.get("websocket").get("busy") + ", too_large "
                    + stats.get("websocket").get("too_large") + ")" : "";
            return new String[] {label, mb(idle), mb(peak), answered, accepted + " TLS handshakes" + counted};
        } finally {
            for (SSLSocket s : held) {
                s.close();
            }
            node.process().destroyForcibly();
            node.process().waitFor();
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
    }

    private static String mb(long kb) {
        return kb < 0 ? "n/a" : (kb / 1024) + " MB";
    }

    /** @return a field of /proc/PID/status, kB, or -1 */
    private static long status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException e) {
            // the process is gone
        }
        return -1;
    }

    private static SSLContext trustAll() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return ctx;
    }
}
