package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.util.SafeText;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;

/**
 * This node on the LAN, over mDNS ({@code _atmosphere._tcp.local.}): it advertises its node id,
 * mesh id, API and mesh ports (TXT, protocol version 1) — and, when it listens nowhere but takes
 * joins through a relay, that relay and its join ticket ({@code relay}, {@code ticket-parts},
 * {@code t0}…: a TXT string holds at most 255 bytes) — and lists the nodes it hears. Joining by
 * short code asks the nodes heard here; LAN members that find each other connect directly.
 * Thread-safe; JmDNS resolves a new service within a few seconds.
 */
public final class LanPresence implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LanPresence.class.getName());
    /** The mDNS service type. */
    public static final String TYPE = "_atmosphere._tcp.local.";

    /**
     * A node heard on the LAN.
     *
     * @param relay the relay it takes joins through when it listens nowhere, or ""
     * @param ticket its join ticket for that relay (JSON, unchecked), or ""
     */
    public record Nearby(String nodeId, String name, String meshId, String host, int meshPort, int apiPort, Instant lastSeen,
                         String relay, String ticket) {
        /** @return its mesh endpoint, {@code wss://host:port} */
        public String endpoint() {
            return "wss://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + meshPort;
        }
    }

    private final JmDNS jmdns;
    private final String nodeId;
    private final Map<String, Nearby> heard = new ConcurrentHashMap<>();
    /** Notified whenever a node is heard, for those waiting to hear one. */
    private final Object news = new Object();
    private volatile ServiceInfo registered;
    private volatile String registeredTicket = "";
    /** Characters of the ticket per TXT string (a TXT string holds 255 bytes, key included). */
    private static final int TICKET_PART = 240;

    /**
     * How a node that listens nowhere takes joins: a relay and its join ticket for it.
     *
     * @param relay the relay's URL
     * @param ticket the join ticket (JSON)
     */
    public record RelayWay(String relay, String ticket) {
    }

    private LanPresence(JmDNS jmdns, String nodeId) {
        this.jmdns = jmdns;
        this.nodeId = nodeId;
        jmdns.addServiceListener(TYPE, new ServiceListener() {
            @Override
            public void serviceAdded(ServiceEvent e) {
                jmdns.requestServiceInfo(e.getType(), e.getName(), 1000);
            }

            @Override
            public void serviceRemoved(ServiceEvent e) {
                heard.values().removeIf(n -> ("atmosphere-" + n.nodeId()).equals(e.getName()));
            }

            @Override
            public void serviceResolved(ServiceEvent e) {
                learn(e.getInfo());
            }
        });
    }

    /**
     * Starts listening (and, once {@link #advertise} is called, answering) on one address.
     *
     * @param address the interface address to use ({@code 127.0.0.1} keeps it to this machine)
     * @param nodeId this node, never listed as nearby
     * @return the presence; close it
     * @throws IOException when mDNS cannot start on that address
     */
    public static LanPresence start(InetAddress address, String nodeId) throws IOException {
        return new LanPresence(JmDNS.create(address, "atmosphere-" + nodeId), nodeId);
    }

    private void learn(ServiceInfo info) {
        String id = info.getPropertyString("node");
        if (id == null || id.equals(nodeId) || !"1".equals(info.getPropertyString("v"))) {
            return;
        }
        String[] hosts = info.getHostAddresses();
        if (hosts.length == 0) {
            return;
        }
        try {
            StringBuilder ticket = new StringBuilder();
            int parts = Math.min(64, Integer.parseInt(nz(info.getPropertyString("ticket-parts"), "0")));
            for (int i = 0; i < parts; i++) {
                ticket.append(nz(info.getPropertyString("t" + i)));
            }
            Nearby node = new Nearby(id, SafeText.name(nz(info.getPropertyString("name"))), nz(info.getPropertyString("mesh")), hosts[0],
                    Integer.parseInt(nz(info.getPropertyString("mesh-port"), "0")), Integer.parseInt(nz(info.getPropertyString("api"), "0")),
                    Instant.now(), nz(info.getPropertyString("relay")), ticket.toString());
            synchronized (news) {
                heard.put(id, node);
                news.notifyAll();
            }
        } catch (NumberFormatException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "ignored a malformed mDNS record of " + id);
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String nz(String s, String dflt) {
        return s == null || s.isBlank() ? dflt : s;
    }

    /**
     * Advertises this node (again, when its mesh changed).
     *
     * @param name its display name
     * @param meshId its mesh, or empty
     * @param apiPort its HTTP API port
     * @param meshPort its mesh port, 0 when it does not listen
     * @param way how joiners reach it when it does not listen, if they can
     */
    public synchronized void advertise(String name, String meshId, int apiPort, int meshPort, Optional<RelayWay> way) {
        Map<String, String> txt = new LinkedHashMap<>();
        txt.put("v", "1");
        txt.put("node", nodeId);
        txt.put("name", name.length() > 60 ? name.substring(0, 60) : name);
        txt.put("mesh", meshId);
        txt.put("api", Integer.toString(apiPort));
        txt.put("mesh-port", Integer.toString(meshPort));
        String ticket = way.map(RelayWay::ticket).orElse("");
        way.ifPresent(w -> {
            txt.put("relay", w.relay());
            int parts = (w.ticket().length() + TICKET_PART - 1) / TICKET_PART;
            txt.put("ticket-parts", Integer.toString(parts));
            for (int i = 0; i < parts; i++) {
                txt.put("t" + i, w.ticket().substring(i * TICKET_PART, Math.min(w.ticket().length(), (i + 1) * TICKET_PART)));
            }
        });
        ServiceInfo old = registered;
        if (old != null && meshId.equals(old.getPropertyString("mesh")) && Integer.toString(meshPort).equals(old.getPropertyString("mesh-port"))
                && ticket.equals(registeredTicket)) {
            return;
        }
        try {
            if (old != null) {
                jmdns.unregisterService(old);
            }
            ServiceInfo info = ServiceInfo.create(TYPE, "atmosphere-" + nodeId, Math.max(meshPort, 1), 0, 0, txt);
            jmdns.registerService(info);
            registered = info;
            registeredTicket = ticket;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "Cannot advertise this node over mDNS: " + e.getMessage());
        }
    }

    /** @return the nodes heard on the LAN, nearest first by name */
    public List<Nearby> nearby() {
        List<Nearby> out = new ArrayList<>(heard.values());
        out.sort(Comparator.comparing(Nearby::name).thenComparing(Nearby::nodeId));
        return out;
    }

    /**
     * Waits until a node in a mesh is heard (or the time is up).
     *
     * @param wait the longest to wait
     * @return the nodes in a mesh heard by then
     * @throws InterruptedException when interrupted
     */
    public List<Nearby> awaitMeshNodes(Duration wait) throws InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        synchronized (news) {
            while (true) {
                List<Nearby> found = nearby().stream().filter(n -> !n.meshId().isEmpty() && (n.meshPort() > 0 || !n.ticket().isEmpty())).toList();
                long left = end - System.nanoTime();
                if (!found.isEmpty() || left <= 0) {
                    return found;
                }
                news.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /**
     * Listens until the LAN has gone quiet: no new node heard for {@code quiet} since the last one,
     * or {@code most} in all (mDNS answers a query within a second or so).
     *
     * @param quiet how long without news ends the listening
     * @param most the longest to listen
     * @return the nodes heard by then
     * @throws InterruptedException when interrupted
     */
    public List<Nearby> listen(Duration quiet, Duration most) throws InterruptedException {
        long end = System.nanoTime() + most.toNanos();
        synchronized (news) {
            int count = heard.size();
            long quietEnd = count == 0 ? end : Math.min(end, System.nanoTime() + quiet.toNanos());
            while (true) {
                long now = System.nanoTime();
                if (heard.size() != count) {
                    count = heard.size();
                    quietEnd = Math.min(end, now + quiet.toNanos());
                }
                if (now >= quietEnd) {
                    return nearby();
                }
                news.wait(Math.max(1, (quietEnd - now) / 1_000_000));
            }
        }
    }

    @Override
    public void close() {
        try {
            jmdns.unregisterAllServices();
            jmdns.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "mDNS did not close cleanly: " + e.getMessage());
        }
    }
}
