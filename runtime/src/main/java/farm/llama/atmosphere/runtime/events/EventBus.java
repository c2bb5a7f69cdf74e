package farm.llama.atmosphere.runtime.events;

import farm.llama.atmosphere.spi.NodeEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's live event stream. Each event gets a rising id; the last {@link #HISTORY} events are
 * kept so a subscriber can resume after {@code Last-Event-ID}. Publishing never blocks: a
 * subscriber whose queue is full loses events and learns of it by a gap in the ids.
 */
public final class EventBus {

    /** Events kept for resuming. */
    public static final int HISTORY = 1000;
    private static final int QUEUE = 1000;

    /**
     * An event with its id and the node that published it.
     *
     * @param id rising id
     * @param nodeId the publishing node
     * @param event the event
     */
    public record Numbered(long id, String nodeId, NodeEvent event) {
        /** @return the event as a JSON-friendly map: {@code {type, time, nodeId, ...data}} */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", event.type());
            m.put("time", event.time().toString());
            m.put("nodeId", nodeId);
            m.put("id", id);
            event.data().forEach(m::putIfAbsent);
            return m;
        }
    }

    /** A subscriber's queue. Close it to unsubscribe. */
    public final class Subscription implements AutoCloseable {
        private final BlockingQueue<Numbered> queue = new ArrayBlockingQueue<>(QUEUE);

        /**
         * @param millis how long to wait
         * @return the next event, or null if none arrived in time
         * @throws InterruptedException if interrupted
         */
        public Numbered poll(long millis) throws InterruptedException {
            return queue.poll(millis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            subscribers.remove(this);
        }
    }

    private final String nodeId;
    private final AtomicLong ids = new AtomicLong();
    private final Deque<Numbered> history = new ArrayDeque<>();
    private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();

    /**
     * @param nodeId the node's id, stamped on each event
     */
    public EventBus(String nodeId) {
        this.nodeId = Objects.requireNonNull(nodeId);
    }

    /**
     * @param event the event to publish
     */
    public void publish(NodeEvent event) {
        Numbered n;
        synchronized (history) {
            n = new Numbered(ids.incrementAndGet(), nodeId, event);
            history.addLast(n);
            if (history.size() > HISTORY) {
                history.removeFirst();
            }
        }
        for (Subscription s : subscribers) {
            s.queue.offer(n);
        }
    }

    /**
     * @param afterId deliver kept events with a larger id first (0 for none)
     * @return a subscription
     */
    public Subscription subscribe(long afterId) {
        Subscription s = new Subscription();
        synchronized (history) {
            if (afterId > 0) {
                for (Numbered n : history) {
                    if (n.id() > afterId) {
                        s.queue.offer(n);
                    }
                }
            }
            subscribers.add(s);
        }
        return s;
    }

    /**
     * @param count how many of the newest kept events to deliver first
     * @return a subscription
     */
    public Subscription subscribeRecent(int count) {
        Subscription s = new Subscription();
        synchronized (history) {
            int skip = Math.max(0, history.size() - Math.min(count, QUEUE));
            int i = 0;
            for (Numbered n : history) {
                if (i++ >= skip) {
                    s.queue.offer(n);
                }
            }
            subscribers.add(s);
        }
        return s;
    }

    /** @return the kept events, oldest first */
    public List<Numbered> recent() {
        synchronized (history) {
            return new ArrayList<>(history);
        }
    }
}
