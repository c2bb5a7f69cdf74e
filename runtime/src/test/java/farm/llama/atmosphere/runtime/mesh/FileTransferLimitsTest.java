package farm.llama.atmosphere.runtime.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import farm.llama.atmosphere.runtime.util.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member that asks for chunks faster than it takes them gets at most 16 in flight; the rest are dropped and counted. */
class FileTransferLimitsTest {

    @TempDir
    Path dir;

    @Test
    void chunkRequestsOfOneMemberBeyondTheCapAreDroppedAndCounted() throws Exception {
        Path file = dir.resolve("tiny.gguf");
        Files.write(file, new byte[3 * FileTransfer.CHUNK]);
        CountDownLatch congested = new CountDownLatch(1);
        AtomicInteger sent = new AtomicInteger();
        FileTransfer files = new FileTransfer((to, type, payload) -> {
            sent.incrementAndGet();
            try {
                congested.await(); // the member reads nothing: every send blocks
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        files.shares(name -> new FileTransfer.Shared(file, ""));
        String member = "00000000000000bb";
        for (int i = 0; i < 40; i++) {
            files.message(member, "file.get", Json.write(Map.of("id", "p", "name", "tiny.gguf", "index", i % 3))
                    .getBytes(StandardCharsets.UTF_8));
        }
        Map<String, Long> stats = files.stats();
        assertEquals(40L - FileTransfer.MAX_IN_FLIGHT, stats.get("refused.busy"), stats.toString());
        // another member is not held up by the first one's backlog
        files.message("00000000000000cc", "file.get", Json.write(Map.of("id", "q", "name", "tiny.gguf", "index", 0))
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(40L - FileTransfer.MAX_IN_FLIGHT, files.stats().get("refused.busy"));
        congested.countDown();
    }
}
