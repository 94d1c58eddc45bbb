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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * <p>Each node numbers the changes to its share of presence and publishes each as a {@code delta}, under the
 * presence lock, so they reach the bus in the order they happened. Its heartbeat, every {@code heartbeat}
 * interval, carries only the number of its last change: the cost of a heartbeat does not grow with the number
 * of users. A node that receives a heartbeat or delta that does not follow what it holds (it just started, a
 * change was lost, the other node restarted) asks that node for a {@code snapshot} of its whole share; a node
 * also sends one when it starts and after a change it could not publish. See {@link ControlMessage}.
 *
 * <p>A node not heard from for {@code timeout} is dead: its users leave their rooms here, and this node tells
 * its own subscribers (each node does the same for its own, so no node has to speak for the dead one).
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
    /** What this node holds of each other node's presence; touched by the control stream's one consumer thread. */
    private final Map<String, Replica> replicas = new ConcurrentHashMap<>();
    /** This process's run: a restarted node starts its change numbers again, under a new incarnation. */
    private final String incarnation = Long.toHexString(new SecureRandom().nextLong());
    /** The number of this node's last presence change; guarded by the presence lock. */
    private long seq;
    /** Set at start and when a change could not be published: the next heartbeat is a full snapshot. */
    private volatile boolean snapshotDue = true;
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
        if (snapshotDue) {
            sendSnapshot();
            return;
        }
        synchronized (presence) { // orders the heartbeat after the changes it counts
            publish(ControlMessage.heartbeat(self, version, connections.getAsInt(), incarnation, seq));
        }
    }

    private void sendSnapshot() {
        synchronized (presence) {
            snapshotDue = false;
            publish(ControlMessage.snapshot(self, version, connections.getAsInt(), incarnation, seq,
                    presence.snapshotOf(self)));
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
        replicas.remove(node);
        if (others.remove(node) == null) {
            return;
        }
        List<RoomUser> ended = presence.removeNode(node);
        ended.forEach(localLeave);
        log.info("node {} left the cluster; {} memberships ended", node, ended.size());
    }

    /** A session of this node entered (+1) or left (-1) a room; call under the presence lock. */
    public void announce(String room, String user, int delta) {
        publish(ControlMessage.delta(self, ++seq, room, user, delta));
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
                        if (message.seq() != null) {
                            snapshotDue = true; // the others may have missed a change: they get the whole picture next
                        }
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
                case ControlMessage.SNAPSHOT -> onSnapshot(m);
                case ControlMessage.DELTA -> onDelta(m);
                case ControlMessage.SYNC -> {
                    if (self.equals(m.to())) {
                        timer.execute(this::sendSnapshot); // off the consumer thread: a snapshot is O(users)
                    }
                }
                case ControlMessage.LEFT -> forget(m.node());
                case ControlMessage.DISCONNECT -> localDisconnect.accept(m.user());
                default -> log.debug("ignoring control message of type {}", m.type());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("unreadable control message at {}: {}", published.position(), e.toString());
        }
    }

    private void onHeartbeat(ControlMessage m) {
        seen(m);
        Replica r = replicas.get(m.node());
        if (r == null || !r.follows(m.incarnation(), m.seq())) {
            requestSnapshot(m.node(), r);
        }
    }

    private void onSnapshot(ControlMessage m) {
        seen(m);
        // Memberships the snapshot ends are not announced here: the node that owned them published their
        // leave events on the rooms' own streams.
        presence.replaceNode(m.node(), m.rooms() == null ? Map.of() : m.rooms());
        Replica r = replicas.computeIfAbsent(m.node(), n -> new Replica());
        r.incarnation = m.incarnation();
        r.seq = m.seq() == null ? 0 : m.seq();
        r.synced = true;
    }

    private void onDelta(ControlMessage m) {
        // A delta can come before the node's first heartbeat; knowing the node from it means that its
        // presence expires with it, should it die before it ever sent a heartbeat.
        others.compute(m.node(), (n, info) -> info == null ? new NodeInfo(n, "unknown", 0, System.currentTimeMillis())
                : new NodeInfo(n, info.version(), info.connections(), System.currentTimeMillis()));
        Replica r = replicas.computeIfAbsent(m.node(), n -> new Replica());
        long number = m.seq() == null ? 0 : m.seq();
        if (r.synced && number <= r.seq) {
            return; // already counted (a redelivery)
        }
        if (m.delta() != null && m.delta() > 0) {
            presence.join(m.room(), m.user(), m.node());
        } else {
            presence.leave(m.room(), m.user(), m.node());
        }
        boolean inOrder = r.synced && number == r.seq + 1;
        r.seq = number;
        if (!inOrder) {
            // Applied anyway, so that presence is as close as it can be until the snapshot comes.
            r.synced = false;
            requestSnapshot(m.node(), r);
        }
    }

    private void seen(ControlMessage m) {
        NodeInfo previous = others.put(m.node(), new NodeInfo(m.node(), m.version(),
                m.connections() == null ? 0 : m.connections(), System.currentTimeMillis()));
        if (previous == null) {
            log.info("node {} joined the cluster", m.node());
        }
    }

    /** Asks {@code node} for its snapshot, at most once per heartbeat interval. */
    private void requestSnapshot(String node, Replica known) {
        Replica r = known != null ? known : replicas.computeIfAbsent(node, n -> new Replica());
        long now = System.nanoTime();
        if (r.lastRequestNanos != 0 && now - r.lastRequestNanos < heartbeat.toNanos()) {
            return;
        }
        r.lastRequestNanos = now;
        publish(ControlMessage.sync(self, node));
    }

    /** What this node holds of another's presence. Only the control stream's consumer thread touches it. */
    private static final class Replica {
        String incarnation;
        long seq;
        /** Whether {@code seq} continues a snapshot: false until the first snapshot and after a gap. */
        boolean synced;
        long lastRequestNanos;

        boolean follows(String heartbeatIncarnation, Long heartbeatSeq) {
            return synced && Objects.equals(incarnation, heartbeatIncarnation) && heartbeatSeq != null
                    && heartbeatSeq == seq;
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
