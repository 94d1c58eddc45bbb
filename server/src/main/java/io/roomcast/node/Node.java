package io.roomcast.node;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.roomcast.auth.Authenticator;
import io.roomcast.auth.InsecureAuthenticator;
import io.roomcast.auth.JwtAuthenticator;
import io.roomcast.auth.PemKeys;
import io.roomcast.bus.Bus;
import io.roomcast.limits.ConnectionLimits;
import io.roomcast.metrics.Disconnect;
import io.roomcast.metrics.MeteredBus;
import io.roomcast.metrics.NodeMetrics;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import io.roomcast.bus.Stream;
import io.roomcast.cluster.Cluster;
import io.roomcast.bus.memory.MemoryBus;
import io.roomcast.bus.rocketmq.RocketMqBus;
import io.roomcast.bus.rocketmq.LegacyTopicBridge;
import io.roomcast.bus.rocketmq.RocketMqBusConfig;
import io.roomcast.config.ConfigException;
import io.roomcast.config.Settings;
import io.roomcast.delivery.Dispatcher;
import io.roomcast.history.HistoryWindow;
import io.roomcast.room.Outbox;
import io.roomcast.room.Presence;
import io.roomcast.session.SessionRegistry;

import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.nio.charset.StandardCharsets;
import io.roomcast.transport.TrustedProxies;
import io.roomcast.session.Session;
import io.roomcast.history.Recovery;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

/**
 * The parts of one node and how they connect: bus to dispatcher to event loops, sessions to outbox to bus.
 * Built once at start-up; every part it hands out is thread-safe.
 */
public final class Node {
    public static final String VERSION = versionOf(Node.class);

    private final Settings settings;
    private final String id;
    private final Bus bus;
    private final NodeMetrics metrics;
    private final ConnectionLimits connectionLimits;
    private final HistoryWindow history;
    private final Dispatcher dispatcher;
    private final Recovery recovery;
    private final Presence presence = new Presence();
    private final Outbox outbox;
    private final SessionRegistry sessions = new SessionRegistry();
    private final Authenticator authenticator;
    private final String apiKey;
    private final boolean apiKeyGenerated;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final TrustedProxies trustedProxies;
    private volatile boolean draining;
    private Cluster cluster;
    private LegacyTopicBridge legacy;

    public Node(Settings settings, Bus bus) {
        this.settings = settings;
        this.id = settings.nodeId();
        this.metrics = new NodeMetrics(id, VERSION);
        this.bus = new MeteredBus(bus, metrics);
        this.connectionLimits = new ConnectionLimits(settings.maxConnections, settings.maxConnectionsPerIp,
                settings.maxConnectRatePerIp, settings.maxConnectBurstPerIp, System::nanoTime);
        this.history = new HistoryWindow(settings.historyMaxMessages, settings.historyMaxAge,
                System::currentTimeMillis);
        this.dispatcher = new Dispatcher(history, alloc);
        this.recovery = new Recovery(history, this.bus.logReader(), settings.recoveryMaxMessages,
                settings.recoveryMaxAge, System::currentTimeMillis);
        this.outbox = new Outbox(this.bus, presence, id);
        registerGauges();
        this.authenticator = authenticator(settings);
        this.trustedProxies = new TrustedProxies(settings.trustedProxies);
        this.apiKeyGenerated = settings.apiKey == null;
        this.apiKey = apiKeyGenerated ? generateKey() : settings.apiKey;
    }

    /** The bus named by the settings. */
    public static Bus busFor(Settings settings) {
        return switch (settings.bus) {
            case memory -> new MemoryBus(settings.partitions);
            case rocketmq -> new RocketMqBus(new RocketMqBusConfig(settings.namesrv, settings.topic,
                    settings.partitions, settings.nodeId(), settings.dataDir(), settings.busSendTimeout,
                    // Room for the envelope's own fields around the largest body a client may send.
                    settings.maxBodyBytes + 16 * 1024));
        };
    }

    /** Connects the bus to this node's dispatcher, and joins the cluster when the bus is shared. */
    public void start() {
        if (bus.isShared()) {
            cluster = new Cluster(bus, presence, id, VERSION, sessions::count, settings.nodeHeartbeat,
                    settings.nodeTimeout, this::localLeave, this::disconnectLocally);
            dispatcher.onControl(cluster::onControl);
            outbox.onPresenceChange((room, user, delta) -> cluster.announce(room, user, delta));
        }
        bus.start(dispatcher);
        if (cluster != null) {
            cluster.start();
        }
        if (settings.legacyTopic != null) {
            startLegacyBridge();
        }
    }

