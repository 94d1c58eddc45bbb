package io.roomcast.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomcast.bus.Bus;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Published;
import io.roomcast.bus.Stream;
import io.roomcast.room.Presence;
import io.roomcast.room.Presence.RoomUser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.concurrent.CompletableFuture;

/**
 * Presence replication and failure detection over the bus's control stream.
 *
 * <p>Each node sends a heartbeat carrying its whole share of presence every {@code heartbeat} interval, and a
 * delta whenever one of its sessions enters or leaves a room. Snapshots and deltas are taken and published
 * under the presence lock, so they reach the bus in the order the changes happened. A node not heard from
 * for {@code timeout} is dead: its users leave their rooms here, and this node tells its own subscribers
 * (each node does the same for its own, so no node has to speak for the dead one).
 *
 * <p>Thread-safe.
 */
public final class Cluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Cluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What this node knows about another. */
    public record NodeInfo(String node, String version, int connections, long lastSeenMillis) {
    }

    private final Bus bus;
    private final Presence presence;
    private final String self;
    private final String version;
    private final IntSupplier connections;
    private final Duration heartbeat;
    private final Duration timeout;
    private final Consumer<RoomUser> localLeave;
    private final Consumer<String> localDisconnect;
    private final Map<String, NodeInfo> others = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "roomcast-cluster");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param localLeave      delivers a {@code leave} event to this node's own subscribers of the room
     * @param localDisconnect closes this node's sessions of a user
     */
    public Cluster(Bus bus, Presence presence, String self, String version, IntSupplier connections,
                   Duration heartbeat, Duration timeout, Consumer<RoomUser> localLeave,
                   Consumer<String> localDisconnect) {
        this.bus = bus;
        this.presence = presence;
        this.self = self;
        this.version = version;
        this.connections = connections;
        this.heartbeat = heartbeat;
        this.timeout = timeout;
        this.localLeave = localLeave;
        this.localDisconnect = localDisconnect;
    }

    public void start() {
        long every = heartbeat.toMillis();
        timer.scheduleWithFixedDelay(this::safely, 0, every, TimeUnit.MILLISECONDS);
    }

    private void safely() {
        try {
            sendHeartbeat();
            expireSilentNodes();
        } catch (RuntimeException e) {
            log.error("cluster housekeeping failed", e);
        }
    }

    private void sendHeartbeat() {
        if (!bus.isReady()) {
            return;
        }
        synchronized (presence) {
            publish(ControlMessage.heartbeat(self, version, connections.getAsInt(), presence.snapshotOf(self)));
        }
    }

    private void expireSilentNodes() {
        long deadline = System.currentTimeMillis() - timeout.toMillis();
        for (NodeInfo info : List.copyOf(others.values())) {
            if (info.lastSeenMillis() < deadline) {
                log.warn("node {} is silent for more than {} ms: declaring it dead", info.node(), timeout.toMillis());
                forget(info.node());
            }
        }
    }

    private void forget(String node) {
        if (others.remove(node) == null) {
            return;
        }
        List<RoomUser> ended = presence.removeNode(node);
        ended.forEach(localLeave);
        log.info("node {} left the cluster; {} memberships ended", node, ended.size());
    }

    /** A session of this node entered (+1) or left (-1) a room; call under the presence lock. */
    public void announce(String room, String user, int delta) {
        publish(ControlMessage.delta(self, room, user, delta));
    }

    /** Asks the other nodes to close their sessions of {@code user}. */
    public void disconnectElsewhere(String user) {
        publish(ControlMessage.disconnect(self, user));
    }

    /** Tells the others that this node is leaving (graceful shutdown). */
    public void leave() {
        publish(ControlMessage.left(self)).join();
    }

    private CompletableFuture<?> publish(ControlMessage message) {
        try {
            return bus.publish(new Envelope(Stream.CONTROL, message.type(), self, null, null, "application/json",
                    Map.of(), JSON.writeValueAsBytes(message))).exceptionally(failure -> {
                        log.debug("control message {} not sent: {}", message.type(), failure.toString());
                        return null;
                    });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Handles a message of the control stream; never throws. */
    public void onControl(Published published) {
        try {
            ControlMessage m = JSON.readValue(published.envelope().body(), ControlMessage.class);
            if (m.node() == null || m.node().equals(self)) {
                return;
            }
            switch (m.type()) {
                case ControlMessage.HEARTBEAT -> onHeartbeat(m);
                case ControlMessage.DELTA -> onDelta(m);
                case ControlMessage.LEFT -> forget(m.node());
                case ControlMessage.DISCONNECT -> localDisconnect.accept(m.user());
                default -> log.debug("ignoring control message of type {}", m.type());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("unreadable control message at {}: {}", published.position(), e.toString());
        }
    }

    private void onHeartbeat(ControlMessage m) {
        NodeInfo previous = others.put(m.node(), new NodeInfo(m.node(), m.version(),
                m.connections() == null ? 0 : m.connections(), System.currentTimeMillis()));
        if (previous == null) {
            log.info("node {} joined the cluster", m.node());
        }
        presence.replaceNode(m.node(), m.rooms() == null ? Map.of() : m.rooms());
    }

    private void onDelta(ControlMessage m) {
        // A delta can come before the node's first heartbeat; knowing the node from it means that its
        // presence expires with it, should it die before it ever sent a heartbeat.
        others.compute(m.node(), (n, info) -> info == null ? new NodeInfo(n, "unknown", 0, System.currentTimeMillis())
                : new NodeInfo(n, info.version(), info.connections(), System.currentTimeMillis()));
        if (m.delta() != null && m.delta() > 0) {
            presence.join(m.room(), m.user(), m.node());
        } else {
            presence.leave(m.room(), m.user(), m.node());
        }
    }

    /** The live nodes, this one first, then by id. */
    public List<NodeInfo> nodes() {
        List<NodeInfo> list = new ArrayList<>();
        list.add(new NodeInfo(self, version, connections.getAsInt(), System.currentTimeMillis()));
        others.values().stream().sorted(Comparator.comparing(NodeInfo::node)).forEach(list::add);
        return list;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
