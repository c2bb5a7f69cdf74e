package farm.llama.atmosphere.spi.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.transport.Link;
import farm.llama.atmosphere.spi.transport.Transport;
import farm.llama.atmosphere.spi.transport.TransportListener;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every transport must do, whatever carries the bytes: each transport's test extends this
 * (the runtime's in-memory test transport, WebSocket in its plugin). A transport is made by its
 * provider in a node; the test makes it directly, so this contract does not go through a provider.
 */
public abstract class TransportContract {

    /** @return a new, not yet started transport */
    protected abstract Transport newTransport();

    /** Starts a transport listening; returns the endpoint to reach it. */
    protected abstract String listen(Transport t, TransportListener listener);

    protected static final class Recorder implements TransportListener {
        public final List<String> frames = new CopyOnWriteArrayList<>();
        public final List<Link> opened = new CopyOnWriteArrayList<>();
        public final CountDownLatch closedLatch = new CountDownLatch(1);
        public volatile CountDownLatch expected = new CountDownLatch(1);

        /** Records nothing yet. */
        public Recorder() {
        }

        @Override
        public void opened(Link link) {
            opened.add(link);
        }

        @Override
        public void frame(Link link, byte[] frame) {
            frames.add(new String(frame, StandardCharsets.UTF_8));
            expected.countDown();
        }

        @Override
        public void closed(Link link, String reason) {
            closedLatch.countDown();
        }
    }

    @Test
    public void framesArriveWholeAndInOrderBothWays() throws Exception {
        Recorder server = new Recorder();
        Recorder client = new Recorder();
        try (Transport a = newTransport(); Transport b = newTransport()) {
            String endpoint = listen(a, server);
            listen(b, client);
            assertTrue(a.accepts(endpoint));
            server.expected = new CountDownLatch(100);
            Link link = b.connect(endpoint);
            for (int i = 0; i < 100; i++) {
                link.send(("frame " + i).getBytes(StandardCharsets.UTF_8)).join();
            }
            assertTrue(server.expected.await(30, TimeUnit.SECONDS));
            for (int i = 0; i < 100; i++) {
                assertEquals("frame " + i, server.frames.get(i));
            }
            client.expected = new CountDownLatch(1);
            server.opened.get(0).send("pong".getBytes(StandardCharsets.UTF_8)).join();
            assertTrue(client.expected.await(30, TimeUnit.SECONDS));
            assertEquals(List.of("pong"), client.frames);
        }
    }

    @Test
    public void nothingListeningIsUnreachableAndAClosedLinkRefusesToSend() throws Exception {
        Recorder server = new Recorder();
        try (Transport a = newTransport(); Transport b = newTransport()) {
            String endpoint = listen(a, server);
            listen(b, new Recorder());
            Link link = b.connect(endpoint);
            link.close();
            assertFalse(link.isOpen());
            assertTrue(server.closedLatch.await(30, TimeUnit.SECONDS), "the other side learns the link closed");
            CallFailedException e = assertThrows(CallFailedException.class, () -> {
                try {
                    link.send(new byte[] {1}).join();
                } catch (java.util.concurrent.CompletionException ce) {
                    throw ce.getCause();
                }
            });
            assertEquals(FailureKind.UNREACHABLE, e.kind());
            a.close();
            // the listener may take a moment to go (a JDK listener blocked in accept() is released when it wakes);
            // a connection made in that moment is refused, then nothing answers at all
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            FailureKind kind = null;
            while (System.nanoTime() < end) {
                try {
                    b.connect(endpoint).close();
                    Thread.sleep(50);
                } catch (CallFailedException refused) {
                    kind = refused.kind();
                    if (kind == FailureKind.UNREACHABLE) {
                        break;
                    }
                }
            }
            assertEquals(FailureKind.UNREACHABLE, kind, "nothing listens at " + endpoint + " once the transport is closed");
        }
    }
}