    private void startLegacyBridge() {
        legacy = new LegacyTopicBridge(settings.namesrv, id, settings.legacyTopic, settings.legacyTag,
                new LegacyTopicBridge.Target() {
                    @Override
                    public CompletableFuture<?> broadcast(String message) {
                        return outbox.broadcast(null, null, java.util.Map.of(), bytes(message));
                    }

                    @Override
                    public CompletableFuture<?> direct(String user, String message) {
                        return outbox.toUser(user, null, null, java.util.Map.of(), bytes(message));
                    }
                });
        try {
            legacy.start();
        } catch (Exception e) {
            throw new IllegalStateException("legacy topic consumer did not start: " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A dead node's user left a room: tell this node's subscribers of the room. */
    private void localLeave(Presence.RoomUser left) {
        Stream room = Stream.room(left.room());
        Position head = history.head(room);
        if (head != null) {
            dispatcher.deliverLocal(new Published(head, Envelope.roomEvent(left.room(), Envelope.LEAVE, left.user()),
                    System.currentTimeMillis()));
        }
    }

    /**
     * Closes every session of {@code user}, on this node and (through the cluster) on all others.
     *
     * @return the sessions closed on this node
     */
    public int disconnectEverywhere(String user) {
        if (cluster != null) {
            cluster.disconnectElsewhere(user);
        }
        return disconnectLocally(user);
    }

    private int disconnectLocally(String user) {
        List<Session> local = sessions.sessionsOf(user);
        for (Session session : local) {
            session.close(Disconnect.SERVER_API, "disconnected by the server API", null, null,
                    WebSocketCloseStatus.POLICY_VIOLATION);
        }
        return local.size();
    }

    /** The live nodes: this one, and the others the cluster has heard from. */
    public List<Cluster.NodeInfo> nodes() {
        return cluster != null ? cluster.nodes()
                : List.of(new Cluster.NodeInfo(id, VERSION, sessions.count(), System.currentTimeMillis()));
    }

    /** Tells the cluster this node is leaving, then stops its housekeeping. */
    public void leaveCluster() {
        if (legacy != null) {
            legacy.close();
        }
        if (cluster != null) {
            try {
                cluster.leave();
            } catch (RuntimeException e) {
                // the bus is gone; the others will time this node out
            }
            cluster.close();
        }
    }

    private static Authenticator authenticator(Settings s) {
        if (s.auth == Settings.AuthMode.insecure) {
            return new InsecureAuthenticator();
        }
        PublicKey publicKey = null;
        if (s.jwtPublicKey != null) {
            try {
                publicKey = PemKeys.publicKey(s.jwtPublicKey);
            } catch (Exception e) {
                throw new ConfigException("--jwt-public-key: " + s.jwtPublicKey + " is not an RSA public key in PEM"
                        + " form: " + e.getMessage());
            }
        }
        return new JwtAuthenticator(s.jwtSecret, publicKey);
    }

    private static String generateKey() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String versionOf(Class<?> c) {
        String v = c.getPackage() == null ? null : c.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public Settings settings() {
        return settings;
    }

    public String id() {
        return id;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    public ConnectionLimits connectionLimits() {
        return connectionLimits;
    }

    private void registerGauges() {
        metrics.gauge("roomcast.sessions", "STOMP sessions (connected, past CONNECT)", sessions,
                SessionRegistry::count);
        metrics.gauge("roomcast.connections", "WebSocket connections admitted and still open", connectionLimits,
                ConnectionLimits::total);
        metrics.gauge("roomcast.subscriptions", "Subscriptions of this node's sessions", sessions,
                SessionRegistry::subscriptionCount);
        metrics.gauge("roomcast.rooms", "Rooms with at least one member, on any node", presence,
                Presence::roomCount);
        metrics.gauge("roomcast.outbound.queue", "Bytes waiting to be written to this node's clients", sessions,
                SessionRegistry::pendingOutboundBytes);
        metrics.deliveries(dispatcher, Dispatcher::delivered);
    }

    public Bus bus() {
        return bus;
    }

    public HistoryWindow history() {
        return history;
    }

    public Recovery recovery() {
        return recovery;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public Presence presence() {
        return presence;
    }

    public Outbox outbox() {
        return outbox;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    public Authenticator authenticator() {
        return authenticator;
    }

    public String apiKey() {
        return apiKey;
    }

    /** Whether the API key was generated at start-up (and must be printed for the operator). */
    public boolean apiKeyGenerated() {
        return apiKeyGenerated;
    }

    public TrustedProxies trustedProxies() {
        return trustedProxies;
    }

    public ByteBufAllocator alloc() {
        return alloc;
    }

    /** Ready to take traffic: the bus can publish and the node is not shutting down. */
    public boolean isReady() {
        return !draining && bus.isReady();
    }

    /** Why the node is not ready, or null when it is. */
    public String notReadyReason() {
        if (draining) {
            return "the node is shutting down";
        }
        return bus.isReady() ? null : String.valueOf(bus.unavailableReason());
    }

    public boolean isDraining() {
        return draining;
    }

    public void draining(boolean draining) {
        this.draining = draining;
    }
}
