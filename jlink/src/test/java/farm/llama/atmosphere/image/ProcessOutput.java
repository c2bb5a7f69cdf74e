package farm.llama.atmosphere.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

/** Collects a process's output as it arrives, so a test can wait for text. */
final class ProcessOutput {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final StringBuffer text = new StringBuffer();

    ProcessOutput(InputStream in) {
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // closed
            }
        });
    }

    /** Waits (up to a minute) until the output so far passes the check, and returns it. */
    String await(Predicate<String> done, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            String now = text.toString();
            if (done.test(now)) {
                return now;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what + "; output so far:\n" + text);
    }

    /** @return everything so far */
    String text() {
        return text.toString();
    }
}
